"""Snakemake entry point: versions of Python and the packages in the rules' Python environment."""

from otuflow.snakemake_io import log_to
from otuflow.software import write_python_versions

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    write_python_versions(sm.output[0], extra={"snakemake": sm.params.snakemake})
