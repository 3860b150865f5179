"""Snakemake entry point: rarefaction curves and the alpha-diversity box plots."""

from pathlib import Path

from otuflow.report import figures
from otuflow.snakemake_io import log_to

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    figures.draw_alpha(
        sm.input.alpha, sm.input.tests, sm.input.curves, sm.input.groups, sm.params.colors,
        sm.params.order, Path(sm.output.curves[0]).with_suffix(""),
        Path(sm.output.boxes[0]).with_suffix(""), sm.params.seed,
    )  # fmt: skip
