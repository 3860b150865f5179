"""Snakemake entry point: the HTML report."""

from pathlib import Path

from otuflow.report.assemble import write_workflow_report
from otuflow.report.versions import read_versions
from otuflow.snakemake_io import log_to

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    path = write_workflow_report(
        Path(sm.output[0]), Path(sm.params.outdir), sm.params.config,
        read_versions(sm.input.versions), sm.params.slugs,
    )  # fmt: skip
    print(f"wrote {path}")
