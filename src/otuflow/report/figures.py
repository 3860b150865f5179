"""Draw the workflow's figures from its result tables (one function per figure family, and
:func:`draw_all_figures`, which draws every figure of a run plan in one process)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from otuflow.plan import COMPOSITION_RANKS, RunPlan
from otuflow.plots.alpha import alpha_boxplots
from otuflow.plots.features import feature_boxplots
from otuflow.plots.ordination import ordination_plot
from otuflow.plots.rarefaction import plot_rarefaction_curves
from otuflow.plots.stamp import extended_error_bar
from otuflow.plots.taxa import stacked_bars
from otuflow.plots.tracking import read_tracking_plot
from otuflow.report.methods import ELLIPSE_LEVEL
from otuflow.samplesheet import read_group_table
from otuflow.stats.beta_metrics import metric_title
from otuflow.stats.comparisons import Comparison
from otuflow.tsv import read_tsv

PathLike = str | os.PathLike


def _tsv(path: PathLike, index_col=0) -> pd.DataFrame:
    return read_tsv(path, index_col=index_col)


def draw_read_tracking(tracking: PathLike, groups: PathLike, colors, order, out: Path,
                       feature: str = "OTU") -> None:  # fmt: skip
    """Reads kept per step and sample (``read_tracking.png``)."""
    read_tracking_plot(_tsv(tracking, None), read_group_table(groups), colors, out, order,
                       feature=feature)  # fmt: skip


def draw_alpha(
    alpha: PathLike, tests: PathLike, curves: PathLike, groups: PathLike, colors, order,
    out_curves: Path, out_boxes: Path, seed: int = 0,
) -> None:  # fmt: skip
    """Rarefaction curves and Chao1/Shannon box plots with the group tests."""
    alpha_table = _tsv(alpha)
    group = read_group_table(groups)
    depth = int(alpha_table["depth"].iloc[0]) if len(alpha_table) else None
    plot_rarefaction_curves(_tsv(curves, None), group, colors, order, out_curves, depth=depth,
                            title="Rarefaction curves")  # fmt: skip
    alpha_boxplots(alpha_table, group.reindex(alpha_table.index), colors, order, out_boxes,
                   tests=_tsv(tests, None), seed=seed)  # fmt: skip


def _permanova_note(permanova: PathLike) -> str | None:
    table = _tsv(permanova, None)
    overall = table[table["comparison"] == "all groups"]
    if overall.empty or pd.isna(overall["pseudo_F"].iloc[0]):
        return None
    row = overall.iloc[0]
    return f"PERMANOVA R² = {row['R2']:.3f}, p = {row['p']:.3g}"


def draw_ordinations(
    metric: str, pcoa: PathLike, nmds: PathLike, summary: PathLike, permanova: PathLike,
    groups: PathLike, colors, order, out_pcoa: Path, out_nmds: Path,
) -> None:  # fmt: skip
    """PCoA and NMDS of one distance metric with group ellipses.

    The ellipses cover :data:`otuflow.report.methods.ELLIPSE_LEVEL` (as the report states).
    """
    group = read_group_table(groups)
    name = metric_title(metric)
    stats = _tsv(summary, None)
    note = _permanova_note(permanova)
    coords = _tsv(pcoa).drop(columns="group")
    if coords.shape[1] < 2:  # e.g. two samples: a single axis carries all the variance
        coords["PC2"] = 0.0
    explained = stats[stats["method"] == "pcoa"].set_index("axis")["value"]
    labels = tuple(f"{axis} ({100 * explained.get(axis, float('nan')):.1f} %)"
                   for axis in coords.columns[:2])  # fmt: skip
    ordination_plot(coords, group, colors, order, labels, f"PCoA, {name}", out_pcoa, note,
                    level=ELLIPSE_LEVEL)  # fmt: skip
    nmds_rows = stats[stats["method"] == "nmds"].set_index("statistic")
    stress = nmds_rows["value"].get("stress_kruskal_1", float("nan"))
    configuration = _tsv(nmds).drop(columns="group")
    stress_note = f"stress = {stress:.3f}" if pd.notna(stress) else "NMDS not possible"
    if nmds_rows["value"].get("best_solution_repeats", 1) == 0:
        stress_note += " (best solution not repeated)"
    if configuration.empty or configuration.isna().all().all():  # NMDS was not possible
        configuration = pd.DataFrame({"NMDS1": 0.0, "NMDS2": 0.0}, index=coords.index)
    ordination_plot(configuration, group, colors, order, ("NMDS1", "NMDS2"),
                    f"NMDS, {name}", out_nmds, "; ".join(x for x in (stress_note, note) if x),
                    level=ELLIPSE_LEVEL)  # fmt: skip


def draw_composition(
    top: PathLike, groups: PathLike, colors, order, rank: str, out_samples: Path,
    out_groups: Path,
) -> None:  # fmt: skip
    """Stacked bars of the top taxa per sample and per group."""
    rel = _tsv(top)
    group = read_group_table(groups)
    plural = {"genus": "genera", "phylum": "phyla", "family": "families"}.get(rank, rank)
    label = f"top {len(rel.index.difference(['Other', 'Unassigned']))} {plural}"
    stacked_bars(rel, group, order, out_samples, by="sample", colors=colors,
                 title=f"Relative abundance, {label}, per sample")  # fmt: skip
    stacked_bars(rel, group, order, out_groups, by="group", colors=colors,
                 title=f"Relative abundance, {label}, group means")  # fmt: skip


def significant_features(
    metastats_tables: Sequence[PathLike], rank: str, q_threshold: float, fallback: int = 5
) -> tuple[list[str], dict[str, str], bool]:
    """Features with Metastats q below the threshold in any comparison.

    Returns
    -------
    (list of str, dict, bool)
        Features (by smallest q), an annotation per feature naming the comparisons where it is
        significant, and whether any feature passed (if none, the ``fallback`` smallest-p ones).
    """
    frames = []
    for path in metastats_tables:
        table = _tsv(path, None)
        table["comparison"] = f"{table['group_a'].iloc[0]} vs {table['group_b'].iloc[0]}" \
            if len(table) else ""
        frames.append(table)
    if not frames:
        return [], {}, False
    table = pd.concat(frames, ignore_index=True)
    table = table[~table[rank].astype(str).str.endswith(("_unclassified", "Unassigned"))]
    hits = table[table["q"] < q_threshold].sort_values(["q", "p", rank])
    found = not hits.empty
    if not found:
        hits = table.sort_values(["p", rank]).head(fallback)
    features = list(dict.fromkeys(hits[rank]))
    notes = {
        f: "; ".join(f"{r.comparison}: q = {r.q:.2g}" for r in hits[hits[rank] == f].itertuples())
        for f in features
    }
    return features, notes, found


def draw_differential(
    stamp: Sequence[tuple[Comparison, PathLike, Path]], metastats_tables: Sequence[PathLike],
    rel_abundance: PathLike, groups: PathLike, colors, order, rank: str, q_threshold: float,
    confidence: float, out_boxes: Path,
) -> None:  # fmt: skip
    """STAMP extended error bars per comparison and box plots of significant taxa.

    Parameters
    ----------
    stamp : sequence of (Comparison, path, path)
        Per comparison: its STAMP table and the output prefix of its plot.
    metastats_tables : sequence of path-like
        Metastats table of every comparison.
    rel_abundance, groups : path-like
        Relative abundance per sample at ``rank``; the sample -> group table.
    colors, order
        Group colours and order.
    rank : str
        Rank tested.
    q_threshold, confidence : float
        Significance cut-off for q and the confidence level of the STAMP intervals.
    out_boxes : path
        Output prefix of the box plots.
    """
    for comparison, path, out_prefix in stamp:
        table = _tsv(path, None).rename(columns={rank: "feature"})
        table.attrs["confidence"] = confidence
        extended_error_bar(table, comparison.name_a, comparison.name_b, colors, out_prefix,
                           q_threshold=q_threshold)  # fmt: skip
    features, notes, found = significant_features(metastats_tables, rank, q_threshold)
    rel = _tsv(rel_abundance)
    group = read_group_table(groups)
    if not features:
        features = list(rel.mean(axis=1).sort_values(ascending=False).index[:5])
        notes = {f: "no test could be run" for f in features}
    elif not found:
        notes = {f: f"not significant; {n}" for f, n in notes.items()}
    feature_boxplots(rel, features[:12], group, colors, order, out_boxes, annotations=notes)


def draw_all_figures(
    plan: RunPlan, inputs: Mapping[str, PathLike], colors, order, q_threshold: float,
    confidence: float, seed: int = 0, feature: str = "OTU",
) -> list[Path]:  # fmt: skip
    """Every figure of ``plan`` (:meth:`~otuflow.plan.RunPlan.figures`), PNG and SVG.

    One process draws them all: the figure families share one interpreter start-up and one
    import of matplotlib, pandas and scipy, which cost more than drawing a small figure.

    Parameters
    ----------
    plan : otuflow.plan.RunPlan
        The run plan: which figures, and where they go.
    inputs : mapping
        The tables they are drawn from, by the names of
        :meth:`~otuflow.plan.RunPlan.figure_inputs`.
    colors, order
        Group colours and order.
    q_threshold, confidence : float
        Metastats q cut-off of the significant taxa and the STAMP confidence level.
    seed : int
        Seed of the jitter in the alpha-diversity box plots.
    feature : str
        What the table counts (``OTU`` or ``ASV``), for the read-tracking labels.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of the plan's figures.
    """
    def prefix(stem: str) -> Path:
        return Path(plan.path("figure", stem=stem, ext=""))

    group = inputs["groups"]
    draw_read_tracking(inputs["read_tracking"], group, colors, order, prefix("read_tracking"),
                       feature)
    draw_alpha(
        inputs["alpha"], inputs["alpha_tests"], inputs["rarefaction_curves"], group, colors,
        order, prefix("rarefaction_curves"), prefix("alpha_diversity"), seed,
    )  # fmt: skip
    for m in plan.beta_metrics:
        draw_ordinations(
            m, inputs[f"pcoa_{m}"], inputs[f"nmds_{m}"], inputs[f"ordination_summary_{m}"],
            inputs[f"permanova_metric_{m}"], group, colors, order, prefix(f"pcoa_{m}"),
            prefix(f"nmds_{m}"),
        )  # fmt: skip
    for rank in COMPOSITION_RANKS:
        draw_composition(inputs[f"top_taxa_{rank}"], group, colors, order, rank,
                         prefix(f"{rank}_bars_samples"), prefix(f"{rank}_bars_groups"))  # fmt: skip
    draw_differential(
        [(c, inputs[f"stamp_{c.slug}"], prefix(f"stamp_{c.slug}")) for c in plan.comparisons],
        [inputs[f"metastats_{c.slug}"] for c in plan.comparisons], inputs["differential_relative"],
        group, colors, order, plan.rank, q_threshold, confidence, prefix("significant_taxa"),
    )  # fmt: skip
    files = [Path(f) for figure in plan.figures() for f in plan.figure_files(figure)]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:  # a figure the plan declares and no family draws: a programming error
        raise RuntimeError(f"figures not drawn: {', '.join(missing)}")
    return files
