"""Snakemake entry point: PCoA and NMDS plots of one beta-diversity metric."""

from pathlib import Path

from otuflow.report import figures
from otuflow.snakemake_io import log_to

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    figures.draw_ordinations(
        sm.wildcards.metric, sm.input.pcoa, sm.input.nmds, sm.input.summary, sm.input.permanova,
        sm.input.groups, sm.params.colors, sm.params.order,
        Path(sm.output.pcoa[0]).with_suffix(""), Path(sm.output.nmds[0]).with_suffix(""),
    )  # fmt: skip
