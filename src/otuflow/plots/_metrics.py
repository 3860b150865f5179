"""Alpha-metric column names of otuflow.stats and their axis labels."""

from __future__ import annotations

from collections.abc import Iterable

from otuflow.plots._style import PlotInputError

_LABELS = {
    "observed": "Observed OTUs",
    "observed_otus": "Observed OTUs",
    "chao1": "Chao1",
    "shannon": "Shannon index",
    "shannon_base2": "Shannon index (log2)",
    "shannon_ln": "Shannon index (ln)",
    "simpson": "Gini–Simpson index",
    "goods_coverage": "Good's coverage",
    "faith_pd": "Faith's PD",
}


def resolve_metric(columns: Iterable[str], metric: str, what: str) -> str:
    """Column holding ``metric``: itself, ``<metric>_otus`` or the single ``<metric>_*`` column.

    So ``"observed"`` finds ``observed_otus`` and ``"shannon"`` finds ``shannon_base2``.
    """
    columns = [str(c) for c in columns]
    for col in (metric, f"{metric}_otus"):
        if col in columns:
            return col
    prefixed = [c for c in columns if c.startswith(f"{metric}_")]
    if len(prefixed) == 1:
        return prefixed[0]
    raise PlotInputError(
        f"{what}: no single column for metric {metric!r} (found {columns}); name the column exactly"
    )


def metric_label(column: str) -> str:
    """Axis label of a metric column (``shannon_base2`` -> ``Shannon index (log2)``)."""
    if column in _LABELS:
        return _LABELS[column]
    if column.startswith("shannon_base"):
        return f"Shannon index (log{column.removeprefix('shannon_base')})"
    return column.replace("_", " ")
