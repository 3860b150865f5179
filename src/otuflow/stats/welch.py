"""STAMP-style per-feature tests on proportions: Welch's t-test with CI, Wilcoxon, Kruskal-Wallis.

``stamp_welch`` follows STAMP's ``Welch.py`` plugin (docs/algorithms.md, "STAMP Welch's t-test
and confidence interval"):
proportion = count / sample total (0 if the total is 0); dp = mean_a - mean_b;
SE = sqrt(s_a^2/n_a + s_b^2/n_b) (ddof = 1); t = dp / SE; Welch-Satterthwaite df; two-sided
p = 2 min(F_t(t), 1 - F_t(t)); CI "DP: Welch's inverted" = dp +- t_{1-(1-c)/2, df} SE.
Degenerate cases as in STAMP: SE = 0 -> p = 0 if the means differ, else 1 (STAMP's one-sided
0.5 doubled), CI = [dp, dp]; fewer than 2 samples in a group -> p = 1, dp = 0, CI = [0, 0].
t and df are NaN in degenerate cases. The two-sided p is computed as 2 sf(|t|), equal to STAMP's
expression but without its cancellation for tiny p. Proportions, differences and CIs are reported
in percent, as STAMP does. q = Benjamini-Hochberg over the features of the table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from otuflow.stats._inputs import (
    StatsInputError,
    check_counts,
    check_groups_series,
    proportions,
    two_group_columns,
)
from otuflow.stats.qvalue import benjamini_hochberg


def _two_group_props(counts, groups, a, b):
    counts = check_counts(counts)
    cols_a, cols_b = two_group_columns(counts, check_groups_series(groups), a, b)
    prop = proportions(counts[cols_a + cols_b].to_numpy())
    return counts.index, prop[:, : len(cols_a)], prop[:, len(cols_a) :]


def stamp_welch(
    counts: pd.DataFrame, groups: pd.Series, a: str, b: str, confidence: float = 0.95
) -> pd.DataFrame:
    """Welch's t-test per feature with STAMP's inverted-Welch confidence interval.

    Parameters
    ----------
    counts : pandas.DataFrame
        Features x samples counts; proportions are taken against each sample's total.
    groups : pandas.Series
        Group label per sample.
    a, b : str
        Group labels; differences are a - b.
    confidence : float
        CI coverage (STAMP offers 0.90-0.999; 0.95 default).

    Returns
    -------
    pandas.DataFrame
        Columns ``feature, group_a, group_b, n_a, n_b, mean_a, mean_b, difference, ci_low,
        ci_high`` (all in percent), ``t, df, p, q, note``.
    """
    if not 0 < confidence < 1:
        raise StatsInputError(f"confidence must be in (0, 1); got {confidence}")
    features, pa, pb = _two_group_props(counts, groups, a, b)
    n_a, n_b = pa.shape[1], pb.shape[1]
    mean_a, mean_b = pa.mean(axis=1), pb.mean(axis=1)
    dp = mean_a - mean_b
    m = len(features)
    t = np.full(m, np.nan)
    df = np.full(m, np.nan)
    note = np.full(m, "", dtype=object)
    if n_a < 2 or n_b < 2:
        p = np.ones(m)
        low = high = np.zeros(m)
        dp = np.zeros(m)
        note[:] = "degenerate case: both groups must contain at least 2 samples"
    else:
        va, vb = pa.var(axis=1, ddof=1) / n_a, pb.var(axis=1, ddof=1) / n_b
        se2 = va + vb
        ok = se2 != 0
        se = np.sqrt(se2)
        t[ok] = dp[ok] / se[ok]
        df[ok] = se2[ok] ** 2 / (va[ok] ** 2 / (n_a - 1) + vb[ok] ** 2 / (n_b - 1))
        p = np.where(dp != 0, 0.0, 1.0)
        p[ok] = 2 * stats.t.sf(np.abs(t[ok]), df[ok])
        half = np.zeros(m)
        half[ok] = stats.t.isf(0.5 * (1 - confidence), df[ok]) * se[ok]
        low, high = dp - half, dp + half
        note[~ok] = "degenerate case: variance of both groups is zero"
    out = pd.DataFrame({
        "feature": features, "group_a": a, "group_b": b, "n_a": n_a, "n_b": n_b,
        "mean_a": 100 * mean_a, "mean_b": 100 * mean_b, "difference": 100 * dp,
        "ci_low": 100 * low, "ci_high": 100 * high, "t": t, "df": df, "p": p,
    })
    out["q"] = benjamini_hochberg(p)
    out["note"] = note
    out.attrs["confidence"] = confidence
    return out


def wilcoxon_rank_sum(counts: pd.DataFrame, groups: pd.Series, a: str, b: str) -> pd.DataFrame:
    """Two-sided Wilcoxon rank-sum (Mann-Whitney U) test per feature on proportions.

    Uses ``scipy.stats.mannwhitneyu(method="auto", use_continuity=True)`` (exact p for small
    samples without ties, normal approximation with tie correction otherwise). A feature with the
    same proportion in every sample gets U = n_a n_b / 2 and p = 1.

    Returns
    -------
    pandas.DataFrame
        Columns ``feature, group_a, group_b, n_a, n_b, mean_a, mean_b`` (percent), ``u, p, q``
        (q = Benjamini-Hochberg).
    """
    features, pa, pb = _two_group_props(counts, groups, a, b)
    u = np.empty(len(features))
    p = np.empty(len(features))
    for i in range(len(features)):
        if np.ptp(np.concatenate([pa[i], pb[i]])) == 0:
            u[i], p[i] = pa.shape[1] * pb.shape[1] / 2, 1.0
        else:
            res = stats.mannwhitneyu(pa[i], pb[i], alternative="two-sided")
            u[i], p[i] = res.statistic, res.pvalue
    out = pd.DataFrame({
        "feature": features, "group_a": a, "group_b": b, "n_a": pa.shape[1], "n_b": pb.shape[1],
        "mean_a": 100 * pa.mean(axis=1), "mean_b": 100 * pb.mean(axis=1), "u": u, "p": p,
    })
    out["q"] = benjamini_hochberg(p)
    return out


def kruskal_by_feature(counts: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Kruskal-Wallis H test per feature across all groups present, on proportions.

    Samples of ``counts`` without a group label are an error. A feature with the same proportion
    in every sample gets H = 0 and p = 1 (scipy would return NaN).

    Returns
    -------
    pandas.DataFrame
        Columns ``feature``, ``mean_<group>`` (percent) per group, ``h, p, q`` (q = BH).
    """
    counts = check_counts(counts)
    labels = check_groups_series(groups).reindex(counts.columns)
    if labels.isna().any():
        missing = list(labels.index[labels.isna()][:5])
        raise StatsInputError(f"no group label for sample(s) {missing}")
    names = sorted(pd.unique(labels), key=str)
    if len(names) < 2:
        raise StatsInputError(f"Kruskal-Wallis needs at least two groups; found {names}")
    prop = proportions(counts.to_numpy())
    parts = [prop[:, (labels == g).to_numpy()] for g in names]
    h = np.zeros(len(counts))
    p = np.ones(len(counts))
    for i in range(len(counts)):
        if np.ptp(prop[i]) > 0:
            res = stats.kruskal(*(part[i] for part in parts))
            h[i], p[i] = res.statistic, res.pvalue
    out = pd.DataFrame({"feature": counts.index})
    for g, part in zip(names, parts, strict=True):
        out[f"mean_{g}"] = 100 * part.mean(axis=1)
    out["h"], out["p"] = h, p
    out["q"] = benjamini_hochberg(p)
    return out
