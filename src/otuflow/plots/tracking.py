"""Reads retained at each workflow step, per sample, coloured by group."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import LogFormatterSciNotation

from otuflow.plots._style import (
    DOUBLE_COLUMN_IN,
    PlotInputError,
    group_colors,
    n_label,
    new_figure,
    ordered_groups,
    plot_style,
    require_columns,
    save_figure,
)
from otuflow.tracking import STEPS

STEP_LABELS = {
    "input": "Input pairs",
    "with_primers": "With primers",
    "merged": "Merged",
    "filtered": "Quality-\nfiltered",
    "mapped": "Mapped\nto {feature}s",
}


class _PlainLogFormatter(LogFormatterSciNotation):
    """Label the ticks matplotlib's log formatter would label, as plain numbers (``20,000``)."""

    def __call__(self, x, pos=None):
        return f"{x:,.0f}" if super().__call__(x, pos) else ""


def make_read_tracking_figure(
    tracking: pd.DataFrame,
    groups: pd.Series,
    colors: Mapping[str, str] | None,
    order: Sequence[str] | None = None,
    steps: Sequence[str] = STEPS,
    feature: str = "OTU",
) -> Figure:
    """Build the read-tracking figure; see :func:`read_tracking_plot`."""
    require_columns(tracking, ["sample", *steps], "read tracking table")
    if tracking["sample"].duplicated().any():
        dup = list(tracking.loc[tracking["sample"].duplicated(), "sample"][:5])
        raise PlotInputError(f"read tracking table: duplicated sample(s) {dup}")
    table = tracking.set_index("sample")[list(steps)].astype(float)
    if (table.to_numpy() < 0).any() or not np.isfinite(table.to_numpy()).all():
        raise PlotInputError("read tracking table: counts must be finite and >= 0")
    labels, shown = ordered_groups(groups, table.index, order, "read tracking table")
    palette = group_colors(shown, colors)
    counts = labels.value_counts()
    x = np.arange(len(steps))
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100 * table.div(table[steps[0]], axis=0)
    with plot_style():
        fig = new_figure(DOUBLE_COLUMN_IN, 2.9)
        ax_n, ax_pct = fig.subplots(1, 2)
        for g in reversed(shown):
            for s in labels.index[labels == g]:
                kw = {"color": palette[g], "lw": 0.9, "alpha": 0.8, "marker": "o", "ms": 2.5}
                reads = table.loc[s].to_numpy()
                ax_n.plot(x, np.where(reads > 0, reads, np.nan), gid=f"reads:{s}", **kw)
                ax_pct.plot(x, pct.loc[s].to_numpy(), gid=f"percent:{s}", **kw)
        ax_n.set_yscale("log")
        ax_n.yaxis.set_major_formatter(_PlainLogFormatter())
        ax_n.yaxis.set_minor_formatter(_PlainLogFormatter(labelOnlyBase=False))
        ax_n.set_ylabel("Read pairs (log scale)")
        labels_of_steps = [STEP_LABELS.get(s, s).format(feature=feature) for s in steps]
        ax_pct.set_ylabel(f"% of {labels_of_steps[0].lower()}")
        ax_pct.set_ylim(0, 105)
        for ax in (ax_n, ax_pct):
            ax.set_xticks(x, labels_of_steps)
            ax.set_xlim(-0.2, len(steps) - 0.8)
            ax.grid(axis="y", color="0.9", lw=0.5)
            ax.set_axisbelow(True)
        handles = [Line2D([], [], color=palette[g], lw=1.5, label=n_label(g, int(counts[g])))
                   for g in shown]
        fig.legend(handles=handles, loc="outside lower center", ncols=len(shown), frameon=False)
    return fig


def read_tracking_plot(
    tracking: pd.DataFrame,
    groups: pd.Series,
    colors: Mapping[str, str] | None,
    out_prefix: str | os.PathLike,
    order: Sequence[str] | None = None,
    steps: Sequence[str] = STEPS,
    feature: str = "OTU",
) -> list[Path]:
    """Read pairs retained per step and sample: absolute (log scale) and as % of the input.

    Parameters
    ----------
    tracking : pandas.DataFrame
        Columns ``sample`` and the counts of ``steps`` (as ``results/qc/read_tracking.tsv``);
        extra columns are ignored. A zero count is left out of the log panel.
    groups : pandas.Series
        Sample -> group; every sample needs one.
    colors : mapping or None
        Group -> hex colour.
    out_prefix : path-like
        Writes ``<out_prefix>.png`` and ``.svg``.
    order : sequence of str, optional
        Legend order of the groups.
    steps : sequence of str
        Count columns in workflow order (first = 100 %).
    feature : str
        What reads are mapped to (``OTU`` or ``ASV``), for the last step's label.

    Returns
    -------
    list of pathlib.Path
        The PNG and SVG written.
    """
    fig = make_read_tracking_figure(tracking, groups, colors, order, steps, feature)
    return save_figure(fig, out_prefix)
