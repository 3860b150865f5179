"""Snakemake entry point: the HTML report, from the report rule's declared inputs only."""

from otuflow.report.assemble import write_workflow_report
from otuflow.snakemake_io import log_to

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    path = write_workflow_report(sm.output[0], dict(sm.input.items()), sm.params.plan,
                                 sm.params.config)  # fmt: skip
    print(f"wrote {path}")
