"""Small multiples of relative abundance per group for selected taxa."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from otuflow.plots._boxes import draw_group_boxes
from otuflow.plots._style import (
    DOUBLE_COLUMN_IN,
    SINGLE_COLUMN_IN,
    PlotInputError,
    group_colors,
    n_label,
    new_figure,
    ordered_groups,
    plot_style,
    save_figure,
)

MAX_COLUMNS = 3
PANEL_HEIGHT_IN = 2.1
# Extra height per line of annotation below a panel.
NOTE_LINE_IN = 0.14


def make_feature_boxplots_figure(
    rel: pd.DataFrame,
    features: Sequence[str],
    groups: pd.Series,
    colors: Mapping[str, str] | None,
    order: Sequence[str] | None,
    annotations: Mapping[str, str] | None = None,
    seed: int = 0,
    italic: bool = True,
) -> Figure:
    """Build the per-feature box-plot grid; see :func:`feature_boxplots`."""
    features = list(features)
    if not features:
        raise PlotInputError("feature box plots: no feature given")
    missing = [f for f in features if f not in rel.index]
    if missing:
        raise PlotInputError(
            f"feature box plots: {missing[:5]} not in the abundance table (rows are taxa); check "
            "the names against the table's index"
        )
    labels, shown = ordered_groups(groups, rel.columns, order, "abundance table")
    palette = group_colors(shown, colors)
    counts = labels.value_counts()
    rng = np.random.default_rng(seed)
    ncols = min(len(features), MAX_COLUMNS)
    nrows = int(np.ceil(len(features) / ncols))
    width = SINGLE_COLUMN_IN if ncols == 1 else DOUBLE_COLUMN_IN
    notes = {f: [line.strip() for line in str((annotations or {}).get(f) or "").split(";")
                 if line.strip()] for f in features}  # fmt: skip
    rows_of_notes = [max(len(notes[f]) for f in features[r * ncols:(r + 1) * ncols])
                     for r in range(nrows)]  # fmt: skip
    with plot_style():
        fig = new_figure(width, PANEL_HEIGHT_IN * nrows + NOTE_LINE_IN * sum(rows_of_notes) + 0.1)
        axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
        for ax, feature in zip(axes, features, strict=False):
            row = 100 * rel.loc[feature].astype(float)
            values = [row[labels.index[labels == g]].to_numpy() for g in shown]
            draw_group_boxes(ax, values, [palette[g] for g in shown], rng,
                             gids=[f"points:{feature}:{g}" for g in shown])
            # Groups are told apart by colour (legend below): small panels have no room for
            # three names side by side.
            ax.set_xticks(range(len(shown)), [""] * len(shown))
            lo, hi = float(row.min()), float(row.max())
            pad = 0.06 * (hi - lo) if hi > lo else max(abs(hi), 1.0) * 0.06
            ax.set_ylim(lo - pad, hi + pad)
            ax.set_ylabel("Relative abundance (%)")
            ax.set_title(str(feature), fontstyle="italic" if italic else "normal")
            # One line per part of the note ("A vs B: q = ..."), below the group labels, where
            # the layout makes room for it: never over a neighbouring panel.
            if notes[feature]:
                ax.set_xlabel("\n".join(notes[feature]), fontsize=7, color="0.2")
        for ax in axes[len(features):]:
            ax.set_visible(False)
        fig.legend(handles=[Patch(facecolor=palette[g], label=n_label(g, int(counts[g])))
                            for g in shown],
                   loc="outside lower center", ncols=len(shown), frameon=False)  # fmt: skip
    return fig


def feature_boxplots(
    rel: pd.DataFrame,
    features: Sequence[str],
    groups: pd.Series,
    colors: Mapping[str, str] | None,
    order: Sequence[str] | None,
    out_prefix: str | os.PathLike,
    annotations: Mapping[str, str] | None = None,
    seed: int = 0,
    italic: bool = True,
) -> list[Path]:
    """Box + jittered points of relative abundance (%) per group, one panel per feature.

    Parameters
    ----------
    rel : pandas.DataFrame
        Taxa x samples proportions (0-1); drawn as percent.
    features : sequence of str
        Rows of ``rel`` to draw, in panel order (up to three panels per row; one feature gives a
        single-column figure).
    groups : pandas.Series
        Sample -> group; every sample of ``rel`` needs one.
    colors : mapping or None
        Group -> hex colour.
    order : sequence of str or None
        Group order along each x axis.
    out_prefix : path-like
        Writes ``<out_prefix>.png`` and ``.svg``.
    annotations : mapping, optional
        Feature -> text shown below its panel (e.g. ``"A vs B: q = 0.004"``); parts separated
        by ``;`` go on lines of their own.
    seed : int
        Seed of the point jitter.
    italic : bool
        Italic panel titles (genus names).

    Returns
    -------
    list of pathlib.Path
        The PNG and SVG written.
    """
    fig = make_feature_boxplots_figure(rel, features, groups, colors, order, annotations, seed,
                                       italic)
    return save_figure(fig, out_prefix)
