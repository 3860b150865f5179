"""Non-metric SMACOF gives scikit-learn's MDS configurations (the reference implementation)."""

import warnings

import numpy as np
import pytest
from scipy.spatial.distance import pdist, squareform
from sklearn.manifold import MDS

from otuflow.stats.smacof import _TieBlocks, smacof_nonmetric


def _sklearn_nmds(d, n_components, n_init, seed, max_iter=300):
    model = MDS(n_components=n_components, metric_mds=False, n_init=n_init, init="random",
                metric="precomputed", random_state=seed, max_iter=max_iter, n_jobs=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        coords = model.fit_transform(d)
    return coords, model.stress_


def _matrix(kind, n, seed):
    rng = np.random.default_rng(seed)
    if kind == "braycurtis":
        return squareform(pdist(rng.poisson(3.0, size=(n, 25)) + 0.0, "braycurtis"))
    if kind == "jaccard":  # many exact ties
        return squareform(pdist(rng.random((n, 12)) > 0.6, "jaccard"))
    if kind == "duplicates":  # two identical samples: a zero (missing) dissimilarity
        x = rng.random((n, 6))
        x[1] = x[0]
        return squareform(pdist(x))
    raise ValueError(kind)


@pytest.mark.parametrize("kind,n,dims,starts,seed", [
    ("braycurtis", 25, 2, 4, 0),
    ("braycurtis", 60, 3, 2, 11),
    ("jaccard", 30, 2, 3, 5),
    ("duplicates", 15, 2, 3, 2),
])
def test_matches_scikit_learn(kind, n, dims, starts, seed):
    d = _matrix(kind, n, seed)
    expected, expected_stress = _sklearn_nmds(d, dims, starts, seed)
    coords, stress = smacof_nonmetric(d, dims, starts, random_state=seed)
    np.testing.assert_allclose(coords, expected, rtol=0, atol=1e-9)
    assert stress == pytest.approx(expected_stress, rel=1e-12)


def test_iteration_limit_matches_scikit_learn():
    d = _matrix("braycurtis", 40, 3)
    expected, _ = _sklearn_nmds(d, 2, 1, 9, max_iter=5)
    coords, _ = smacof_nonmetric(d, 2, 1, max_iter=5, random_state=9)
    np.testing.assert_allclose(coords, expected, rtol=0, atol=1e-12)


def test_tie_blocks_follow_the_resolution_rule():
    # Values within 1e-15 of a block's first value join it; a chain of small steps that ends
    # >= 1e-15 above the first value starts a new block (scikit-learn's _make_unique).
    base = 0.1
    values = np.array([base, base + 5e-16, base + 9e-16, base + 1.2e-15, 0.3])
    d = np.zeros((6, 6))
    d[0, 1:] = values
    d = d + d.T
    blocks = _TieBlocks(d)
    assert blocks.sizes.tolist() == [3.0, 1.0, 1.0]
    # Distances 0, 1, 2 of the first block are averaged (1.0) before the isotonic fit.
    assert blocks.fit(np.array([0.0, 1.0, 2.0, 3.0, 4.0])).tolist() == [1.0, 1.0, 1.0, 3.0, 4.0]
    # Without ties a decreasing pair is pooled: PAVA of (2, 1) is (1.5, 1.5).
    assert blocks.fit(np.array([0.0, 1.0, 2.0, 4.0, 3.0])).tolist() == [1.0, 1.0, 1.0, 3.5, 3.5]


def test_rejects_non_square_input():
    with pytest.raises(ValueError, match="square symmetric"):
        smacof_nonmetric(np.ones((3, 4)))
