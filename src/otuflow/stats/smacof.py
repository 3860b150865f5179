"""Non-metric SMACOF: the algorithm of scikit-learn's ``MDS(metric_mds=False)``, made fast.

scikit-learn (1.9) fits a new ``IsotonicRegression`` object at every SMACOF iteration: it sorts the
dissimilarities, merges their ties and builds an interpolator each time, which is most of its NMDS
time (timings in benchmarks/ANALYSIS.md). The dissimilarities do not change between iterations, so
here they are sorted and their ties merged once, and each iteration only averages the configuration
distances within tie blocks and runs scipy's pool-adjacent-violators
(``scipy.optimize.isotonic_regression``). Everything else follows
``sklearn.manifold._mds._smacof_single`` step by step, so for the same random state the
configurations agree with scikit-learn's to rounding (tests/test_stats_smacof.py):

* zero dissimilarities between distinct samples are missing values (left out of the fit);
* ties of dissimilarities (within float64 resolution, 1e-15) share one disparity, the weighted
  mean of their distances (the secondary approach, as ``IsotonicRegression``);
* the first iteration uses the dissimilarities themselves as disparities; disparities are scaled
  to a sum of squares of n(n-1)/2;
* Guttman transform with zero distances replaced by 1e-5; stop when the decrease of raw stress
  divided by half the sum of squared distances falls below ``eps``;
* each start draws ``n * k`` uniform numbers from one ``numpy.random.RandomState(seed)`` in turn,
  and the first start with the lowest stress-1 wins.

The whole NMDS step, stress-1 included, is described in docs/algorithms.md, "NMDS".
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import isotonic_regression

TIE_RESOLUTION = np.finfo(np.float64).resolution  # sklearn's _make_unique tolerance


def _euclidean(x: np.ndarray) -> np.ndarray:
    """Pairwise distances by the dot-product expansion (as sklearn's ``euclidean_distances``)."""
    sq = np.einsum("ij,ij->i", x, x)
    d2 = -2 * (x @ x.T)
    d2 += sq[:, None]
    d2 += sq[None, :]
    np.maximum(d2, 0, out=d2)
    np.fill_diagonal(d2, 0)
    return np.sqrt(d2)


class _TieBlocks:
    """Order and tie blocks of the non-missing upper-triangle dissimilarities (computed once)."""

    def __init__(self, dissimilarities: np.ndarray):
        n = dissimilarities.shape[0]
        flat = ((1 - np.tri(n)) * dissimilarities).ravel()
        self.mask = flat != 0
        values = flat[self.mask]
        self.order = np.argsort(values, kind="stable")
        ordered = values[self.order]
        starts = [0]
        first = ordered[0] if ordered.size else 0.0
        # Sequential on purpose: a block starts where a value is >= resolution above the block's
        # first value (sklearn's rule), so a chain of near-equal values can span several blocks.
        gaps = np.flatnonzero(np.diff(ordered) < TIE_RESOLUTION) + 1
        if gaps.size == 0:
            starts = np.arange(ordered.size)
        else:
            small = np.zeros(ordered.size, dtype=bool)
            small[gaps] = True
            for i in range(1, ordered.size):
                if not small[i] or ordered[i] - first >= TIE_RESOLUTION:
                    starts.append(i)
                    first = ordered[i]
            starts = np.asarray(starts)
        self.starts = starts
        self.sizes = np.diff(np.append(starts, ordered.size)).astype(np.float64)
        self.values = values
        self.any_ties = bool(self.sizes.size != ordered.size)

    def fit(self, distances_flat_w: np.ndarray) -> np.ndarray:
        """Disparities: isotonic regression of the distances on the dissimilarities."""
        y = distances_flat_w[self.order]
        if self.any_ties:
            means = np.add.reduceat(y, self.starts) / self.sizes
            fitted = isotonic_regression(means, weights=self.sizes, increasing=True).x
            fitted = np.repeat(fitted, self.sizes.astype(np.int64))
        else:
            fitted = isotonic_regression(y, increasing=True).x
        out = np.empty_like(fitted)
        out[self.order] = fitted
        return out


def smacof_nonmetric_single(
    dissimilarities: np.ndarray,
    init: np.ndarray,
    max_iter: int = 300,
    eps: float = 1e-6,
    blocks: _TieBlocks | None = None,
) -> tuple[np.ndarray, float, int]:
    """One non-metric SMACOF run from a given starting configuration.

    Parameters
    ----------
    dissimilarities : numpy.ndarray
        Square symmetric matrix; zeros off the diagonal are treated as missing.
    init : numpy.ndarray
        Starting configuration, samples x dimensions.
    max_iter : int
        Maximum number of iterations.
    eps : float
        Convergence tolerance on the relative decrease of stress (scikit-learn >= 1.7 default).
    blocks : optional
        Precomputed tie blocks of ``dissimilarities`` (shared between starts).

    Returns
    -------
    (numpy.ndarray, float, int)
        Final configuration, its stress-1 (scikit-learn's normalised stress) and the number of
        iterations run.
    """
    d = np.asarray(dissimilarities, dtype=np.float64)
    n = d.shape[0]
    blocks = blocks if blocks is not None else _TieBlocks(d)
    x = np.array(init, dtype=np.float64)
    distances = _euclidean(x)
    target_ss = n * (n - 1) / 2
    diag = np.arange(n)
    old_stress = None
    for it in range(max_iter):
        flat = distances.ravel()
        fitted = blocks.values if it < 1 else blocks.fit(flat[blocks.mask])
        disparities = np.zeros(n * n)
        disparities[blocks.mask] = fitted
        disparities = disparities.reshape(n, n)
        disparities *= np.sqrt(target_ss / (disparities**2).sum())
        disparities = disparities + disparities.T

        distances[distances == 0] = 1e-5
        ratio = disparities / distances
        b = -ratio
        b[diag, diag] += ratio.sum(axis=1)
        x = 1.0 / n * (b @ x)

        distances = _euclidean(x)
        stress = ((distances.ravel() - disparities.ravel()) ** 2).sum() / 2
        if old_stress is not None:
            if (old_stress - stress) / ((distances.ravel() ** 2).sum() / 2) < eps:
                break
        old_stress = stress
    stress = float(np.sqrt(stress / ((distances.ravel() ** 2).sum() / 2)))
    return x, stress, it + 1


def smacof_nonmetric(
    dissimilarities: np.ndarray,
    n_components: int = 2,
    n_init: int = 4,
    max_iter: int = 300,
    eps: float = 1e-6,
    random_state: int | None = 0,
) -> tuple[np.ndarray, float]:
    """Best of ``n_init`` non-metric SMACOF runs from uniform random starts.

    Parameters
    ----------
    dissimilarities : numpy.ndarray
        Square symmetric matrix of dissimilarities.
    n_components : int
        Dimensions of the configuration.
    n_init : int
        Random starts; starts are drawn in turn from ``numpy.random.RandomState(random_state)``
        exactly as scikit-learn's ``MDS(init="random", n_jobs=1)`` draws them.
    max_iter, eps
        Per-start iteration limit and convergence tolerance.
    random_state : int or None
        Seed of the starts.

    Returns
    -------
    (numpy.ndarray, float)
        The configuration with the lowest stress-1 (the first one on ties) and that stress.
    """
    d = np.asarray(dissimilarities, dtype=np.float64)
    if d.ndim != 2 or d.shape[0] != d.shape[1] or not np.allclose(d, d.T):
        raise ValueError("dissimilarities must be a square symmetric matrix")
    n = d.shape[0]
    rng = np.random.RandomState(random_state)
    blocks = _TieBlocks(d)
    best, best_stress = None, None
    for _ in range(n_init):
        init = rng.uniform(size=n * n_components).reshape(n, n_components)
        x, stress, _ = smacof_nonmetric_single(d, init, max_iter, eps, blocks)
        if best_stress is None or stress < best_stress:
            best, best_stress = x.copy(), stress
    return best, best_stress
