"""Snakemake entry point: stacked bars of the top taxa of one rank, per sample and per group."""

from pathlib import Path

from otuflow.report import figures
from otuflow.snakemake_io import log_to

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    figures.draw_composition(
        sm.input.top, sm.input.groups, sm.params.colors, sm.params.order, sm.wildcards.rank,
        Path(sm.output.samples[0]).with_suffix(""), Path(sm.output.groups[0]).with_suffix(""),
    )  # fmt: skip
