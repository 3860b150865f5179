"""Snakemake entry point: midpoint-root the FastTree tree."""

from otuflow.phylogeny import write_midpoint_rooted
from otuflow.snakemake_io import log_to

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    tree = write_midpoint_rooted(sm.input[0], sm.output[0])
    print(f"rooted tree with {tree.count(tips=True)} tips")
