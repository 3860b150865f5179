"""Figures of the clinical part: host measures by group (Figs. 1-3) and the genus-host heatmap."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import leaves_list, linkage

from otuflow.plots._boxes import draw_brackets
from otuflow.plots._style import (
    DOUBLE_COLUMN_IN,
    PlotInputError,
    group_colors,
    jitter,
    new_figure,
    plot_style,
    save_figure,
)

NO_STARS = "ns"


def _panel(ax, positions, values, colors, rng) -> float:
    """Points, mean and ± SD of each group at ``positions``; returns the highest point."""
    top = -math.inf
    for x, vals, color in zip(positions, values, colors, strict=True):
        vals = np.asarray(vals, dtype=float)
        if not len(vals):
            continue
        ax.scatter(x + jitter(len(vals), 0.45, rng), vals, s=5, color=color, alpha=0.55,
                   linewidths=0, zorder=2)  # fmt: skip
        mean, sd = vals.mean(), vals.std(ddof=1) if len(vals) > 1 else 0.0
        ax.errorbar(x, mean, yerr=sd, fmt="_", markersize=14, color="0.1", elinewidth=0.9,
                    capsize=4, capthick=0.9, zorder=3)  # fmt: skip
        top = max(top, vals.max(), mean + sd)
    return top


def measure_figure(
    data: pd.DataFrame, tests: pd.DataFrame, measures: Sequence[str],
    colors: Mapping[str, str] | None, out_prefix: str | os.PathLike, seed: int,
    group_column: str = "opioid_group", groups: Sequence[str] = ("Control", "Opioid"),
    by_sex: bool = False,
) -> None:
    """One panel per measure: each group's points with mean ± SD and significance stars.

    Parameters
    ----------
    data : pandas.DataFrame
        Patients: the measure columns, ``group_column`` and (for ``by_sex``) ``sex``.
    tests : pandas.DataFrame
        :func:`otuflow.clinical.compare.measure_tests` rows for these measures (stars from p,
        :data:`otuflow.clinical.compare.STAR_LEVELS`; ns otherwise).
    measures : sequence of str
        Columns to draw (absent ones are skipped).
    colors : mapping
        Group -> colour (:func:`otuflow.plots._style.group_colors` fills the rest).
    out_prefix : path-like
        Output path without suffix (PNG and SVG are written).
    seed : int
        Seed of the point jitter.
    group_column, groups : str, sequence of str
        The two groups.
    by_sex : bool
        Four columns per panel (male groups, then female groups) with brackets for each group
        comparison within a sex and each sex comparison within a group.
    """
    from otuflow.clinical.schema import BY_NAME

    measures = [m for m in measures if m in data]
    if not measures:
        raise PlotInputError(f"{out_prefix}: none of the measures {list(measures)} is in the "
                             "clinical table")  # fmt: skip
    palette = group_colors(list(groups), colors)
    columns = 4 if len(measures) > 6 else 3
    rows = math.ceil(len(measures) / columns)
    width = DOUBLE_COLUMN_IN
    fig = new_figure(width, 2.0 * rows + 0.3)
    rng = np.random.default_rng(seed)
    with plot_style():
        axes = fig.subplots(rows, columns, squeeze=False).ravel()
        for ax, measure in zip(axes, measures, strict=False):
            rows_of = tests[tests["measure"] == measure]
            if by_sex:
                cells = [(sex, g) for sex in ("male", "female") for g in groups]
                values = [data.loc[(data["sex"] == s) & (data[group_column] == g), measure]
                          .dropna() for s, g in cells]  # fmt: skip
                top = _panel(ax, range(4), values, [palette[g] for _, g in cells], rng)
                pairs = []
                for _, t in rows_of.iterrows():
                    if t["subset"] in ("male", "female"):
                        a = cells.index((t["subset"], t["group_a"]))
                        b = cells.index((t["subset"], t["group_b"]))
                    else:
                        a = cells.index((t["group_a"], t["subset"]))
                        b = cells.index((t["group_b"], t["subset"]))
                    pairs.append((a, b, t["stars"] or NO_STARS))
                ax.set_xticks(range(4), [f"{g}\n{s}" for s, g in cells], fontsize=6)
            else:
                values = [data.loc[data[group_column] == g, measure].dropna() for g in groups]
                top = _panel(ax, range(len(groups)), values, [palette[g] for g in groups], rng)
                pairs = [(0, 1, t["stars"] or NO_STARS) for _, t in rows_of.iterrows()]
                ax.set_xticks(range(len(groups)),
                              [f"{g}\n(n = {len(v)})" for g, v in zip(groups, values,
                                                                       strict=True)])  # fmt: skip
            low = min((v.min() for v in values if len(v)), default=0.0)
            span = top - min(low, 0.0)
            upper = draw_brackets(ax, pairs, top, span)
            ax.set_ylim(min(low, 0.0), upper)
            ax.set_title(BY_NAME[measure].label)
            ax.set_ylabel(BY_NAME[measure].unit or "ratio")
            ax.set_xlim(-0.6, (4 if by_sex else len(groups)) - 0.4)
        for ax in axes[len(measures):]:
            ax.set_visible(False)
    save_figure(fig, out_prefix)


def correlation_heatmap(table: pd.DataFrame, out_prefix: str | os.PathLike) -> None:
    """Clustered heatmap of Spearman rho, genus x host measure, stars from q.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`otuflow.clinical.links.genus_host_correlations` output.
    out_prefix : path-like
        Output path without suffix.
    """
    from otuflow.clinical.compare import STAR_LEVELS
    from otuflow.clinical.schema import BY_NAME

    if table.empty:
        fig = new_figure(DOUBLE_COLUMN_IN / 2, 1.5)
        with plot_style():
            fig.text(0.5, 0.5, "No genus passed the prevalence and abundance floors.",
                     ha="center", va="center")  # fmt: skip
        save_figure(fig, out_prefix)
        return
    rho = table.pivot(index="genus", columns="measure", values="rho").fillna(0.0)
    marks = table.pivot(index="genus", columns="measure", values="stars").fillna("")
    measure_order = [m for m in BY_NAME if m in rho.columns]
    rho = rho[measure_order]
    if rho.shape[0] > 2:
        rho = rho.iloc[leaves_list(linkage(rho.to_numpy(), "average"))]
    if rho.shape[1] > 2:
        rho = rho.iloc[:, leaves_list(linkage(rho.to_numpy().T, "average"))]
    marks = marks.loc[rho.index, rho.columns]
    height = max(2.0, 0.16 * rho.shape[0] + 1.4)
    fig = new_figure(DOUBLE_COLUMN_IN * 0.8, height)
    with plot_style():
        ax = fig.subplots()
        image = ax.imshow(rho.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto",
                          interpolation="nearest")  # fmt: skip
        for i in range(rho.shape[0]):
            for j in range(rho.shape[1]):
                if marks.iat[i, j]:
                    ax.text(j, i, marks.iat[i, j], ha="center", va="center", fontsize=6)
        ax.set_xticks(range(rho.shape[1]), [BY_NAME[m].label for m in rho.columns],
                      rotation=45, ha="right", rotation_mode="anchor")  # fmt: skip
        ax.set_yticks(range(rho.shape[0]), rho.index, fontstyle="italic")
        ax.spines[:].set_visible(False)
        fig.colorbar(image, ax=ax, label="Spearman ρ (CLR abundance)", shrink=0.6)
        ax.set_title(", ".join(f"{'*' * k} q < {level:g}" for k, level in enumerate(STAR_LEVELS, 1))
                     + " (Benjamini-Hochberg)")
    save_figure(fig, out_prefix)
