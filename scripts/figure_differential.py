"""Snakemake entry point: STAMP plot per comparison and box plots of the significant taxa."""

from pathlib import Path

from otuflow.report import figures
from otuflow.snakemake_io import log_to

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    figures.draw_differential(
        [
            (c, sm.input[f"stamp_{c.slug}"], Path(sm.output[f"stamp_{c.slug}"][0]).with_suffix(""))
            for c in sm.params.comparisons
        ],
        list(sm.input.metastats), sm.input.relative, sm.input.groups, sm.params.colors,
        sm.params.order, sm.params.rank, sm.params.q_threshold, sm.params.confidence,
        Path(sm.output.boxes[0]).with_suffix(""),
    )  # fmt: skip
