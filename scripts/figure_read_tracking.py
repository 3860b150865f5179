"""Snakemake entry point: the read-tracking figure."""

from pathlib import Path

from otuflow.report import figures
from otuflow.snakemake_io import log_to

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    figures.draw_read_tracking(sm.input.tracking, sm.input.groups, sm.params.colors,
                               sm.params.order, Path(sm.output[0]).with_suffix(""))  # fmt: skip
