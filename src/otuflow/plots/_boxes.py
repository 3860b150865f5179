"""Box plus jittered points per group, and significance brackets, shared by the box-plot figures."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba

from otuflow.plots._style import jitter, n_label

BOX_WIDTH = 0.6


def draw_group_boxes(
    ax: Axes,
    values: Sequence[np.ndarray],
    colors: Sequence[str],
    rng: np.random.Generator,
    gids: Sequence[str] | None = None,
) -> None:
    """Draw one box (quartiles, 1.5 IQR whiskers, no fliers) and its jittered points per group.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Target axes; groups sit at x = 0, 1, 2, ...
    values : sequence of numpy.ndarray
        Values per group (NaN dropped).
    colors : sequence of str
        Colour per group.
    rng : numpy.random.Generator
        Seeded generator for the horizontal jitter.
    gids : sequence of str, optional
        SVG ids of the point collections (``<g id=...>``), e.g. ``"points:Control"``.
    """
    clean = [np.asarray(v, dtype=float)[np.isfinite(np.asarray(v, dtype=float))] for v in values]
    positions = np.arange(len(clean))
    drawable = [i for i, v in enumerate(clean) if v.size]
    if drawable:
        boxes = ax.boxplot(
            [clean[i] for i in drawable], positions=positions[drawable], widths=BOX_WIDTH,
            patch_artist=True, showfliers=False, manage_ticks=False,
            medianprops={"color": "black", "lw": 1.0},
            whiskerprops={"lw": 0.8}, capprops={"lw": 0.8}, boxprops={"lw": 0.8},
        )
        for k, i in enumerate(drawable):
            boxes["boxes"][k].set_edgecolor(colors[i])
            boxes["boxes"][k].set_facecolor(to_rgba(colors[i], 0.25))
            for part in ("whiskers", "caps"):
                for line in boxes[part][2 * k: 2 * k + 2]:
                    line.set_color(colors[i])
    for i, v in enumerate(clean):
        if not v.size:
            continue
        x = positions[i] + jitter(v.size, BOX_WIDTH * 0.7, rng)
        ax.scatter(x, v, s=12, color=colors[i], edgecolors="white", linewidths=0.4, zorder=3,
                   gid=gids[i] if gids else None)
    ax.set_xlim(-0.6, len(clean) - 0.4)


def draw_brackets(
    ax: Axes, pairs: Sequence[tuple[int, int, str]], top: float, span: float
) -> float:
    """Draw significance brackets above the data and return the new upper y limit.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Target axes (groups at x = 0, 1, ...).
    pairs : sequence of (int, int, str)
        Positions of the two groups and the text (e.g. ``"p = 0.012"``); shorter spans are drawn
        lowest so brackets nest without crossing.
    top : float
        Highest data value.
    span : float
        Data range (sets the spacing between brackets).

    Returns
    -------
    float
        Upper y limit leaving room for the brackets and their text.
    """
    step = 0.15 * span if span > 0 else max(abs(top), 1.0) * 0.15
    level = top + 0.06 * (span if span > 0 else max(abs(top), 1.0))
    ordered = sorted(pairs, key=lambda p: (abs(p[1] - p[0]), min(p[0], p[1])))
    for a, b, text in ordered:
        lo, hi = sorted((a, b))
        tick = 0.025 * step / 0.15
        ax.plot([lo, lo, hi, hi], [level - tick, level, level, level - tick], color="0.2",
                lw=0.7, clip_on=False)
        ax.text((lo + hi) / 2, level, text, ha="center", va="bottom", fontsize=7)
        level += step
    return level + 0.02 * step / 0.15


def set_group_ticks(ax: Axes, shown: Sequence[str], counts, panel_width_in: float) -> None:
    """Label groups at x = 0, 1, ... with their n: two lines when there is room (about 0.6 in
    per group), else one line rotated by 30 degrees so neighbouring labels cannot overlap."""
    if panel_width_in / max(len(shown), 1) >= 0.6:
        ax.set_xticks(range(len(shown)), [n_label(g, int(counts[g]), "\n") for g in shown])
    else:
        ax.set_xticks(range(len(shown)), [n_label(g, int(counts[g])) for g in shown],
                      rotation=30, ha="right", rotation_mode="anchor")
