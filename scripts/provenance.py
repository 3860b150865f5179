"""Snakemake entry point: the run's provenance record (and, apart, when and where it ran)."""

from otuflow.provenance import collect_provenance, run_info, write_json
from otuflow.snakemake_io import log_to
from otuflow.software import read_versions

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    software = read_versions({key: sm.input[key] for key in sm.params.version_keys})
    record = collect_provenance(
        sm.params.config,
        sm.input.sheet,
        sm.params.reads,
        sm.params.references,
        sm.params.code_dir,
        software,
    )
    write_json(record, sm.output.record)
    write_json(run_info(sm.params.code_dir), sm.output.run_info)
    print(f"provenance of {len(record['samples'])} samples written to {sm.output.record}")
