"""Snakemake entry point: stack per-metric tables into one."""

from otuflow.snakemake_io import log_to
from otuflow.tsv import concat_tsv

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    print(f"{len(concat_tsv(list(sm.input), sm.output[0]))} rows")
