"""NMDS search (otuflow.stats.nmds): gradient, Procrustes test, PCoA start and the metaMDS loop.

Agreement with vegan's metaMDS on the demo results is in tests/test_stats_vegan_reference.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import pdist, squareform

from otuflow.stats.nmds import (
    _StressFunction,
    classical_scaling,
    kruskal_stress1,
    minimise_stress,
    nmds_search,
    same_solution,
)


def _bray_curtis(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    counts = rng.poisson(rng.gamma(0.5, 8.0, size=40), size=(n, 40)) + 0.0
    return squareform(pdist(counts, "braycurtis"))


@pytest.mark.parametrize("seed", [1, 2])
def test_gradient_equals_finite_differences(seed):
    d = _bray_curtis(10, seed)
    function = _StressFunction(d, 10, 2)
    x = np.random.default_rng(seed).uniform(size=20)
    stress, grad = function(x)
    assert stress == pytest.approx(kruskal_stress1(d, x.reshape(10, 2)), rel=1e-12)
    h = 1e-7
    numeric = np.array([(function(x + h * e)[0] - function(x - h * e)[0]) / (2 * h)
                        for e in np.eye(20)])  # fmt: skip
    np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-7)


def test_ties_are_ordered_by_distance_as_the_primary_approach():
    # pairs 01 02 03 12 13 23 of points 0, 1, 2, 4 on a line: distances 1 2 4 1 3 2
    coords = np.array([[0.0], [1.0], [2.0], [4.0]])
    delta = squareform(np.array([1, 2, 3, 1, 3, 2.0]))  # 03 and 13 tied, 02 and 23 tied
    # Within ties, d is sorted (3 before 4; 2 and 2), so d is monotone in delta: stress 0.
    assert kruskal_stress1(delta, coords) == pytest.approx(0.0, abs=1e-15)
    assert _StressFunction(delta, 4, 1)(coords.ravel())[0] == pytest.approx(0.0, abs=1e-15)


def test_classical_scaling_reproduces_planar_distances():
    points = np.random.default_rng(3).uniform(size=(8, 2))
    d = squareform(pdist(points))
    np.testing.assert_allclose(pdist(classical_scaling(d, 2)), pdist(points), atol=1e-10)
    # more dimensions than positive eigenvalues: the extra columns are zero
    assert np.all(classical_scaling(d, 4)[:, 2:] == 0)


def test_same_solution_ignores_rotation_reflection_and_scale():
    a = np.random.default_rng(4).normal(size=(15, 2))
    angle = 0.7
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    b = 3.0 * (a @ rotation) * np.array([1, -1]) + 5.0
    assert same_solution(a, b)
    moved = a.copy()
    moved[0] += 1.5  # one sample elsewhere: a large residual
    assert not same_solution(a, moved)


def test_minimise_stress_never_raises_stress():
    d = _bray_curtis(12, 5)
    start = np.random.default_rng(5).uniform(size=(12, 2))
    found = minimise_stress(d, start)
    assert kruskal_stress1(d, found) < kruskal_stress1(d, start)


def test_search_recovers_a_planted_configuration_and_repeats_it():
    points = np.random.default_rng(6).uniform(size=(15, 2))
    fit = nmds_search(squareform(pdist(points)), starts=3, max_starts=10, seed=1)
    assert fit.stress < 1e-3
    assert fit.converged and fit.tries == 3  # repeated within the first starts: no extra ones


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_search_runs_extra_starts_only_while_unrepeated(seed):
    fit = nmds_search(_bray_curtis(14, seed), starts=2, max_starts=6, seed=seed)
    if fit.converged:
        assert 2 <= fit.tries <= 6
    else:
        assert fit.tries == 6
    assert 0 <= fit.best_try <= fit.tries
    again = nmds_search(_bray_curtis(14, seed), starts=2, max_starts=6, seed=seed)
    assert np.array_equal(fit.points, again.points) and fit.stress == again.stress
