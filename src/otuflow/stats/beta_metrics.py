"""The beta-diversity metrics a run can compute, and the one name every output gives each.

The keys are the values of the config's ``diversity.beta_metrics`` (the schema's enum lists the
same keys; a test checks it) and of the ``metric`` file-name part and table column. The names are
what every figure title, caption, report table and methods sentence prints: the single source of
metric display names.

Weighted UniFrac has two forms that must never be compared with each other
(docs/algorithms.md, "Beta diversity distances and UniFrac trees"):

* ``weighted_unifrac``: unnormalised, sum_i b_i |A_i/A_T - B_i/B_T| over branches i of length b_i
  (QIIME 1's and QIIME 2's ``weighted_unifrac``, scikit-bio's default ``normalized=False``);
  in units of branch length.
* ``weighted_normalized_unifrac``: the same sum divided by sum_j d_j (A_j/A_T + B_j/B_T) over
  the tips j, d_j the tip's distance from the root (QIIME 1.9's and QIIME 2's
  ``weighted_normalized_unifrac``, scikit-bio's ``normalized=True``, phyloseq's default
  ``UniFrac(weighted = TRUE)``); between 0 and 1.
"""

from __future__ import annotations

#: Metric key -> its name in every figure, table and sentence.
METRIC_NAMES: dict[str, str] = {
    "unweighted_unifrac": "unweighted UniFrac",
    "weighted_unifrac": "weighted UniFrac (unnormalised, QIIME)",
    "weighted_normalized_unifrac": "weighted UniFrac (normalised, phyloseq default)",
    "braycurtis": "Bray-Curtis",
    "jaccard": "Jaccard",
}

#: The metric keys, in the order of the schema's default list.
METRICS: tuple[str, ...] = tuple(METRIC_NAMES)


def metric_name(metric: str) -> str:
    """Name of a metric in running text (``weighted_unifrac`` -> ``weighted UniFrac (...)``)."""
    return METRIC_NAMES.get(metric, metric)


def metric_title(metric: str) -> str:
    """Name of a metric at the start of a title (first letter upper case)."""
    name = metric_name(metric)
    return name[:1].upper() + name[1:]
