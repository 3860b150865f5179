"""Shared look of otuflow figures: sizes, fonts, group colours, labels and deterministic saving."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from otuflow.atomic import atomic_path

SINGLE_COLUMN_IN = 3.5
DOUBLE_COLUMN_IN = 7.2
PNG_DPI = 300

#: Colour of the pooled "Opioid" group when the config gives none (Okabe-Ito reddish purple).
POOLED_COLOR = "#CC79A7"
#: Further Okabe-Ito colours for groups without a configured colour, used in this order.
FALLBACK_COLORS = ("#56B4E9", "#D55E00", "#F0E442", "#000000", "#999999")
DEFAULT_COLORS = {"Control": "#E69F00", "Opioid-S": "#0072B2", "Opioid-T": "#009E73",
                  "Opioid": POOLED_COLOR}

# Text stays text in the SVG (editable in a drawing program); the salt fixes the SVG element ids.
STYLE = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "sans-serif"],
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.title_fontsize": 7,
    "figure.titlesize": 9,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "lines.linewidth": 1.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.fonttype": "none",
    "svg.hashsalt": "otuflow",
    "path.simplify": False,
}


class PlotInputError(ValueError):
    """Input that cannot be plotted; the message says which table/column/sample and what to do."""


@contextlib.contextmanager
def plot_style() -> Iterator[None]:
    """Apply the otuflow figure style (fonts >= 7 pt, thin spines, fixed SVG ids) in a block."""
    with mpl.rc_context(STYLE):
        yield


def new_figure(width: float, height: float) -> Figure:
    """A pyplot-free :class:`~matplotlib.figure.Figure` with constrained layout."""
    return Figure(figsize=(width, height), layout="constrained")


def save_figure(fig: Figure, out_prefix: str | os.PathLike) -> list[Path]:
    """Write ``fig`` as ``<out_prefix>.png`` (300 dpi) and ``<out_prefix>.svg``, atomically.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to save.
    out_prefix : path-like
        Output path without (or with any) suffix; the suffix is replaced.

    Returns
    -------
    list of pathlib.Path
        ``[png, svg]``. Same figure => byte-identical files (no dates, fixed SVG ids).
    """
    prefix = Path(out_prefix)
    outputs = []
    with plot_style():
        formats = (("png", {"Software": None}), ("svg", {"Date": None, "Creator": None}))
        for fmt, metadata in formats:
            path = prefix.with_suffix(f".{fmt}")
            with atomic_path(path) as tmp:
                fig.savefig(tmp, format=fmt, dpi=PNG_DPI, metadata=metadata)
            outputs.append(path)
    return outputs


def group_colors(groups: Sequence[str], colors: Mapping[str, str] | None) -> dict[str, str]:
    """Colour of every group: the configured one, else a documented fallback.

    ``colors`` wins; otherwise the defaults of the model study (Control orange ``#E69F00``,
    Opioid-S blue ``#0072B2``, Opioid-T green ``#009E73``, pooled Opioid ``#CC79A7``); any other
    group takes the next unused Okabe-Ito colour of :data:`FALLBACK_COLORS`.
    """
    given = dict(colors or {})
    out: dict[str, str] = {}
    spare = [c for c in FALLBACK_COLORS if c not in given.values()]
    for g in groups:
        if g in given:
            out[g] = given[g]
        elif g in DEFAULT_COLORS and DEFAULT_COLORS[g] not in given.values():
            out[g] = DEFAULT_COLORS[g]
        else:
            out[g] = spare.pop(0) if spare else "#444444"
    return out


def ordered_groups(groups: pd.Series, samples: Sequence, order: Sequence[str] | None,
                   what: str = "table") -> tuple[pd.Series, list[str]]:
    """Group label of each plotted sample and the groups to show, in display order.

    Parameters
    ----------
    groups : pandas.Series
        Sample -> group.
    samples : sequence
        Samples that are plotted (e.g. columns of an abundance table).
    order : sequence of str or None
        Display order; groups present but not listed follow in sorted order, listed groups without
        samples are left out.
    what : str
        Name of the plotted table, for error messages.

    Returns
    -------
    (pandas.Series, list of str)
        Labels indexed by ``samples`` and the ordered groups present.
    """
    if not isinstance(groups, pd.Series):
        raise PlotInputError("groups must be a pandas Series mapping sample -> group")
    samples = list(samples)
    missing = [s for s in samples if s not in groups.index or pd.isna(groups.get(s))]
    if missing:
        raise PlotInputError(
            f"{what}: no group for sample(s) {missing[:5]}"
            f"{' ...' if len(missing) > 5 else ''}; add them to the groups table or drop them"
        )
    labels = groups.loc[samples].astype(str)
    present = set(labels)
    shown = [g for g in (order or []) if g in present]
    shown += sorted(present - set(shown))
    return labels, shown


def n_label(group: str, n: int, sep: str = " ") -> str:
    """``"Control (n = 7)"`` (``sep="\\n"`` puts the count on its own line)."""
    return f"{group}{sep}(n = {n})"


def format_p(p: float, name: str = "p") -> str:
    """``"p = 0.012"``, ``"p < 0.001"`` or ``"p = n/a"`` for a missing value."""
    if p is None or not np.isfinite(p):
        return f"{name} = n/a"
    if p < 0.001:
        return f"{name} < 0.001"
    if p < 0.01:
        return f"{name} = {p:.3f}"
    return f"{name} = {p:.2f}"


def require_columns(df: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Raise :class:`PlotInputError` naming the missing columns of ``df``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise PlotInputError(
            f"{what}: missing column(s) {missing}; found {list(df.columns)}"
        )


def jitter(n: int, width: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` horizontal offsets uniform in ``[-width/2, width/2]`` from a seeded generator."""
    return rng.uniform(-width / 2, width / 2, size=n)
