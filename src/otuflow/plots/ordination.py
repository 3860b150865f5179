"""Ordination scatter (PCoA / NMDS) coloured by group with 95 % confidence ellipses."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse
from scipy import stats

from otuflow.plots._style import (
    SINGLE_COLUMN_IN,
    PlotInputError,
    group_colors,
    n_label,
    new_figure,
    ordered_groups,
    plot_style,
    save_figure,
)

MIN_ELLIPSE_POINTS = 3


def confidence_ellipse(
    x: Sequence[float], y: Sequence[float], level: float = 0.95
) -> tuple[tuple[float, float], float, float, float]:
    """Covariance ellipse of 2-D points scaled to a chi-square(2) coverage level.

    The ellipse is {z : (z - m)^T S^-1 (z - m) <= chi2_2^-1(level)} with m the mean and S the
    sample covariance (n - 1 denominator), i.e. the region a bivariate normal with those moments
    covers with probability ``level`` (as ``stat_ellipse(type = "norm")`` in ggplot2).

    Parameters
    ----------
    x, y : sequence of float
        Coordinates (at least 3 points).
    level : float
        Coverage in (0, 1).

    Returns
    -------
    ((float, float), float, float, float)
        Centre, full width along the major axis, full height along the minor axis and the angle of
        the major axis in degrees counter-clockwise from +x, in [0, 180) (matplotlib
        :class:`~matplotlib.patches.Ellipse` arguments).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise PlotInputError("confidence_ellipse: x and y must be 1-D and of equal length")
    if x.size < MIN_ELLIPSE_POINTS:
        raise PlotInputError(
            f"confidence_ellipse needs >= {MIN_ELLIPSE_POINTS} points; got {x.size}")
    if not np.all(np.isfinite(x) & np.isfinite(y)):
        raise PlotInputError("confidence_ellipse: coordinates must be finite")
    if not 0 < level < 1:
        raise PlotInputError(f"confidence_ellipse: level must be in (0, 1); got {level}")
    cov = np.cov(x, y, ddof=1)
    eigval, eigvec = np.linalg.eigh(cov)  # ascending
    eigval = np.clip(eigval, 0.0, None)
    scale = stats.chi2.ppf(level, df=2)
    width = 2 * np.sqrt(eigval[1] * scale)
    height = 2 * np.sqrt(eigval[0] * scale)
    vx, vy = eigvec[:, 1]
    angle = float(np.degrees(np.arctan2(vy, vx))) % 180.0
    return (float(x.mean()), float(y.mean())), float(width), float(height), angle


def make_ordination_figure(
    coords: pd.DataFrame,
    groups: pd.Series,
    colors: Mapping[str, str] | None,
    order: Sequence[str] | None,
    axis_labels: tuple[str, str] | None = None,
    title: str = "",
    annotation: str | None = None,
    level: float = 0.95,
) -> Figure:
    """Build the ordination figure; see :func:`ordination_plot`."""
    if coords.shape[1] < 2:
        raise PlotInputError(
            f"ordination coordinates need >= 2 axes (columns); got {list(coords.columns)}"
        )
    xy = coords.iloc[:, :2].astype(float)
    bad = xy.index[~np.isfinite(xy.to_numpy()).all(axis=1)]
    if len(bad):
        raise PlotInputError(f"ordination coordinates: non-finite values for {list(bad[:5])}")
    labels, shown = ordered_groups(groups, xy.index, order, "ordination coordinates")
    palette = group_colors(shown, colors)
    xlabel, ylabel = axis_labels or (str(coords.columns[0]), str(coords.columns[1]))
    with plot_style():
        fig = new_figure(SINGLE_COLUMN_IN, 3.6)
        ax = fig.add_subplot()
        for g in shown:
            pts = xy[labels == g]
            if len(pts) >= MIN_ELLIPSE_POINTS:
                centre, w, h, angle = confidence_ellipse(pts.iloc[:, 0], pts.iloc[:, 1], level)
                ax.add_patch(Ellipse(centre, w, h, angle=angle, facecolor=palette[g], alpha=0.12,
                                     edgecolor="none", gid=f"ellipse-fill:{g}"))
                ax.add_patch(Ellipse(centre, w, h, angle=angle, facecolor="none", lw=0.9,
                                     edgecolor=palette[g], gid=f"ellipse:{g}"))
        for g in shown:
            pts = xy[labels == g]
            ax.scatter(pts.iloc[:, 0], pts.iloc[:, 1], s=18, color=palette[g],
                       edgecolors="white", linewidths=0.4, zorder=3,
                       label=n_label(g, len(pts)), gid=f"points:{g}")
        ax.axhline(0, color="0.85", lw=0.5, zorder=0)
        ax.axvline(0, color="0.85", lw=0.5, zorder=0)
        # Equal units on both axes: distances in the plane are what the ordination preserves.
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        # One line per part of the note: "stress = ...; PERMANOVA ..." is wider than the figure.
        heading = "\n".join(t for t in (title, *(annotation or "").split("; ")) if t)
        if heading:
            ax.set_title(heading)
        fig.legend(loc="outside lower center", ncols=min(len(shown), 2), frameon=False,
                   handletextpad=0.2, columnspacing=1.0)
    return fig


def ordination_plot(
    coords: pd.DataFrame,
    groups: pd.Series,
    colors: Mapping[str, str] | None,
    order: Sequence[str] | None,
    axis_labels: tuple[str, str] | None,
    title: str,
    out_prefix: str | os.PathLike,
    annotation: str | None = None,
    level: float = 0.95,
) -> list[Path]:
    """Scatter of the first two ordination axes coloured by group, with confidence ellipses.

    Parameters
    ----------
    coords : pandas.DataFrame
        Samples x axes; the first two columns are drawn.
    groups : pandas.Series
        Sample -> group; every sample of ``coords`` needs one.
    colors : mapping or None
        Group -> hex colour.
    order : sequence of str or None
        Legend order.
    axis_labels : (str, str) or None
        E.g. ``("PC1 (23.4 %)", "PC2 (11.0 %)")``; default the column names.
    title : str
        Title, e.g. ``"Unweighted UniFrac, PCoA"``.
    out_prefix : path-like
        Writes ``<out_prefix>.png`` and ``.svg``.
    annotation : str, optional
        Title lines below the title, e.g. ``"PERMANOVA R² = 0.08, p = 0.001"`` or
        ``"stress = 0.12"``; parts separated by ``"; "`` go on lines of their own.
    level : float
        Ellipse coverage (see :func:`confidence_ellipse`); groups with < 3 points get none.

    Returns
    -------
    list of pathlib.Path
        The PNG and SVG written.
    """
    fig = make_ordination_figure(coords, groups, colors, order, axis_labels, title, annotation,
                                 level)
    return save_figure(fig, out_prefix)
