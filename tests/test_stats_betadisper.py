"""vegan's PERMDISP (otuflow.stats.betadisper) against hand-computed values and exact permutations.

The comparison with vegan itself is in tests/test_stats_vegan_reference.py.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.spatial.distance import pdist, squareform
from skbio import DistanceMatrix

from otuflow.stats.betadisper import (
    betadisper,
    permutest,
    principal_coordinates_with_negative_axes,
    spatial_median,
)


def _dm(matrix) -> DistanceMatrix:
    ids = [f"s{i}" for i in range(len(matrix))]
    return DistanceMatrix(np.asarray(matrix, dtype=float), ids=ids)


def _bray_curtis(n: int, seed: int) -> DistanceMatrix:
    rng = np.random.default_rng(seed)
    counts = rng.poisson(rng.gamma(0.5, 8.0, size=30), size=(n, 30)) + 0.0
    return _dm(squareform(pdist(counts, "braycurtis")))


def test_coordinates_with_negative_axes_reproduce_non_euclidean_distances():
    dm = _bray_curtis(12, 1)
    vectors, positive = principal_coordinates_with_negative_axes(dm)
    assert positive.any() and (~positive).any()  # Bray-Curtis is not Euclidean here
    pos = squareform(pdist(vectors[:, positive], "sqeuclidean"))
    neg = squareform(pdist(vectors[:, ~positive], "sqeuclidean"))
    np.testing.assert_allclose(pos - neg, dm.data**2, atol=1e-12)


def test_spatial_median_of_symmetric_points_is_their_centre():
    square = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 2.0]])
    np.testing.assert_allclose(spatial_median(square), [1.0, 1.0], atol=1e-12)
    # The median of three collinear points is the middle one (a data point: Vardi-Zhang step).
    np.testing.assert_allclose(spatial_median(np.array([[0.0, 0.0], [1.0, 1.0], [5.0, 5.0]])),
                               [1.0, 1.0], atol=1e-12)  # fmt: skip


def test_spatial_median_minimises_the_sum_of_distances():
    rng = np.random.default_rng(3)
    points = rng.normal(size=(9, 4))
    median = spatial_median(points)

    def total(y):
        return np.linalg.norm(points - y, axis=1).sum()

    # the gradient (sum of unit vectors towards the median) vanishes there
    units = (median - points) / np.linalg.norm(median - points, axis=1)[:, None]
    assert np.linalg.norm(units.sum(axis=0)) < 1e-9
    found = minimize(total, points.mean(axis=0), method="Nelder-Mead",
                     options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20000}).x  # fmt: skip
    assert total(median) <= total(found) + 1e-12


def test_centroid_distances_and_f_by_hand_on_euclidean_points():
    points = np.array([[0, 0], [2, 0], [1, 3], [5, 5], [6, 5], [5, 9], [7, 7.0]])
    labels = np.array(["a", "a", "a", "b", "b", "b", "b"])
    dispersion = betadisper(_dm(squareform(pdist(points))), labels, centre="centroid")
    expected = np.empty(len(points))
    for g in ("a", "b"):
        members = labels == g
        expected[members] = np.linalg.norm(points[members] - points[members].mean(axis=0), axis=1)
    np.testing.assert_allclose(dispersion.distances, expected, atol=1e-10)
    # one-way ANOVA F of those distances, by the textbook formula
    za, zb = expected[:3], expected[3:]
    grand = expected.mean()
    between = 3 * (za.mean() - grand) ** 2 + 4 * (zb.mean() - grand) ** 2
    within = ((za - za.mean()) ** 2).sum() + ((zb - zb.mean()) ** 2).sum()
    f, _ = permutest(dispersion, permutations=0)
    assert f == pytest.approx((between / 1) / (within / 5), rel=1e-10)


def test_negative_axes_lower_the_distances_to_the_centre():
    """vegan subtracts the squared distance in the negative-eigenvalue axes (zero floor)."""
    dm = _bray_curtis(12, 1)
    labels = np.array(["a"] * 6 + ["b"] * 6)
    vectors, positive = principal_coordinates_with_negative_axes(dm)
    assert (~positive).any()
    dispersion = betadisper(dm, labels, centre="centroid")
    expected, positive_only = np.empty(12), np.empty(12)
    for g in ("a", "b"):
        m = labels == g
        pos = ((vectors[m][:, positive] - vectors[m][:, positive].mean(axis=0)) ** 2).sum(axis=1)
        neg = ((vectors[m][:, ~positive] - vectors[m][:, ~positive].mean(axis=0)) ** 2).sum(axis=1)
        expected[m] = np.sqrt(np.clip(pos - neg, 0, None))
        positive_only[m] = np.sqrt(pos)
    np.testing.assert_allclose(dispersion.distances, expected, atol=1e-12)
    assert (expected < positive_only - 1e-3).any()  # scikit-bio's definition would differ


def test_permutation_p_converges_to_the_exact_residual_permutation_p():
    """p over all 720 permutations of the residuals, by brute force, vs 20,000 random ones."""
    dm = _bray_curtis(6, 5)
    labels = np.array(["a", "a", "a", "b", "b", "b"])
    dispersion = betadisper(dm, labels)
    observed, _ = permutest(dispersion, permutations=0)
    z, codes = dispersion.distances, dispersion.codes
    residuals = z - np.array([z[codes == g].mean() for g in range(2)])[codes]

    def anova_f(values):
        a, b = values[:3], values[3:]
        grand = values.mean()
        between = 3 * (a.mean() - grand) ** 2 + 3 * (b.mean() - grand) ** 2
        within = ((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum()
        return between / (within / 4)

    exact = np.mean([anova_f(residuals[list(order)]) >= observed - 1.5e-8
                     for order in itertools.permutations(range(6))])  # fmt: skip
    _, p = permutest(dispersion, permutations=20_000, seed=1)
    assert abs(p - exact) < 4 * np.sqrt(exact * (1 - exact) / 20_000) + 1e-4
    assert permutest(dispersion, 199, seed=9) == permutest(dispersion, 199, seed=9)


def test_invalid_input():
    dm = _bray_curtis(6, 1)
    with pytest.raises(ValueError, match="centre"):
        betadisper(dm, ["a"] * 3 + ["b"] * 3, centre="mean")
    with pytest.raises(ValueError, match="same"):
        betadisper(dm, ["a"] * 6)
    with pytest.raises(ValueError, match="size"):
        betadisper(dm, ["a"] * 5)
