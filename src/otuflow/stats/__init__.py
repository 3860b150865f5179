"""Statistics for diversity and differential abundance.

Modules (each importable on its own; pandas in, pandas out):

* :mod:`~otuflow.stats.qvalue` -- Storey q-values as in Metastats, Benjamini-Hochberg, Bonferroni;
* :mod:`~otuflow.stats.metastats` -- Metastats (White et al. 2009) two-group test;
* :mod:`~otuflow.stats.welch` -- STAMP Welch t-test with CI, Wilcoxon rank-sum, Kruskal-Wallis;
* :mod:`~otuflow.stats.alpha` -- rarefaction, alpha indices, QIIME 1 nonparametric t-test;
* :mod:`~otuflow.stats.beta` -- distance matrices, PCoA, NMDS, PERMANOVA/PERMDISP tables;
* :mod:`~otuflow.stats.composition` -- relative abundance, top-N with "Other", group means;
* :mod:`~otuflow.stats.comparisons` -- which pairs of groups to compare (pooled groups included).
"""
