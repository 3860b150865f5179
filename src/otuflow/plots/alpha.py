"""Alpha-diversity box plots per group with Kruskal-Wallis and pairwise p-values.

The optional ``tests`` table follows :func:`otuflow.stats.alpha.compare_alpha` with an added
``metric`` column (one block per metric stacked):

- ``metric``: the metric name as passed in ``metrics`` or the alpha column it resolves to;
- omnibus rows: ``test == "kruskal"`` (or, without a ``test`` column, an empty/NaN ``group_b``),
  p-value in ``p``;
- pairwise rows: ``group_a``, ``group_b`` and the p-value column named by ``pairwise_p``
  (default ``p_bonferroni``: QIIME 1.9's nonparametric Monte Carlo t-test, Bonferroni-corrected);
  rows with a non-empty ``skipped`` or a NaN p are not drawn, nor are pairs with a group that is
  not a box (e.g. the pooled "Opioid").
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from otuflow.plots._boxes import draw_brackets, draw_group_boxes, set_group_ticks
from otuflow.plots._metrics import metric_label, resolve_metric
from otuflow.plots._style import (
    DOUBLE_COLUMN_IN,
    SINGLE_COLUMN_IN,
    PlotInputError,
    format_p,
    group_colors,
    new_figure,
    ordered_groups,
    plot_style,
    require_columns,
    save_figure,
)

PAIRWISE_LABELS = {
    "p_bonferroni": "nonparametric t-test, Bonferroni-corrected p",
    "q_bh": "nonparametric t-test, Benjamini-Hochberg q",
    "p": "nonparametric t-test p (uncorrected)",
    "p_nonparametric": "nonparametric t-test p (uncorrected)",
    "p_bh": "nonparametric t-test, Benjamini-Hochberg q",
}


def _is_omnibus(tests: pd.DataFrame) -> pd.Series:
    if "test" in tests.columns:
        return tests["test"].astype(str).str.lower().eq("kruskal")
    gb = tests["group_b"]
    return gb.isna() | gb.astype(str).str.strip().eq("")


def split_tests(
    tests: pd.DataFrame | None, metric: str, column: str, pairwise_p: str
) -> tuple[float | None, list[tuple[str, str, float]]]:
    """Kruskal-Wallis p and pairwise ``(group_a, group_b, p)`` of one metric from ``tests``.

    Parameters
    ----------
    tests : pandas.DataFrame or None
        Test table in the schema of this module's docstring.
    metric, column : str
        Requested metric name and the alpha column it resolved to; rows with either match.
    pairwise_p : str
        Column with the pairwise p-values to show.

    Returns
    -------
    (float or None, list)
        Omnibus p (None when absent) and the drawable pairwise results.
    """
    if tests is None or tests.empty:
        return None, []
    require_columns(tests, ["metric", "group_a", "group_b", "p"], "alpha test table")
    if pairwise_p not in tests.columns:
        raise PlotInputError(
            f"alpha test table: no column {pairwise_p!r} for pairwise p-values; found "
            f"{list(tests.columns)}"
        )
    rows = tests[tests["metric"].astype(str).isin([metric, column])]
    omni = _is_omnibus(rows)
    kw = rows.loc[omni, "p"].dropna()
    kruskal = float(kw.iloc[0]) if len(kw) else None
    pairs = []
    for _, row in rows.loc[~omni].iterrows():
        skipped = row.get("skipped", "")
        if isinstance(skipped, str) and skipped.strip():
            continue
        p = row[pairwise_p]
        if pd.isna(p):
            continue
        pairs.append((str(row["group_a"]), str(row["group_b"]), float(p)))
    return kruskal, pairs


def make_alpha_figure(
    alpha: pd.DataFrame,
    groups: pd.Series,
    colors: Mapping[str, str] | None,
    order: Sequence[str] | None,
    tests: pd.DataFrame | None = None,
    metrics: Sequence[str] = ("chao1", "shannon"),
    pairwise_p: str = "p_bonferroni",
    seed: int = 0,
) -> Figure:
    """Build the alpha box-plot figure; see :func:`alpha_boxplots`."""
    if not metrics:
        raise PlotInputError("alpha box plots: no metric requested")
    columns = [resolve_metric(alpha.columns, m, "alpha table") for m in metrics]
    labels, shown = ordered_groups(groups, alpha.index, order, "alpha table")
    palette = group_colors(shown, colors)
    counts = labels.value_counts()
    rng = np.random.default_rng(seed)
    width = SINGLE_COLUMN_IN if len(metrics) <= 2 else DOUBLE_COLUMN_IN
    drew_pairs = False
    with plot_style():
        fig = new_figure(width, 2.9)
        axes = fig.subplots(1, len(metrics), squeeze=False)[0]
        for ax, metric, col in zip(axes, metrics, columns, strict=True):
            values = [alpha.loc[labels.index[labels == g], col].to_numpy(dtype=float)
                      for g in shown]
            draw_group_boxes(ax, values, [palette[g] for g in shown], rng,
                             gids=[f"points:{g}" for g in shown])
            set_group_ticks(ax, shown, counts, width / len(metrics))
            ax.set_ylabel(metric_label(col))
            kruskal, pairs = split_tests(tests, metric, col, pairwise_p)
            # The metric is the y label; the title carries the omnibus test.
            if kruskal is not None:
                ax.set_title(f"Kruskal–Wallis {format_p(kruskal)}", fontsize=7)
            finite = np.concatenate([v[np.isfinite(v)] for v in values] or [np.array([])])
            if finite.size:
                lo, hi = float(finite.min()), float(finite.max())
                pos = {g: i for i, g in enumerate(shown)}
                drawable = [(pos[a], pos[b], format_p(p)) for a, b, p in pairs
                            if a in pos and b in pos]
                drew_pairs |= bool(drawable)
                top = draw_brackets(ax, drawable, hi, hi - lo) if drawable else None
                pad = 0.05 * (hi - lo if hi > lo else max(abs(hi), 1.0))
                ax.set_ylim(lo - pad, top if top is not None else hi + pad)
        if drew_pairs:
            fig.get_layout_engine().set(h_pad=0.04)
            fig.supxlabel(f"Brackets: {PAIRWISE_LABELS.get(pairwise_p, pairwise_p)}",
                          fontsize=7, color="0.3")
    return fig


def alpha_boxplots(
    alpha: pd.DataFrame,
    groups: pd.Series,
    colors: Mapping[str, str] | None,
    order: Sequence[str] | None,
    out_prefix: str | os.PathLike,
    tests: pd.DataFrame | None = None,
    metrics: Sequence[str] = ("chao1", "shannon"),
    pairwise_p: str = "p_bonferroni",
    seed: int = 0,
) -> list[Path]:
    """One panel per alpha metric: box + jittered points per group, Kruskal-Wallis p in the title,
    pairwise p-values as brackets (PNG + SVG).

    Parameters
    ----------
    alpha : pandas.DataFrame
        Samples x metrics (as :func:`otuflow.stats.alpha.alpha_diversity`).
    groups : pandas.Series
        Sample -> group; every sample of ``alpha`` needs one.
    colors : mapping or None
        Group -> hex colour.
    order : sequence of str or None
        Group order along the x axis.
    out_prefix : path-like
        Writes ``<out_prefix>.png`` and ``.svg``.
    tests : pandas.DataFrame, optional
        Test results in the schema of the module docstring.
    metrics : sequence of str
        Metrics, one panel each (``"shannon"`` finds ``shannon_base2`` etc.). Up to two panels
        fit a single column (3.5 in); more use the double width.
    pairwise_p : str
        Column of ``tests`` shown on the brackets.
    seed : int
        Seed of the point jitter.

    Returns
    -------
    list of pathlib.Path
        The PNG and SVG written.
    """
    fig = make_alpha_figure(alpha, groups, colors, order, tests, metrics, pairwise_p, seed)
    return save_figure(fig, out_prefix)
