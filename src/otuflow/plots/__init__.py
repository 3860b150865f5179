"""Publication figures (matplotlib, no pyplot state): each writes ``<prefix>.png`` (300 dpi) and
``<prefix>.svg``, byte-identical for identical inputs; ``make_*_figure`` returns the Figure.

The names below are imported from their modules on first use, so that importing one module of
the package (the report needs only :data:`otuflow.plots._style.PNG_DPI`) does not import every
figure module and scipy with it.
"""

from __future__ import annotations

import importlib

_MODULES = {
    "_style": ("PlotInputError", "group_colors"),
    "alpha": ("alpha_boxplots", "make_alpha_figure"),
    "features": ("feature_boxplots", "make_feature_boxplots_figure"),
    "ordination": ("confidence_ellipse", "make_ordination_figure", "ordination_plot"),
    "rarefaction": ("make_rarefaction_figure", "plot_rarefaction_curves"),
    "stamp": ("extended_error_bar", "make_extended_error_bar_figure"),
    "taxa": ("make_stacked_bars_figure", "stacked_bars", "taxa_palette"),
    "tracking": ("make_read_tracking_figure", "read_tracking_plot"),
}
_HOME = {name: module for module, names in _MODULES.items() for name in names}

__all__ = sorted(_HOME)


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
