"""STAMP Welch test with CI (by hand and vs scipy), Wilcoxon rank-sum and Kruskal-Wallis."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from otuflow.stats.welch import kruskal_by_feature, stamp_welch, wilcoxon_rank_sum


def _example():
    # STAMP Welch.py's own example: counts 5,4,6,4,3 vs 5,2,2,5,6,7 out of 10 reads per sample.
    counts = pd.DataFrame(
        [[5, 4, 6, 4, 3, 5, 2, 2, 5, 6, 7], [5, 6, 4, 6, 7, 5, 8, 8, 5, 4, 3]],
        index=["taxon", "rest"], columns=[f"s{i}" for i in range(11)])
    groups = pd.Series(["a"] * 5 + ["b"] * 6, index=counts.columns)
    return counts, groups


def test_welch_ci_by_hand():
    counts, groups = _example()
    res = stamp_welch(counts, groups, "a", "b").set_index("feature").loc["taxon"]
    x = np.array([0.5, 0.4, 0.6, 0.4, 0.3])
    y = np.array([0.5, 0.2, 0.2, 0.5, 0.6, 0.7])
    va = sum((v - x.mean()) ** 2 for v in x) / 4 / 5
    vb = sum((v - y.mean()) ** 2 for v in y) / 5 / 6
    se = math.sqrt(va + vb)
    dp = x.mean() - y.mean()
    df = (va + vb) ** 2 / (va**2 / 4 + vb**2 / 5)
    t = dp / se
    half = stats.t.ppf(0.975, df) * se
    assert res.mean_a == pytest.approx(100 * x.mean())
    assert res.difference == pytest.approx(100 * dp)
    assert res.t == pytest.approx(t) and res.df == pytest.approx(df)
    assert res.p == pytest.approx(2 * min(stats.t.cdf(t, df), 1 - stats.t.cdf(t, df)))
    assert res.ci_low == pytest.approx(100 * (dp - half))
    assert res.ci_high == pytest.approx(100 * (dp + half))


def test_welch_matches_scipy_ttest_and_ci():
    rng = np.random.default_rng(3)
    counts = pd.DataFrame(rng.poisson(rng.gamma(1.0, 40, (30, 1)), (30, 14)),
                          columns=[f"s{i}" for i in range(14)])
    groups = pd.Series(["x"] * 6 + ["y"] * 8, index=counts.columns)
    res = stamp_welch(counts, groups, "x", "y", confidence=0.9)
    prop = counts / counts.sum(axis=0)
    for i, row in res.iterrows():
        ref = stats.ttest_ind(prop.iloc[i, :6], prop.iloc[i, 6:], equal_var=False)
        ci = ref.confidence_interval(0.9)
        assert row.t == pytest.approx(ref.statistic, rel=1e-10)
        assert row.df == pytest.approx(ref.df, rel=1e-10)
        assert row.p == pytest.approx(ref.pvalue, rel=1e-10)
        assert row.ci_low == pytest.approx(100 * ci.low, rel=1e-10)
        assert row.ci_high == pytest.approx(100 * ci.high, rel=1e-10)
    np.testing.assert_allclose(res.q, stats.false_discovery_control(res.p), rtol=1e-12)


def test_welch_degenerate_cases():
    counts = pd.DataFrame({"s0": [1, 9, 0], "s1": [1, 9, 0], "s2": [3, 7, 0], "s3": [3, 7, 0]},
                          index=["f0", "f1", "f2"])
    groups = pd.Series(list("aabb"), index=counts.columns)
    res = stamp_welch(counts, groups, "a", "b").set_index("feature")
    # Zero variance, different means: p = 0 and a CI of zero width at the difference.
    assert res.loc["f0", "p"] == 0.0
    assert res.loc["f0", "ci_low"] == res.loc["f0", "ci_high"] == pytest.approx(-20.0)
    assert "variance of both groups is zero" in res.loc["f0", "note"]
    # Zero variance, equal means (absent feature): p = 1.
    assert res.loc["f2", "p"] == 1.0 and np.isnan(res.loc["f2", "t"])
    one = stamp_welch(counts, pd.Series(list("abbb"), index=counts.columns), "a", "b")
    assert (one.p == 1.0).all() and (one.difference == 0).all() and (one.ci_low == 0).all()


def test_wilcoxon_and_kruskal_match_scipy():
    rng = np.random.default_rng(9)
    counts = pd.DataFrame(rng.poisson(rng.gamma(1.0, 30, (20, 1)), (20, 15)),
                          columns=[f"s{i}" for i in range(15)])
    counts.iloc[0] = 0
    groups = pd.Series(["C"] * 5 + ["S"] * 5 + ["T"] * 5, index=counts.columns)
    prop = counts / counts.sum(axis=0)
    w = wilcoxon_rank_sum(counts, groups, "S", "C")
    for i in range(1, 20):
        ref = stats.mannwhitneyu(prop.iloc[i, 5:10], prop.iloc[i, :5], alternative="two-sided")
        assert w.u[i] == ref.statistic and w.p[i] == pytest.approx(ref.pvalue)
    assert w.p[0] == 1.0
    np.testing.assert_allclose(w.q, stats.false_discovery_control(w.p))
    k = kruskal_by_feature(counts, groups)
    assert list(k.columns) == ["feature", "mean_C", "mean_S", "mean_T", "h", "p", "q"]
    for i in range(1, 20):
        ref = stats.kruskal(prop.iloc[i, :5], prop.iloc[i, 5:10], prop.iloc[i, 10:])
        assert k.h[i] == pytest.approx(ref.statistic) and k.p[i] == pytest.approx(ref.pvalue)
    assert k.p[0] == 1.0 and k.h[0] == 0.0
    with pytest.raises(ValueError, match="no group label"):
        kruskal_by_feature(counts, groups.iloc[:-1])
