"""Snakemake entry point for every figure rule: draws the figures of the rule that calls it."""

from pathlib import Path

from otuflow.report import figures
from otuflow.snakemake_io import log_to

sm = snakemake  # noqa: F821
i, o, p = sm.input, sm.output, sm.params


def prefix(files):
    """Output prefix of a PNG/SVG pair."""
    return Path(files[0]).with_suffix("")


with log_to(sm.log[0]):
    if sm.rule == "figure_read_tracking":
        figures.draw_read_tracking(i.tracking, i.groups, p.colors, p.order, prefix(o))
    elif sm.rule == "figure_alpha":
        figures.draw_alpha(i.alpha, i.tests, i.curves, i.groups, p.colors, p.order,
                           prefix(o.curves), prefix(o.boxes), p.seed)  # fmt: skip
    elif sm.rule == "figure_ordination":
        figures.draw_ordinations(sm.wildcards.metric, i.pcoa, i.nmds, i.summary, i.permanova,
                                 i.groups, p.colors, p.order, prefix(o.pcoa),
                                 prefix(o.nmds))  # fmt: skip
    elif sm.rule == "figure_composition":
        figures.draw_composition(i.top, i.groups, p.colors, p.order, sm.wildcards.rank,
                                 prefix(o.samples), prefix(o.groups))  # fmt: skip
    elif sm.rule == "figure_differential":
        figures.draw_differential(
            {slug: i[f"stamp_{slug}"] for slug in p.slugs},
            [i[f"metastats_{slug}"] for slug in p.slugs],
            i.rel, i.groups, p.colors, p.order, p.rank, p.q_threshold,
            {slug: prefix(o[f"stamp_{slug}"]) for slug in p.slugs}, prefix(o.boxes),
        )  # fmt: skip
    else:
        raise ValueError(f"no figures are drawn for rule {sm.rule}")
