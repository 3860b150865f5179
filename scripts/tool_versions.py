"""Snakemake entry point: record the versions of the tools and packages used."""

from otuflow.report.versions import collect_tool_versions, write_versions
from otuflow.snakemake_io import log_to

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    versions = collect_tool_versions()
    write_versions(sm.output[0], versions)
    print(versions)
