"""Rarefaction curves: mean richness (or another metric) per sample along subsampling depth."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from otuflow.plots._metrics import metric_label, resolve_metric
from otuflow.plots._style import (
    SINGLE_COLUMN_IN,
    group_colors,
    n_label,
    new_figure,
    ordered_groups,
    plot_style,
    require_columns,
    save_figure,
)


def mean_curves(curves: pd.DataFrame, metric: str = "observed") -> pd.DataFrame:
    """Mean of ``metric`` over iterations, per sample and depth.

    Parameters
    ----------
    curves : pandas.DataFrame
        Long table with columns ``sample, depth, iteration`` and the metric.
    metric : str
        Metric column (``"observed"`` also finds ``observed_otus``, ``"shannon"`` the single
        ``shannon_*`` column).

    Returns
    -------
    pandas.DataFrame
        Columns ``sample, depth, mean``, sorted by sample (first appearance) then depth.
    """
    require_columns(curves, ["sample", "depth"], "rarefaction table")
    col = resolve_metric(curves.columns, metric, "rarefaction table")
    out = (
        curves.groupby(["sample", "depth"], sort=False)[col].mean().rename("mean").reset_index()
    )
    first = {s: i for i, s in enumerate(pd.unique(curves["sample"]))}
    out["_o"] = out["sample"].map(first)
    return out.sort_values(["_o", "depth"], kind="stable").drop(columns="_o").reset_index(drop=True)


def make_rarefaction_figure(
    curves: pd.DataFrame,
    groups: pd.Series,
    colors: Mapping[str, str] | None,
    order: Sequence[str] | None,
    metric: str = "observed",
    depth: int | None = None,
    title: str = "",
) -> Figure:
    """Build the rarefaction figure (one line per sample, coloured by group); see
    :func:`plot_rarefaction_curves`."""
    means = mean_curves(curves, metric)
    samples = list(pd.unique(means["sample"]))
    labels, shown = ordered_groups(groups, samples, order, "rarefaction table")
    palette = group_colors(shown, colors)
    with plot_style():
        fig = new_figure(SINGLE_COLUMN_IN, 2.8)
        ax = fig.add_subplot()
        # Groups drawn in reverse display order so the first group ends up on top.
        for g in reversed(shown):
            for s in samples:
                if labels[s] != g:
                    continue
                sub = means[means["sample"] == s]
                x, y = sub["depth"].to_numpy(float), sub["mean"].to_numpy(float)
                if x.size and x[0] > 0:
                    # No reads, no OTUs: every curve starts at the origin.
                    x, y = np.r_[0.0, x], np.r_[0.0, y]
                ax.plot(x, y, color=palette[g], lw=0.9, alpha=0.85, gid=f"sample:{s}")
        if depth is not None:
            ax.axvline(depth, color="0.35", lw=0.7, ls="--", zorder=0)
            ax.annotate(f"depth {depth:,}", xy=(depth, 1.0), xycoords=("data", "axes fraction"),
                        xytext=(2, -2), textcoords="offset points", ha="left", va="top",
                        fontsize=7, color="0.35")
        ax.set_xlabel("Sequences per sample")
        ax.set_ylabel(metric_label(resolve_metric(curves.columns, metric, "rarefaction table")))
        ax.set_xlim(left=0)
        ax.set_ylim(bottom=0)
        ax.xaxis.set_major_formatter("{x:,.0f}")
        if title:
            ax.set_title(title)
        counts = labels.value_counts()
        handles = [Line2D([], [], color=palette[g], lw=1.5, label=n_label(g, int(counts[g])))
                   for g in shown]
        ax.legend(handles=handles, loc="lower right", frameon=False)
    return fig


def plot_rarefaction_curves(
    curves: pd.DataFrame,
    groups: pd.Series,
    colors: Mapping[str, str] | None,
    order: Sequence[str] | None,
    out_prefix: str | os.PathLike,
    metric: str = "observed",
    depth: int | None = None,
    title: str = "",
) -> list[Path]:
    """Rarefaction curves, one line per sample coloured by group (single column, PNG + SVG).

    Parameters
    ----------
    curves : pandas.DataFrame
        Long table ``sample, depth, iteration, <metric>`` (as
        :func:`otuflow.stats.alpha.rarefaction_curves`); the mean over iterations is drawn,
        starting from (0, 0).
    groups : pandas.Series
        Sample -> group; every sample of ``curves`` needs one.
    colors : mapping or None
        Group -> hex colour.
    order : sequence of str or None
        Group order of the legend.
    out_prefix : path-like
        Writes ``<out_prefix>.png`` and ``<out_prefix>.svg``.
    metric : str
        Metric column; ``"observed"`` also finds ``observed_otus``.
    depth : int, optional
        Rarefaction depth used downstream, drawn as a dashed line.
    title : str
        Axes title.

    Returns
    -------
    list of pathlib.Path
        The PNG and SVG written.
    """
    fig = make_rarefaction_figure(curves, groups, colors, order, metric, depth, title)
    return save_figure(fig, out_prefix)
