"""Metastats: hand-computed t, an independent loop port on fixed permutations, mothur, power."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from otuflow.stats.metastats import TIE_TOLERANCE, metastats
from otuflow.stats.qvalue import storey_qvalues

MOTHUR = Path(__file__).resolve().parent / "reference" / "stats_metastats_mothur"


def _table(values, prefix="s"):
    values = np.asarray(values)
    return pd.DataFrame(values, index=[f"f{i}" for i in range(values.shape[0])],
                        columns=[f"{prefix}{j}" for j in range(values.shape[1])])


def test_t_statistic_by_hand():
    # Sample totals 10, 20, 10, 40; feature f0 proportions a: 0.2, 0.25; b: 0.5, 0.25.
    counts = _table([[2, 5, 5, 10], [8, 15, 5, 30]])
    groups = pd.Series(["a", "a", "b", "b"], index=counts.columns)
    res = metastats(counts, groups, "a", "b", permutations=50, seed=1)
    mean_a, mean_b = 0.225, 0.375
    var_a = ((0.2 - 0.225) ** 2 + (0.25 - 0.225) ** 2) / 1
    var_b = ((0.5 - 0.375) ** 2 + (0.25 - 0.375) ** 2) / 1
    t = (mean_a - mean_b) / math.sqrt(var_a / 2 + var_b / 2)
    row = res.iloc[0]
    assert row.mean_a == pytest.approx(mean_a) and row.mean_b == pytest.approx(mean_b)
    assert row.variance_a == pytest.approx(var_a) and row.variance_b == pytest.approx(var_b)
    assert row.stderr_a == pytest.approx(math.sqrt(var_a / 2))
    assert row.t == pytest.approx(t, rel=1e-12)
    # Feature 1 is the complement of feature 0 (two features only): t has the opposite sign.
    assert res.iloc[1].t == pytest.approx(-t, rel=1e-12)


def _loop_metastats(freq, n1, perms, small=8):
    """Straightforward port of the original R arithmetic, one feature and permutation at a time."""
    n_feat, n = len(freq), len(freq[0])
    totals = [sum(freq[i][j] for i in range(n_feat)) for j in range(n)]
    prop = [[freq[i][j] / totals[j] for j in range(n)] for i in range(n_feat)]

    def tstat(row, order):
        g1 = [row[order[k]] for k in range(n1)]
        g2 = [row[order[k]] for k in range(n1, n)]
        m1, m2 = sum(g1) / len(g1), sum(g2) / len(g2)
        v1 = sum((x - m1) ** 2 for x in g1) / (len(g1) - 1)
        v2 = sum((x - m2) ** 2 for x in g2) / (len(g2) - 1)
        den = math.sqrt(v1 / len(g1) + v2 / len(g2))
        if den == 0:
            return 0.0 if m1 == m2 else math.copysign(math.inf, m1 - m2)
        return (m1 - m2) / den

    ident = list(range(n))
    t_obs = [tstat(prop[i], ident) for i in range(n_feat)]
    null = [[abs(tstat(prop[i], list(perm))) for perm in perms] for i in range(n_feat)]
    s1 = [sum(freq[i][:n1]) for i in range(n_feat)]
    s2 = [sum(freq[i][n1:]) for i in range(n_feat)]
    hf = [s1[i] >= n1 or s2[i] >= n - n1 for i in range(n_feat)]
    b = len(perms)

    def greater(x, t):
        return x > abs(t) * (1 + TIE_TOLERANCE)

    if n1 < small or n - n1 < small:
        pool = [x for i in range(n_feat) if hf[i] for x in null[i]]
        count = [sum(greater(x, t_obs[i]) for x in pool) for i in range(n_feat)]
        p = [count[i] / (b * (sum(hf) + 1)) for i in range(n_feat)]
    else:
        count = [sum(greater(x, t_obs[i]) for x in null[i]) for i in range(n_feat)]
        p = [(count[i] + 1) / (b + 1) for i in range(n_feat)]
    tot1, tot2 = sum(totals[:n1]), sum(totals[n1:])
    for i in range(n_feat):
        if not hf[i]:
            table = [[s1[i], s2[i]], [tot1 - s1[i], tot2 - s2[i]]]
            p[i] = stats.fisher_exact(table).pvalue
            count[i] = None
    return t_obs, p, count


@pytest.mark.parametrize("n1,n2", [(4, 6), (9, 8)])
def test_matches_independent_loop_port_on_fixed_permutations(n1, n2):
    rng = np.random.default_rng(n1 * 100 + n2)
    n = n1 + n2
    freq = rng.poisson(rng.gamma(0.7, 30.0, size=(25, 1)), size=(25, n))
    freq[0, :n1] += 40  # a planted effect: no permuted |t| beyond the observed one
    freq[-3:] = 0
    freq[-3, 0] = 1  # sparse features -> Fisher
    freq[-2, [1, n - 1]] = 1
    freq[-1, n - 2] = 2
    perms = np.array([rng.permutation(n) for _ in range(200)])
    counts = _table(freq)
    groups = pd.Series(["A"] * n1 + ["B"] * n2, index=counts.columns)
    res = metastats(counts, groups, "A", "B", permutation_indices=perms)
    t_ref, p_ref, count = _loop_metastats(freq.tolist(), n1, perms.tolist())
    np.testing.assert_allclose(res["t"], t_ref, rtol=1e-12, atol=1e-15)
    pooled = n1 < 8 or n2 < 8
    # The published p wherever a null |t| exceeded the observed one; otherwise the resolution of
    # the null used, flagged as an upper bound.
    resolution = 1 / (200 * (22 + 1)) if pooled else 1 / (200 + 1)  # 22 high-frequency features
    bound = np.array([c == 0 for c in count])
    assert list(np.flatnonzero(bound)) == [0]  # the planted feature only
    expected = np.where(bound, resolution, p_ref)
    np.testing.assert_allclose(res["p"], expected, rtol=1e-12, atol=0)
    assert list(res["p_upper_bound"]) == list(bound)
    assert (res["p"] > 0).all()
    assert list(res["test"][-3:]) == ["fisher"] * 3
    assert res.attrs["pooled_null"] == pooled
    np.testing.assert_allclose(res["q"], storey_qvalues(expected), rtol=1e-12)


def _t_two_per_group(a1, a2, b1, b2):
    """Metastats' t for two samples per group, written out: the variance of two values is
    (x1 - x2)^2 / 2, so t = (a1 + a2 - b1 - b2) / sqrt((a1 - a2)^2 + (b1 - b2)^2)."""
    return (a1 + a2 - b1 - b2) / math.sqrt((a1 - a2) ** 2 + (b1 - b2) ** 2)


def test_pooled_null_p_zero_becomes_the_resolution_with_the_flag():
    # Every sample has 64 reads (proportions exact in binary; t is scale-free, so counts do).
    # Samples s0, s1 form group a, s2, s3 group b; three high-frequency features (H = 3).
    x, y, z = [6, 8, 20, 22], [12, 26, 16, 22], [46, 30, 28, 20]
    counts = _table([x, y, z])
    groups = pd.Series(list("aabb"), index=counts.columns)
    # B = 2 permutations: group a = {s0, s2}, then {s0, s3}.
    perms = np.array([[0, 2, 1, 3], [0, 3, 1, 2]])
    res = metastats(counts, groups, "a", "b", permutation_indices=perms).set_index("feature")
    t_x, t_y, t_z = (_t_two_per_group(*v) for v in (x, y, z))
    assert t_x == pytest.approx(-28 / math.sqrt(8)) and t_y == 0.0
    assert t_z == pytest.approx(28 / math.sqrt(320))
    np.testing.assert_allclose(res["t"], [t_x, t_y, t_z], rtol=1e-12)
    null = [
        abs(_t_two_per_group(v[0], v[p], v[q], v[r]))
        for v in (x, y, z)
        for p, q, r in ((2, 1, 3), (3, 1, 2))
    ]
    # Pool: x 0.202, 0; y 3.536, 0.566; z 1.166, 0.307 -- all below |t_x| = 9.90.
    assert max(null) < abs(t_x) and sorted(null)[:2] == [0.0, pytest.approx(4 / math.sqrt(392))]
    resolution = 1 / (2 * (3 + 1))  # 1 / (B (H + 1))
    # x: no pooled |t*| > 9.90, so R's p would be 0: reported as the resolution, flagged.
    assert res.loc["f0", "p"] == resolution and res.loc["f0", "p_upper_bound"]
    # y: |t| = 0, five pooled values exceed it: the published 5 / 8.
    assert res.loc["f1", "p"] == 5 / 8 and not res.loc["f1", "p_upper_bound"]
    # z: |t| = 1.565, only y's 3.536 exceeds it: the published 1 / 8 -- the same number as x's,
    # but a count of one, so not a bound.
    assert res.loc["f2", "p"] == 1 / 8 and not res.loc["f2", "p_upper_bound"]
    assert res.attrs["pooled_null"]


def test_per_feature_null_flags_a_p_of_one_over_b_plus_one():
    # 8 + 8 samples of 64 reads: each feature uses its own null, p = (count + 1) / (B + 1).
    x = [8] * 8 + [24] * 8  # no variance within groups: t = -inf, no permuted |t| beyond it
    y = [16, 24] * 8  # the same values in both groups: t = 0
    z = [64 - a - b for a, b in zip(x, y, strict=True)]
    counts = _table([x, y, z])
    groups = pd.Series(["a"] * 8 + ["b"] * 8, index=counts.columns)
    ident = list(range(16))

    def swap(i, j):
        perm = ident.copy()
        perm[i], perm[j] = j, i
        return perm

    # s0 <-> s8 leaves y's values in place (both 16): null t = 0, not above 0. s0 <-> s9 and
    # s1 <-> s8 move 8 reads of y between the groups: null |t| > 0. Every swap shrinks the
    # difference of x and z and adds variance, so their null |t| stay below the observed one.
    perms = np.array([swap(0, 8), swap(0, 9), swap(1, 8)])
    res = metastats(counts, groups, "a", "b", permutation_indices=perms).set_index("feature")
    assert res.loc["f0", "t"] == -np.inf and res.loc["f1", "t"] == 0
    assert not res.attrs["pooled_null"]
    assert res.loc["f0", "p"] == 1 / (3 + 1) and res.loc["f0", "p_upper_bound"]
    assert res.loc["f1", "p"] == (2 + 1) / (3 + 1) and not res.loc["f1", "p_upper_bound"]
    assert res.loc["f2", "p"] == 1 / (3 + 1) and res.loc["f2", "p_upper_bound"]


def test_fisher_chisq_and_constant_features_are_never_bounds():
    sparse = _table([[1, 0, 0, 0], [500, 400, 10, 12], [499, 600, 990, 988]])
    two_groups = pd.Series(list("aabb"), index=sparse.columns)
    res = metastats(sparse, two_groups, "a", "b", permutations=50, seed=1)
    assert list(res["test"]) == ["fisher", "t-permutation", "t-permutation"]
    assert not res.loc[0, "p_upper_bound"]
    two = _table([[30, 60], [970, 940]])
    res = metastats(two, pd.Series(["a", "b"], index=two.columns), "a", "b")
    assert not res["p_upper_bound"].any()
    constant = _table([[10, 10, 10, 10], [90, 90, 90, 90]])
    res = metastats(constant, two_groups, "a", "b", permutations=20)
    assert (res["p"] == 1).all() and not res["p_upper_bound"].any()


def _mothur_inputs():
    shared = pd.read_csv(MOTHUR / "stats_metastats.shared", sep="\t")
    counts = shared.set_index("Group").drop(columns=["label", "numOtus"]).T
    design = pd.read_csv(MOTHUR / "stats_metastats.design", sep="\t", index_col=0)["treatment"]
    return counts, design


@pytest.mark.parametrize("pair", ["B_A", "C_A", "C_B", "D_A", "D_B", "D_C"])
def test_agrees_with_mothur(pair):
    counts, design = _mothur_inputs()
    g1, g2 = pair.split("_")
    ref = pd.read_csv(MOTHUR / f"stats_metastats.0.03.{pair}.metastats", sep="\t", skiprows=6,
                      index_col=0).dropna(how="all")
    res = metastats(counts, design, g1, g2, permutations=10000, seed=3).set_index("feature")
    # mothur prints 6 decimals.
    for ours, theirs in [("mean_a", "mean(group1)"), ("variance_a", "variance(group1)"),
                         ("stderr_a", "stderr(group1)"), ("mean_b", "mean(group2)"),
                         ("variance_b", "variance(group2)"), ("stderr_b", "stderr(group2)")]:
        np.testing.assert_allclose(res[ours], ref[theirs], rtol=0, atol=5.01e-7)
    perm = res["test"] == "t-permutation"
    p, p_m = res.loc[perm, "p"], ref.loc[perm, "p-value"]
    # Independent RNGs, 10,000 permutations each: differences are Monte Carlo noise.
    tolerance = 5 * np.sqrt(2 * p * (1 - p) / 10000) + 1e-6
    assert np.all(np.abs(p - p_m) <= tolerance), (p - p_m)[np.abs(p - p_m) > tolerance]
    n1, n2 = (design == g1).sum(), (design == g2).sum()
    # Where no permuted |t| exceeded the observed one, mothur prints 0 and otuflow the resolution
    # of the null, 1 / (B (H + 1)) pooled (H = the features tested by permutation) or 1 / (B + 1).
    bound = res["p_upper_bound"]
    resolution = 1 / (10000 * (perm.sum() + 1)) if min(n1, n2) < 8 else 1 / 10001
    assert (res.loc[bound, "p"] == resolution).all() and (res["p"] > 0).all()
    assert (ref.loc[bound, "p-value"] <= resolution + 5e-7).all()
    s1 = counts.loc[:, design.index[design == g1]].sum(axis=1)
    s2 = counts.loc[:, design.index[design == g2]].sum(axis=1)
    t1 = counts.loc[:, design.index[design == g1]].to_numpy().sum()
    t2 = counts.loc[:, design.index[design == g2]].to_numpy().sum()
    sparse = (s1 < n1) & (s2 < n2)
    assert list(res.index[~perm]) == list(s1.index[sparse])
    for otu in s1.index[sparse]:
        right = stats.fisher_exact([[s1[otu], s2[otu]], [t1 - s1[otu], t2 - s2[otu]]]).pvalue
        assert res.loc[otu, "p"] == pytest.approx(right, rel=1e-12)
        # mothur's sparse branch sets f12 = floor(f11) (source bug; docs/algorithms.md,
        # "Metastats").
        buggy = stats.fisher_exact([[s1[otu], s1[otu]], [t1 - s1[otu], t2 - s2[otu]]]).pvalue
        buggy = 1.0 if buggy > 0.999999999 else buggy
        assert ref.loc[otu, "p-value"] == pytest.approx(buggy, abs=5.01e-7)
        if s1[otu] == s2[otu]:
            assert res.loc[otu, "p"] == pytest.approx(ref.loc[otu, "p-value"], abs=5.01e-7)


def _simulate(n_per_group, n_feat=200, n_shift=12, seed=0):
    """Counts with a planted 4-fold increase of features 0..n_shift-1 in group B.

    The extra mass is taken from one abundant "sink" feature (the last one), so every other
    feature keeps its proportion: they are true nulls despite the compositional constraint.
    """
    rng = np.random.default_rng(seed)
    base = rng.gamma(0.8, 1.0, n_feat) + 0.05
    base[:n_shift] *= 0.1 / base[:n_shift].sum()  # shifted features: 10 % of the reads,
    base[n_shift:-1] *= 0.4 / base[n_shift:-1].sum()  # null features 40 %,
    base[-1] = 0.5  # the sink 50 %.
    n = 2 * n_per_group
    mu = np.repeat(base[:, None], n, axis=1)
    mu[:n_shift, n_per_group:] *= 4.0
    mu[-1, n_per_group:] = 1 - mu[:-1, n_per_group:].sum(axis=0)
    lam = rng.gamma(16.0, mu * 5000 / 16.0)  # biological over-dispersion (CV 0.25)
    counts = _table(rng.poisson(lam))
    groups = pd.Series(["A"] * n_per_group + ["B"] * n_per_group, index=counts.columns)
    return counts, groups, n_shift


@pytest.mark.parametrize("n_per_group", [5, 10])
def test_planted_effects_are_found_and_nulls_are_uniform(n_per_group):
    counts, groups, n_shift = _simulate(n_per_group, seed=n_per_group)
    res = metastats(counts, groups, "A", "B", permutations=1000, seed=11)
    shifted, null = res.iloc[:n_shift], res.iloc[n_shift:-1]
    assert (shifted["q"] < 0.05).mean() >= 0.75
    assert (shifted["t"] < 0).all()
    tested = null[null["test"] == "t-permutation"]["p"]
    assert stats.kstest(tested, "uniform").pvalue > 0.01
    assert (null["q"] < 0.05).mean() < 0.05


def test_determinism():
    # (speed is measured in benchmarks/, never by a timed unit test)
    rng = np.random.default_rng(5)
    counts = _table(rng.negative_binomial(1, 0.01, size=(300, 25)))
    groups = pd.Series(["A"] * 12 + ["B"] * 13, index=counts.columns)
    first = metastats(counts, groups, "A", "B", permutations=1000, seed=42)
    again = metastats(counts, groups, "A", "B", permutations=1000, seed=42)
    pd.testing.assert_frame_equal(first, again)
    other = metastats(counts, groups, "A", "B", permutations=1000, seed=43)
    assert not np.array_equal(first["p"], other["p"])
    assert first.attrs == {"permutations": 1000, "seed": 42, "pooled_null": False}


def test_one_sample_per_group_uses_chisq_or_fisher():
    counts = _table([[30, 60], [5, 9], [965, 931]])
    groups = pd.Series(["a", "b"], index=counts.columns)
    res = metastats(counts, groups, "a", "b")
    table0 = np.array([[30, 60], [970, 940]])
    assert res.loc[0, "test"] == "chisq"
    assert res.loc[0, "p"] == pytest.approx(stats.chi2_contingency(table0).pvalue)
    # R's chisq.test applies Yates' correction to 2 x 2 tables.
    chi2 = sum((abs(o - e) - 0.5) ** 2 / e for o, e in zip(
        table0.ravel(), stats.contingency.expected_freq(table0).ravel(), strict=True))
    assert res.loc[0, "p"] == pytest.approx(stats.chi2.sf(chi2, 1), rel=1e-10)
    assert res.loc[1, "test"] == "fisher"
    assert res.loc[1, "p"] == pytest.approx(stats.fisher_exact([[5, 9], [995, 991]]).pvalue)
    assert res.loc[0, "variance_a"] == pytest.approx(0.03 * 0.97 / 999)
    assert np.isnan(res.loc[0, "t"])


def test_constant_feature_gets_t_zero_and_p_one():
    counts = _table([[10, 10, 10, 10, 10, 10], [90, 80, 70, 95, 60, 90]])
    counts.iloc[1] = [90, 90, 90, 90, 90, 90]
    counts.loc["f2"] = [5, 17, 30, 1, 40, 8]
    groups = pd.Series(list("aaabbb"), index=counts.columns)
    res = metastats(counts, groups, "a", "b", permutations=100).set_index("feature")
    assert res.loc["f1", "t"] != 0  # not constant in proportions (totals differ)
    counts.loc["f2"] = [0, 0, 0, 0, 0, 0]
    res = metastats(counts, groups, "a", "b", permutations=100).set_index("feature")
    assert res.loc["f0", "t"] == 0 and res.loc["f0", "p"] == 1.0


def test_bad_input_errors():
    counts = _table([[1, 2, 3, 4], [0, 0, 0, 0]])
    groups = pd.Series(list("aabb"), index=counts.columns)
    with pytest.raises(ValueError, match="no reads"):
        metastats(counts.iloc[[1]], groups, "a", "b")
    with pytest.raises(ValueError, match="integer counts"):
        metastats(counts + 0.5, groups, "a", "b")
    with pytest.raises(ValueError, match="no sample of the table is in group 'c'"):
        metastats(counts, groups, "a", "c")
    with pytest.raises(ValueError, match="at least 2 samples"):
        metastats(counts, pd.Series(list("abbb"), index=counts.columns), "a", "b")
    with pytest.raises(ValueError, match="counts must be finite and >= 0"):
        metastats(counts * -1, groups, "a", "b")
