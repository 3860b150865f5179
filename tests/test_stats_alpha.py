"""Alpha diversity, rarefaction and the QIIME 1 nonparametric t-test."""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from skbio.diversity import alpha as skalpha

from otuflow.stats.alpha import (
    alpha_diversity,
    choose_depth,
    compare_alpha,
    monte_carlo_t,
    rarefaction_curves,
    rarefy,
    shannon_column,
)


def _table(values):
    values = np.asarray(values)
    return pd.DataFrame(values, index=[f"otu{i}" for i in range(values.shape[0])],
                        columns=[f"s{j}" for j in range(values.shape[1])])


def test_alpha_by_hand_on_tiny_vector():
    vec = [1, 1, 2, 3, 0, 5]  # S_obs = 5, F1 = 2, F2 = 1, N = 12
    res = alpha_diversity(_table(np.array(vec)[:, None])).iloc[0]
    assert res.observed_otus == 5
    assert res.chao1 == pytest.approx(5 + 2 * 1 / (2 * (1 + 1)))  # bias-corrected
    p = np.array([1, 1, 2, 3, 5]) / 12
    assert res.shannon_base2 == pytest.approx(-sum(x * math.log2(x) for x in p))
    assert res.simpson == pytest.approx(1 - sum(p**2))
    assert res.goods_coverage == pytest.approx(1 - 2 / 12)
    assert res.depth == 12


def test_alpha_equals_skbio_called_directly():
    rng = np.random.default_rng(3)
    counts = _table(rng.poisson(rng.gamma(0.5, 4.0, (40, 1)), (40, 6)))
    res = alpha_diversity(counts, shannon_base=np.e)
    assert "shannon_ln" in res.columns and res.attrs["shannon_base"] == np.e
    for s in counts.columns:
        v = counts[s].to_numpy()
        assert res.loc[s, "chao1"] == pytest.approx(skalpha.chao1(v, bias_corrected=True))
        assert res.loc[s, "shannon_ln"] == pytest.approx(skalpha.shannon(v, base=np.e))
        assert res.loc[s, "simpson"] == pytest.approx(skalpha.simpson(v))
        assert res.loc[s, "goods_coverage"] == pytest.approx(skalpha.goods_coverage(v))
        assert res.loc[s, "observed_otus"] == (v > 0).sum()
    assert shannon_column(2) == "shannon_base2"


def test_rarefy_depth_determinism_and_independence():
    rng = np.random.default_rng(1)
    counts = _table(rng.poisson(20, (30, 5)))
    counts["s4"] = 0
    counts.loc["otu0", "s4"] = 10  # below depth
    rare, dropped = rarefy(counts, 300, seed=9)
    assert dropped == ["s4"]
    assert list(rare.columns) == ["s0", "s1", "s2", "s3"]
    assert (rare.sum(axis=0) == 300).all()
    assert (rare.to_numpy() <= counts[rare.columns].to_numpy()).all()
    again, _ = rarefy(counts, 300, seed=9)
    pd.testing.assert_frame_equal(rare, again)
    # A sample's draw does not depend on the other samples in the table.
    alone, _ = rarefy(counts[["s2"]], 300, seed=9)
    pd.testing.assert_series_equal(alone["s2"], rare["s2"])
    other, _ = rarefy(counts, 300, seed=10)
    assert not rare.equals(other)


def test_rarefy_is_unbiased_subsampling():
    counts = _table(np.array([[50], [30], [15], [5]]))
    draws = np.array([rarefy(counts, 40, seed=k)[0]["s0"].to_numpy() for k in range(300)])
    expected = np.array([50, 30, 15, 5]) * 40 / 100
    # Hypergeometric variance n K/N (N-K)/N (N-n)/(N-1).
    var = 40 * (expected / 40) * (1 - expected / 40) * (100 - 40) / 99
    assert np.all(np.abs(draws.mean(axis=0) - expected) < 4 * np.sqrt(var / 300))


def test_choose_depth():
    counts = _table(np.array([[500, 1500, 1200, 3000]]))
    assert choose_depth(counts, floor=1000) == 1200
    assert choose_depth(counts, depth=700) == 700
    with pytest.raises(ValueError, match="no sample has at least 5000 reads"):
        choose_depth(counts, floor=5000)
    with pytest.raises(ValueError, match="positive integer"):
        choose_depth(counts, depth=0)


def test_rarefaction_curves():
    rng = np.random.default_rng(2)
    counts = _table(rng.poisson(3, (25, 3)))
    counts["s2"] = counts["s2"] // 3
    totals = counts.sum(axis=0)
    steps = [10, 30, int(totals["s0"]), int(totals.max())]
    curves = rarefaction_curves(counts, steps=steps, iterations=3, seed=1)
    assert list(curves.columns) == ["sample", "depth", "iteration", "observed_otus",
                                    "shannon_base2"]
    evenly = rarefaction_curves(counts, steps=4, iterations=1, seed=1)
    assert sorted(evenly["depth"].unique()) == [round(totals.max() * k / 4) for k in (1, 2, 3, 4)]
    assert (curves.groupby("sample")["depth"].max() <= totals).all()
    full = curves[(curves["sample"] == "s0") & (curves["depth"] == totals["s0"])]
    assert len(full) == 3
    assert (full["observed_otus"] == (counts["s0"] > 0).sum()).all()
    assert full["shannon_base2"].iloc[0] == pytest.approx(
        skalpha.shannon(counts["s0"].to_numpy(), base=2))
    pd.testing.assert_frame_equal(curves, rarefaction_curves(counts, steps, 3, seed=1))
    assert (curves.groupby(["sample", "depth"])["observed_otus"].mean().groupby("sample")
            .apply(lambda s: s.is_monotonic_increasing)).all()


def _exact_permutation_p(a, b):
    """Two-sided p over all equally likely splits of the pooled values."""
    pooled = np.concatenate([a, b])
    t_obs = stats.ttest_ind(a, b, equal_var=True).statistic
    hits = 0
    splits = list(combinations(range(pooled.size), len(a)))
    for idx in splits:
        mask = np.zeros(pooled.size, bool)
        mask[list(idx)] = True
        t_star = stats.ttest_ind(pooled[mask], pooled[~mask], equal_var=True).statistic
        hits += abs(t_star) >= abs(t_obs) * (1 - 1e-9)
    return hits / len(splits)


def test_pooled_t_equals_scipy_and_mc_p_matches_exact_permutation_p():
    a = np.array([3.1, 2.7, 3.9, 3.3])
    b = np.array([2.2, 2.9, 2.1, 2.5, 2.8])
    t, p_par, p_mc = monte_carlo_t(a, b, permutations=20000, seed=4)
    ref = stats.ttest_ind(a, b, equal_var=True)
    assert t == pytest.approx(ref.statistic, rel=1e-12)
    assert p_par == pytest.approx(ref.pvalue, rel=1e-12)
    exact = _exact_permutation_p(a, b)
    assert p_mc == pytest.approx(exact, abs=4 * math.sqrt(exact * (1 - exact) / 20000) + 1e-4)


def test_compare_alpha_table():
    rng = np.random.default_rng(8)
    samples = [f"s{i}" for i in range(16)]
    groups = pd.Series(["Control"] * 5 + ["Opioid-S"] * 5 + ["Opioid-T"] * 5 + ["Lonely"],
                       index=samples)
    values = pd.Series(np.concatenate([rng.normal(5, 0.3, 5), rng.normal(4, 0.3, 5),
                                       rng.normal(4.1, 0.3, 5), [4.0]]), index=samples)
    res = compare_alpha(values, groups, permutations=999, seed=1)
    kw = res.iloc[0]
    parts = [values[groups == g] for g in sorted(groups.unique())]
    assert kw.test == "kruskal" and kw.p == pytest.approx(stats.kruskal(*parts).pvalue)
    run = res[(res.test != "kruskal") & (res.skipped == "")]
    # Opioid (pooled) vs Control, Opioid-S/T vs Control, Opioid-S vs Opioid-T.
    assert set(run.comparison) == {"Opioid vs Control", "Opioid-S vs Control",
                                   "Opioid-T vs Control", "Opioid-S vs Opioid-T"}
    skipped = res[res.skipped != ""]
    assert len(skipped) == 3 and skipped.skipped.str.contains("Lonely has 1 sample").all()
    np.testing.assert_allclose(run.p_bonferroni, np.minimum(run.p * 4, 1))
    np.testing.assert_allclose(run.q_bh, stats.false_discovery_control(run.p))
    row = run.set_index("comparison").loc["Opioid-S vs Control"]
    ref = stats.ttest_ind(values[groups == "Opioid-S"], values[groups == "Control"])
    assert row.statistic == pytest.approx(ref.statistic)
    exact = _exact_permutation_p(values[groups == "Opioid-S"], values[groups == "Control"])
    assert row.p == pytest.approx(exact, abs=4 * math.sqrt(exact * (1 - exact) / 999) + 1e-3)
    assert row.n_a == 5 and row.n_b == 5
    pd.testing.assert_frame_equal(res, compare_alpha(values, groups, permutations=999, seed=1))


def test_bad_counts():
    with pytest.raises(ValueError, match="integer counts"):
        alpha_diversity(_table([[1.5, 2.0]]))
    with pytest.raises(ValueError, match="without reads"):
        alpha_diversity(_table([[0, 2]]))
