"""Stacked bars of relative abundance per sample or per group."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from otuflow.plots._style import (
    DOUBLE_COLUMN_IN,
    PlotInputError,
    group_colors,
    n_label,
    new_figure,
    ordered_groups,
    plot_style,
    save_figure,
)

OTHER_COLOR = "#9E9E9E"
UNASSIGNED_COLOR = "#DCDCDC"
MAX_SAMPLE_LABELS = 80
#: Smallest CIELAB distance (CIE76 delta E) of a taxon colour from a group colour of the figure;
#: closer palette colours (e.g. tab10 blue next to Okabe-Ito blue) are used only as a last resort.
MIN_GROUP_DELTA_E = 30.0


def _is_grey(color: str) -> bool:
    r, g, b = to_rgb(color)
    return max(r, g, b) - min(r, g, b) < 0.08


def _lab(color: str) -> np.ndarray:
    """CIELAB (D65) coordinates of a colour."""
    rgb = np.array(to_rgb(color))
    linear = np.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ linear / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def color_distance(a: str, b: str) -> float:
    """CIE76 colour difference (delta E in CIELAB) of two colours."""
    return float(np.linalg.norm(_lab(a) - _lab(b)))


def taxa_palette(avoid: Iterable[str] = ()) -> list[str]:
    """Qualitative palette of 53 distinct, non-grey colours for taxa.

    Dark shades of tab20 first (tab10-like distinct hues), then the tab20b/tab20c hue families,
    then the light shades, so that the first taxa differ most; greys are left out because grey
    marks "Other" and "Unassigned".

    Parameters
    ----------
    avoid : iterable of str
        Colours the taxa should not look like (the figure's group colours): palette colours
        closer than :data:`MIN_GROUP_DELTA_E` to any of them move to the end, in palette order,
        so they are used only when there are more taxa than other colours.
    """
    tab20 = [to_hex(c) for c in colormaps["tab20"].colors]
    tab20b = [to_hex(c) for c in colormaps["tab20b"].colors]
    tab20c = [to_hex(c) for c in colormaps["tab20c"].colors]
    order = (tab20[0::2] + tab20b[0::4] + tab20c[0::4] + tab20[1::2] + tab20b[2::4]
             + tab20c[2::4] + tab20b[1::4] + tab20c[1::4] + tab20b[3::4] + tab20c[3::4])
    out: list[str] = []
    for c in order:
        if not _is_grey(c) and c not in out:
            out.append(c)
    avoid = list(avoid)
    near = [c for c in out if any(color_distance(c, a) < MIN_GROUP_DELTA_E for a in avoid)]
    return [c for c in out if c not in near] + near


def taxa_colors(
    taxa: Sequence[str], other_label: str = "Other", unassigned_label: str = "Unassigned",
    avoid: Iterable[str] = (),
) -> dict[str, str]:
    """Colour per taxon in row order: palette colours (unlike the colours ``avoid``, see
    :func:`taxa_palette`), grey for Other, light grey for Unassigned."""
    palette = taxa_palette(avoid)
    named = [t for t in taxa if t not in (other_label, unassigned_label)]
    if len(named) > len(palette):
        raise PlotInputError(
            f"stacked bars: {len(named)} taxa but only {len(palette)} distinguishable colours; "
            "collapse the table to fewer top taxa (the rest into 'Other')"
        )
    colors = dict(zip(named, palette, strict=False))
    colors[other_label] = OTHER_COLOR
    colors[unassigned_label] = UNASSIGNED_COLOR
    return {t: colors[t] for t in taxa}


def _check_rel(rel: pd.DataFrame) -> pd.DataFrame:
    if rel.index.has_duplicates:
        dup = list(rel.index[rel.index.duplicated()][:5])
        raise PlotInputError(f"abundance table: duplicated taxa {dup}; aggregate them first")
    values = rel.astype(float)
    arr = values.to_numpy()
    if not np.isfinite(arr).all() or (arr < 0).any():
        raise PlotInputError("abundance table: proportions must be finite and >= 0")
    sums = arr.sum(axis=0)
    over = [str(s) for s, v in zip(rel.columns, sums, strict=True) if v > 1 + 1e-6]
    if over:
        raise PlotInputError(
            f"abundance table: column sums above 1 for sample(s) {over[:5]}; pass proportions "
            "(0-1), not percentages or counts"
        )
    return values


def make_stacked_bars_figure(
    rel: pd.DataFrame,
    groups: pd.Series,
    order: Sequence[str] | None,
    by: str = "sample",
    title: str = "",
    colors: Mapping[str, str] | None = None,
    other_label: str = "Other",
    unassigned_label: str = "Unassigned",
) -> Figure:
    """Build the stacked-bar figure; see :func:`stacked_bars`."""
    if by not in ("sample", "group"):
        raise PlotInputError(f"stacked bars: by must be 'sample' or 'group'; got {by!r}")
    values = _check_rel(rel)
    labels, shown = ordered_groups(groups, values.columns, order, "abundance table")
    palette = group_colors(shown, colors)
    counts = labels.value_counts()
    if by == "sample":
        columns = [s for g in shown for s in values.columns if labels[s] == g]
        data = values[columns]
        xlabels = [str(s) for s in columns]
        spans = []
        start = 0
        for g in shown:
            spans.append((g, start, start + int(counts[g])))
            start += int(counts[g])
    else:
        data = pd.DataFrame({g: values.loc[:, labels.index[labels == g]].mean(axis=1)
                             for g in shown})
        xlabels = [n_label(g, int(counts[g]), "\n") for g in shown]
        spans = [(g, i, i + 1) for i, g in enumerate(shown)]
    taxon_colors = taxa_colors(list(values.index), other_label, unassigned_label,
                               avoid=palette.values())  # a taxon must not look like a group
    n_taxa = len(values.index)
    legend_cols = 1 if n_taxa <= 20 else 2
    height = max(3.2, 0.95 + 0.135 * np.ceil(n_taxa / legend_cols))
    x = np.arange(data.shape[1])
    with plot_style():
        fig = new_figure(DOUBLE_COLUMN_IN, height)
        # Not sharex: shared axes share tick labels, and the two axes label different things.
        ax, strip = fig.subplots(2, 1, height_ratios=[1, 0.035])
        bottom = np.zeros(data.shape[1])
        width = 0.9 if by == "sample" else 0.7
        for taxon in values.index:
            h = 100 * data.loc[taxon].to_numpy(dtype=float)
            ax.bar(x, h, width=width, bottom=bottom, color=taxon_colors[taxon], linewidth=0,
                   label=str(taxon), gid=f"taxon:{taxon}")
            bottom += h
        ax.set_ylim(0, max(100.0, float(bottom.max())))
        ax.set_ylabel("Relative abundance (%)")
        ax.set_xlim(-0.5, data.shape[1] - 0.5)
        ax.spines["bottom"].set_visible(False)
        if title:
            ax.set_title(title)
        if by == "sample" and len(xlabels) <= MAX_SAMPLE_LABELS:
            ax.set_xticks(x, xlabels, rotation=90, fontsize=7)
            ax.tick_params(axis="x", length=0, pad=2, labelbottom=True)
        else:
            ax.tick_params(axis="x", bottom=False, labelbottom=False)
        for g, lo, hi in spans:
            strip.axvspan(lo - 0.5 + 0.05, hi - 0.5 - 0.05, color=palette[g], lw=0,
                          gid=f"groupbar:{g}")
        strip.set_xlim(-0.5, data.shape[1] - 0.5)
        strip.set_ylim(0, 1)
        strip.set_yticks([])
        for side in ("left", "right", "top", "bottom"):
            strip.spines[side].set_visible(False)
        centres = [(lo + hi - 1) / 2 for _, lo, hi in spans]
        if by == "sample":
            strip.set_xticks(centres, [n_label(g, int(counts[g]), "\n") for g, _, _ in spans])
        else:
            strip.set_xticks(centres, xlabels)
        strip.tick_params(axis="x", length=0, labelsize=7)
        handles = [Patch(facecolor=taxon_colors[t], label=str(t)) for t in values.index]
        fig.legend(handles=handles[::-1], loc="outside right upper", ncols=legend_cols,
                   frameon=False, handlelength=1.0, handleheight=1.0, labelspacing=0.3,
                   columnspacing=0.8)
    return fig


def stacked_bars(
    rel: pd.DataFrame,
    groups: pd.Series,
    order: Sequence[str] | None,
    out_prefix: str | os.PathLike,
    by: str = "sample",
    title: str = "",
    colors: Mapping[str, str] | None = None,
    other_label: str = "Other",
    unassigned_label: str = "Unassigned",
) -> list[Path]:
    """Stacked relative-abundance bars, per sample (grouped) or per group mean (PNG + SVG).

    Parameters
    ----------
    rel : pandas.DataFrame
        Taxa x samples proportions (0-1; columns may sum to less than 1), rows already reduced to
        the top taxa plus ``other_label`` and ``unassigned_label``; row order is stacking order
        (first row at the bottom). At most 54 named taxa.
    groups : pandas.Series
        Sample -> group; every sample needs one.
    order : sequence of str or None
        Group order along the x axis.
    out_prefix : path-like
        Writes ``<out_prefix>.png`` and ``.svg``.
    by : {"sample", "group"}
        One bar per sample, samples grouped by group with a coloured group bar and
        "Group (n = k)" under the axis; or one bar per group (mean proportion of its samples).
    title : str
        Axes title.
    colors : mapping, optional
        Group -> hex colour for the group bars (default the model-study colours); the taxa get
        palette colours unlike these (see :func:`taxa_palette`).
    other_label, unassigned_label : str
        Rows drawn grey (``#9E9E9E``) and light grey (``#DCDCDC``).

    Returns
    -------
    list of pathlib.Path
        The PNG and SVG written.
    """
    fig = make_stacked_bars_figure(rel, groups, order, by, title, colors, other_label,
                                   unassigned_label)
    return save_figure(fig, out_prefix)
