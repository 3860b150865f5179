"""Storey q-values against R, BH and Bonferroni against hand-computed values, the df=3 spline."""

from __future__ import annotations

import numpy as np
import pytest

from otuflow.stats.qvalue import (
    benjamini_hochberg,
    bonferroni,
    smooth_spline_df,
    storey_pi0,
    storey_qvalues,
)

# Values printed by tests/reference/stats_storey_qvalues.R (output kept next to it as
# stats_storey_qvalues.out), R 4.2.2 (Debian r-base-core 4.2.2.20221110-2), qvalue 2.30.0.
# R's smooth.spline stops its search at df = 2.99973250255069 rather than exactly 3.
R_SPLINE_DF = 2.99973250255069
EXAMPLES = {
    "mixed": np.concatenate([np.arange(1, 31) / 31, np.arange(1, 11) / 2000]),
    "nulls": np.concatenate([[0.003, 0.02], 0.2 + np.arange(1, 31) / 37.5]),
    "ties": np.concatenate([[0.002] * 3, [0.04] * 2, np.arange(1, 16) / 15.2]),
}
R_PI0_UNCAPPED = {"mixed": 0.643949063522641, "nulls": 1.31358293300369,
                  "ties": 0.905462389975026}
R_Q_MIXED = [
    0.075536547040779, 0.138483669574762, 0.191746619411208, 0.237400576413877,
    0.276967339149523, 0.311588256543213, 0.342136124831764, 0.369289785532697,
    0.393585166159849, 0.415451008724285, 0.435234390092108, 0.453219282244674,
    0.4696402707318, 0.484692843511665, 0.498541210469142, 0.511324318429889,
    0.523160529504655, 0.534151296931223, 0.544384080397338, 0.553934678299046,
    0.562869108594192, 0.571245136995891, 0.579113527312639, 0.586519071140167,
    0.593501441034692, 0.600095901490633, 0.606333904624632, 0.612243591804209,
    0.617850218102782, 0.623176513086427,
] + [0.0128789812704528] * 10
R_Q_NULLS_FIRST = [0.126103961568354, 0.42034653856118]  # all others are 1
R_Q_TIES = [
    0.0120728318663337, 0.0120728318663337, 0.0120728318663337, 0.144873982396004,
    0.144873982396004, 0.198566313591014, 0.340399394727453, 0.446774205579783,
    0.529510169576039, 0.595698940773044, 0.649853389934229, 0.694982097568551,
    0.733167927105284, 0.76589863813677, 0.794265254364058, 0.819086043562935,
    0.840986739914885, 0.860454025561063, 0.877872123244485, 0.893548411159565,
]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_pi0_matches_r_smooth_spline(name):
    p = EXAMPLES[name]
    # Same df as R actually used: agreement to rounding level.
    assert storey_pi0(p, df=R_SPLINE_DF, cap=False) == pytest.approx(R_PI0_UNCAPPED[name],
                                                                      rel=1e-6)
    # Exactly df = 3 (otuflow's default) differs only by R's search tolerance.
    assert storey_pi0(p, cap=False) == pytest.approx(R_PI0_UNCAPPED[name], rel=2e-4)
    assert storey_pi0(p) == pytest.approx(min(R_PI0_UNCAPPED[name], 1.0), rel=2e-4)


def test_qvalues_match_r_uncapped():
    q = storey_qvalues(EXAMPLES["mixed"], df=R_SPLINE_DF, cap_pi0=False)
    np.testing.assert_allclose(q, R_Q_MIXED, rtol=1e-6)
    np.testing.assert_allclose(storey_qvalues(EXAMPLES["mixed"]), R_Q_MIXED, rtol=2e-4)
    q = storey_qvalues(EXAMPLES["ties"], df=R_SPLINE_DF, cap_pi0=False)
    np.testing.assert_allclose(q, R_Q_TIES, rtol=1e-6)
    q = storey_qvalues(EXAMPLES["nulls"], df=R_SPLINE_DF, cap_pi0=False)
    np.testing.assert_allclose(q[:2], R_Q_NULLS_FIRST, rtol=1e-6)
    assert np.all(q[2:] == 1.0)


def test_capped_pi0_of_one_gives_benjamini_hochberg():
    p = EXAMPLES["nulls"]
    assert storey_pi0(p) == 1.0
    np.testing.assert_allclose(storey_qvalues(p), benjamini_hochberg(p), rtol=0, atol=1e-15)


def test_benjamini_hochberg_by_hand():
    # p sorted = 0.01, 0.02, 0.03, 0.9 -> m p / i = 0.04, 0.04, 0.04, 0.9.
    p = np.array([0.03, 0.9, 0.01, 0.02])
    np.testing.assert_allclose(benjamini_hochberg(p), [0.04, 0.9, 0.04, 0.04], rtol=1e-15)
    # m = 7, sorted 0.005, 0.01, 0.03, 0.04, 0.04, 0.5, 0.9 -> m p / i = 0.035, 0.035, 0.07,
    # 0.07, 0.056, 0.5833, 0.9; the minimum over i and every later rank gives 0.035, 0.035,
    # 0.056, 0.056, 0.056, 0.5833, 0.9 (tied p-values share the adjusted value).
    p = np.array([0.01, 0.04, 0.03, 0.04, 0.5, 0.9, 0.005])
    np.testing.assert_allclose(benjamini_hochberg(p),
                               [0.035, 0.056, 0.056, 0.056, 3.5 / 6, 0.9, 0.035], rtol=1e-14)


def test_nan_pvalues_are_left_out():
    p = np.array([0.01, np.nan, 0.04, 0.03])
    # m = 3: sorted 0.01, 0.03, 0.04 -> 3 p / i = 0.03, 0.045, 0.04 -> 0.03, 0.04, 0.04.
    np.testing.assert_allclose(benjamini_hochberg(p), [0.03, np.nan, 0.04, 0.04], rtol=1e-15)
    np.testing.assert_allclose(bonferroni(p), [0.03, np.nan, 0.12, 0.09], rtol=1e-15)
    q = storey_qvalues(p)
    assert np.isnan(q[1]) and np.all(np.isfinite(q[[0, 2, 3]]))
    assert np.all(np.isnan(benjamini_hochberg([np.nan, np.nan])))


def test_bonferroni():
    np.testing.assert_allclose(bonferroni([0.01, 0.2, 0.5]), [0.03, 0.6, 1.0], rtol=1e-15)
    np.testing.assert_allclose(bonferroni([0.04]), [0.04])


def test_storey_qvalues_are_pi0_times_bh_capped_at_one():
    # Storey's recursion q_(i) = min(p_(i) m pi0 / i, q_(i+1), 1) written out by hand for the
    # uncapped pi0 > 1 of the "nulls" example, where the cap at 1 binds.
    p = EXAMPLES["nulls"]
    pi0 = storey_pi0(p, cap=False)
    assert pi0 > 1
    order = np.argsort(p)
    m = p.size
    q_sorted = np.empty(m)
    q_sorted[-1] = min(p[order[-1]] * pi0, 1.0)
    for i in range(m - 2, -1, -1):
        q_sorted[i] = min(p[order[i]] * m * pi0 / (i + 1), q_sorted[i + 1], 1.0)
    expected = np.empty(m)
    expected[order] = q_sorted
    np.testing.assert_allclose(storey_qvalues(p, cap_pi0=False), expected, rtol=1e-14)


def test_invalid_pvalues_raise():
    with pytest.raises(ValueError, match="must lie in"):
        benjamini_hochberg([0.2, 1.5])


def test_smoothing_spline_properties():
    x = np.linspace(0, 0.95, 96)
    # A cubic smoothing spline reproduces straight lines whatever the penalty.
    line = 0.3 + 2.0 * x
    np.testing.assert_allclose(smooth_spline_df(x, line, df=3), line, atol=1e-10)
    # Residuals are orthogonal to the null space (constants and lines) of the penalty.
    y = np.sin(6 * x) + 0.1 * np.cos(40 * x)
    resid = y - smooth_spline_df(x, y, df=3)
    assert abs(resid.sum()) < 1e-7
    assert abs((resid * x).sum()) < 1e-7
    # Larger df follows the data more closely.
    resid_more = y - smooth_spline_df(x, y, df=8)
    assert (resid_more**2).sum() < (resid**2).sum()
    with pytest.raises(ValueError):
        smooth_spline_df(x, y, df=1.5)


def test_a_spline_below_zero_falls_back_to_benjamini_hochberg():
    # Three p-values: the df = 3 spline extrapolates pi0 below 0 (about -0.10), which would make
    # every q negative. BH by hand: sorted 0.125, 0.125, 0.625 -> min(3 p_k / k over k >= i)
    # = 0.1875, 0.1875, 0.625.
    p = [0.125, 0.625, 0.125]
    assert storey_pi0(p) == 1.0 and storey_pi0(p, cap=False) == 1.0
    np.testing.assert_allclose(storey_qvalues(p), [0.1875, 0.625, 0.1875], rtol=1e-12)
