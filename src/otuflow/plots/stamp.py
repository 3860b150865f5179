"""STAMP-style extended error bar plot of a two-group differential-abundance test."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from otuflow.plots._style import (
    DOUBLE_COLUMN_IN,
    PlotInputError,
    group_colors,
    n_label,
    new_figure,
    plot_style,
    require_columns,
    save_figure,
)

# Right edges of the p and q columns in the text panel (axes fraction).
P_COLUMN_RIGHT, Q_COLUMN_RIGHT = 0.45, 0.95


def _fmt(v: float) -> str:
    if not np.isfinite(v):
        return "n/a"
    return f"{v:.1e}" if v < 0.001 else f"{v:.3f}"


def _diff_column(stamp: pd.DataFrame) -> str:
    return "difference" if "difference" in stamp.columns else "diff"


def select_features(
    stamp: pd.DataFrame, max_features: int = 30, q_threshold: float = 0.05
) -> tuple[pd.DataFrame, bool]:
    """Rows to draw: features with q < ``q_threshold``, else the top ones by p.

    Parameters
    ----------
    stamp : pandas.DataFrame
        Test table with ``p``, ``q`` and the difference column.
    max_features : int
        At most this many rows (the smallest q, then p, are kept).
    q_threshold : float
        Significance threshold on q.

    Returns
    -------
    (pandas.DataFrame, bool)
        Selected rows sorted by decreasing difference (``difference`` or ``diff`` column; largest
        a > b on top), and whether they are significant (False: none passed, top
        ``max_features`` by p shown instead).
    """
    if max_features < 1:
        raise PlotInputError("max_features must be >= 1")
    diff_col = _diff_column(stamp)
    q = stamp["q"].astype(float)
    significant = stamp[q < q_threshold]
    chosen = significant if len(significant) else stamp
    ranked = chosen.assign(_q=chosen["q"].astype(float).fillna(np.inf),
                           _p=chosen["p"].astype(float).fillna(np.inf))
    ranked = ranked.sort_values(["_q", "_p", "feature"], kind="stable").head(max_features)
    ranked = ranked.sort_values(diff_col, ascending=False, kind="stable")
    return ranked.drop(columns=["_q", "_p"]), bool(len(significant))


def make_extended_error_bar_figure(
    stamp: pd.DataFrame,
    group_a: str | None = None,
    group_b: str | None = None,
    colors: Mapping[str, str] | None = None,
    max_features: int = 30,
    q_threshold: float = 0.05,
    title: str | None = None,
) -> Figure:
    """Build the extended error bar figure; see :func:`extended_error_bar`."""
    diff_col = _diff_column(stamp)
    require_columns(stamp, ["feature", "mean_a", "mean_b", diff_col, "ci_low", "ci_high", "p",
                            "q"], "STAMP table")
    if stamp.empty:
        raise PlotInputError("STAMP table: no features to plot")
    if group_a is None or group_b is None:
        require_columns(stamp, ["group_a", "group_b"], "STAMP table (group names)")
        group_a = group_a or str(stamp["group_a"].iloc[0])
        group_b = group_b or str(stamp["group_b"].iloc[0])
    palette = group_colors([group_a, group_b], colors)
    rows, significant = select_features(stamp, max_features, q_threshold)
    k = len(rows)
    names = [str(f) for f in rows["feature"]]
    y = np.arange(k)[::-1]
    label_a, label_b = group_a, group_b
    if "n_a" in stamp.columns and "n_b" in stamp.columns:
        label_a = n_label(group_a, int(stamp["n_a"].iloc[0]))
        label_b = n_label(group_b, int(stamp["n_b"].iloc[0]))
    if title is None:
        title = f"{group_a} vs {group_b}: "
        if significant:
            title += f"{k} feature{'s' if k != 1 else ''} with q < {q_threshold:g}"
        else:
            title += f"no feature with q < {q_threshold:g}; top {k} by p shown"
    with plot_style():
        fig = new_figure(DOUBLE_COLUMN_IN, 1.3 + 0.2 * k)
        fig.get_layout_engine().set(wspace=0.06)  # edge tick labels of neighbouring panels
        ax_mean, ax_diff, ax_text = fig.subplots(1, 3, sharey=True, width_ratios=[1, 1, 0.45])
        h = 0.38
        ax_mean.barh(y + h / 2, rows["mean_a"].astype(float), height=h, color=palette[group_a],
                     label=label_a, gid=f"mean:{group_a}")
        ax_mean.barh(y - h / 2, rows["mean_b"].astype(float), height=h, color=palette[group_b],
                     label=label_b, gid=f"mean:{group_b}")
        ax_mean.set_yticks(y, names)
        ax_mean.set_ylim(-0.7, k - 0.3)
        ax_mean.set_xlabel("Mean proportion (%)")
        ax_mean.tick_params(axis="y", length=0)
        for i in range(0, k, 2):
            for ax in (ax_mean, ax_diff):
                ax.axhspan(y[i] - 0.5, y[i] + 0.5, color="0.94", lw=0, zorder=0)
        diff = rows[diff_col].astype(float).to_numpy()
        low = rows["ci_low"].astype(float).to_numpy()
        high = rows["ci_high"].astype(float).to_numpy()
        point_colors = [palette[group_a] if d > 0 else palette[group_b] for d in diff]
        ax_diff.errorbar(diff, y, xerr=[diff - low, high - diff], fmt="none", ecolor="0.25",
                         elinewidth=0.8, capsize=2, capthick=0.8)
        ax_diff.scatter(diff, y, s=22, c=point_colors, edgecolors="0.25", linewidths=0.4,
                        zorder=3, gid="differences")
        ax_diff.axvline(0, color="0.4", lw=0.7, ls="--")
        confidence = float(stamp.attrs.get("confidence", 0.95))
        ax_diff.set_xlabel(
            f"Difference in mean proportions (%)\n{100 * confidence:g} % confidence interval")
        ax_diff.tick_params(axis="y", left=False)
        ax_text.set_xlim(0, 1)
        ax_text.axis("off")
        for yi, p, q in zip(y, rows["p"].astype(float), rows["q"].astype(float), strict=True):
            # Right-aligned columns with a gap: "1.0e-05" next to "3.2e-04" stays apart.
            ax_text.text(P_COLUMN_RIGHT, yi, _fmt(p), va="center", ha="right", fontsize=7)
            ax_text.text(Q_COLUMN_RIGHT, yi, _fmt(q), va="center", ha="right", fontsize=7)
        for x, name in ((P_COLUMN_RIGHT, "p"), (Q_COLUMN_RIGHT, "q")):
            ax_text.text(x, k - 0.4, name, va="bottom", ha="right", fontsize=7, style="italic")
        handles = [Patch(color=palette[group_a], label=label_a),
                   Patch(color=palette[group_b], label=label_b)]
        fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
        fig.suptitle(title)
    return fig


def extended_error_bar(
    stamp: pd.DataFrame,
    group_a: str | None,
    group_b: str | None,
    colors: Mapping[str, str] | None,
    out_prefix: str | os.PathLike,
    max_features: int = 30,
    q_threshold: float = 0.05,
    title: str | None = None,
) -> list[Path]:
    """STAMP extended error bar plot: mean proportions, difference with 95 % CI, p and q.

    Parameters
    ----------
    stamp : pandas.DataFrame
        One row per feature with ``feature, mean_a, mean_b`` (percent), ``difference`` (or
        ``diff``; a - b, percent), ``ci_low, ci_high, p, q`` (as
        :func:`otuflow.stats.welch.stamp_welch`); optional ``n_a, n_b`` put n in the legend.
    group_a, group_b : str or None
        Group names (None: taken from the ``group_a``/``group_b`` columns).
    colors : mapping or None
        Group -> hex colour (the pooled "Opioid" falls back to ``#CC79A7``).
    out_prefix : path-like
        Writes ``<out_prefix>.png`` and ``.svg``.
    max_features : int
        At most this many features (lowest q first).
    q_threshold : float
        Features with q below it are drawn; if there are none, the top ``max_features`` by p
        are drawn and the title says so.
    title : str, optional
        Overrides the automatic title.

    Returns
    -------
    list of pathlib.Path
        The PNG and SVG written.
    """
    fig = make_extended_error_bar_figure(stamp, group_a, group_b, colors, max_features,
                                         q_threshold, title)
    return save_figure(fig, out_prefix)
