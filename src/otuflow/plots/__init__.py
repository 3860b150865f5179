"""Publication figures (matplotlib, no pyplot state): each writes ``<prefix>.png`` (300 dpi) and
``<prefix>.svg``, byte-identical for identical inputs; ``make_*_figure`` returns the Figure."""

from otuflow.plots._style import PlotInputError, group_colors
from otuflow.plots.alpha import alpha_boxplots, make_alpha_figure
from otuflow.plots.features import feature_boxplots, make_feature_boxplots_figure
from otuflow.plots.ordination import confidence_ellipse, make_ordination_figure, ordination_plot
from otuflow.plots.rarefaction import make_rarefaction_figure, plot_rarefaction_curves
from otuflow.plots.stamp import extended_error_bar, make_extended_error_bar_figure
from otuflow.plots.taxa import make_stacked_bars_figure, stacked_bars, taxa_palette
from otuflow.plots.tracking import make_read_tracking_figure, read_tracking_plot

__all__ = [
    "PlotInputError",
    "alpha_boxplots",
    "confidence_ellipse",
    "extended_error_bar",
    "feature_boxplots",
    "group_colors",
    "make_alpha_figure",
    "make_extended_error_bar_figure",
    "make_feature_boxplots_figure",
    "make_ordination_figure",
    "make_rarefaction_figure",
    "make_read_tracking_figure",
    "make_stacked_bars_figure",
    "ordination_plot",
    "plot_rarefaction_curves",
    "read_tracking_plot",
    "stacked_bars",
    "taxa_palette",
]
