"""NMDS that searches as vegan's ``metaMDS`` does and reports whether its best solution repeated.

Each run minimises Kruskal's stress-1 with the primary approach to ties (what vegan's ``monoMDS``
minimises) directly, by L-BFGS on the configuration with the gradient at the optimal disparities.
The runs are organised as in
``metaMDS`` (vegan 2.6 ``metaMDSiter``; docs/algorithms.md, "NMDS"):

* run 0 starts from the classical scaling (PCoA) configuration;
* then random starts, at least ``starts`` and, while the best solution has not repeated, up to
  ``max_starts`` (vegan's ``try`` and ``trymax``);
* a run whose stress is within 0.0005 of the best is compared with it by symmetric Procrustes
  analysis: if it is lower it becomes the best (and the repeat count restarts); if the
  Procrustes rmse < 0.005 and the largest residual < 0.01 it counts as a repeat of the best.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import isotonic_regression, minimize
from scipy.spatial import procrustes
from scipy.spatial.distance import pdist, squareform
from skbio import DistanceMatrix
from threadpoolctl import threadpool_limits

from otuflow.stats.betadisper import principal_coordinates_with_negative_axes

#: metaMDS: a run within this stress of the best is compared with it (monoMDS engine).
STRESS_WINDOW = 0.0005
#: metaMDS: Procrustes rmse and largest residual under which two solutions are the same.
RMSE_LIMIT = 0.005
RESIDUAL_LIMIT = 0.01
#: Standard deviation of the jitter of the best solution, relative to its own spread.
JITTER = 0.3
#: L-BFGS iterations per run.
MAX_ITER = 1000


@dataclass(frozen=True)
class NmdsFit:
    """Result of :func:`nmds_search`.

    Attributes
    ----------
    points : numpy.ndarray
        Best configuration, samples x dimensions (as fitted: not centred or rotated).
    stress : float
        Its Kruskal stress-1.
    repeats : int
        How often a later run reproduced the best solution (metaMDS's ``converged``).
    tries : int
        Random starts run (run 0 from PCoA not counted, as metaMDS).
    best_try : int
        Run that found the best solution (0 = the PCoA start).
    """

    points: np.ndarray
    stress: float
    repeats: int
    tries: int
    best_try: int

    @property
    def converged(self) -> bool:
        """True if the best solution was found at least twice (metaMDS's criterion)."""
        return self.repeats > 0


def _primary_fit(delta: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """Isotonic regression of distances on dissimilarities, ties ordered by distance."""
    order = np.lexsort((dist, delta))
    fitted = np.empty_like(dist)
    fitted[order] = isotonic_regression(dist[order], increasing=True).x
    return fitted


def kruskal_stress1(dissimilarities: np.ndarray, coords: np.ndarray) -> float:
    """Kruskal stress-1 of a configuration, with the primary approach to tied dissimilarities.

    Parameters
    ----------
    dissimilarities : numpy.ndarray
        Square symmetric matrix.
    coords : numpy.ndarray
        Samples x dimensions configuration.

    Returns
    -------
    float
        sqrt(sum (d - dhat)^2 / sum d^2); 0 for a configuration with all points equal.
    """
    delta = squareform(np.asarray(dissimilarities, dtype=float), checks=False)
    dist = pdist(coords)
    denom = float((dist**2).sum())
    if denom == 0:
        return 0.0
    fitted = _primary_fit(delta, dist)
    return float(np.sqrt(((dist - fitted) ** 2).sum() / denom))


class _StressFunction:
    """Kruskal stress-1 (primary ties) of a flattened configuration and its gradient."""

    def __init__(self, dissimilarities: np.ndarray, n: int, k: int):
        self.delta = squareform(np.asarray(dissimilarities, dtype=float), checks=False)
        self.n, self.k = n, k
        self.order = np.argsort(self.delta, kind="stable")
        # Only tied dissimilarities change places between evaluations (ordered by distance):
        # their positions in self.order and the block each belongs to.
        ordered = self.delta[self.order]
        tied = np.zeros(ordered.size, dtype=bool)
        same = np.diff(ordered) == 0
        tied[1:] |= same
        tied[:-1] |= same
        self.tied = np.flatnonzero(tied)
        self.blocks = np.cumsum(np.r_[True, ~same])[self.tied]

    def __call__(self, flat: np.ndarray) -> tuple[float, np.ndarray]:
        x = flat.reshape(self.n, self.k)
        dist = pdist(x)
        total = float(np.square(dist).sum())
        if total == 0:
            return 0.0, np.zeros_like(flat)
        order = self.order
        if self.tied.size:
            order = order.copy()
            members = order[self.tied]
            within = dist[members] / (2 * dist.max())  # in [0, 0.5]: blocks stay apart
            order[self.tied] = members[np.argsort(self.blocks + within, kind="stable")]
        fitted = np.empty_like(dist)
        fitted[order] = isotonic_regression(dist[order], increasing=True).x
        residual = dist - fitted
        stress = float(np.sqrt(np.square(residual).sum() / total))
        if stress == 0:
            return 0.0, np.zeros_like(flat)
        # d S / d d_ij with the disparities held at their optimum (their own derivative is zero)
        coef = (residual - stress**2 * dist) / (stress * total)
        with np.errstate(divide="ignore", invalid="ignore"):
            weights = np.where(dist > 0, coef / dist, 0.0)
        w = squareform(weights)
        grad = w.sum(axis=1)[:, None] * x - w @ x
        return stress, grad.ravel()


def minimise_stress(dissimilarities: np.ndarray, init: np.ndarray) -> np.ndarray:
    """Lower Kruskal stress-1 (primary ties) from ``init`` by L-BFGS on the configuration.

    Parameters
    ----------
    dissimilarities : numpy.ndarray
        Square symmetric matrix.
    init : numpy.ndarray
        Starting configuration, samples x dimensions.

    Returns
    -------
    numpy.ndarray
        The configuration found (never of higher stress than ``init``).
    """
    n, k = init.shape
    function = _StressFunction(dissimilarities, n, k)
    scale = np.sqrt((init**2).sum() / n) or 1.0
    start = (init / scale).ravel()
    # One BLAS thread: waking idle BLAS threads for each small product of the many L-BFGS
    # iterations costs more than the products themselves (benchmarks/ANALYSIS.md).
    with threadpool_limits(limits=1, user_api="blas"):
        result = minimize(function, start, jac=True, method="L-BFGS-B",
                          options={"maxiter": MAX_ITER, "gtol": 1e-9, "ftol": 1e-12})  # fmt: skip
    if result.fun <= function(start)[0]:
        return result.x.reshape(n, k)
    return start.reshape(n, k)


def classical_scaling(dissimilarities: np.ndarray, k: int) -> np.ndarray:
    """First ``k`` principal coordinates (R's ``cmdscale``); zero columns past the positive axes."""
    vectors, positive = principal_coordinates_with_negative_axes(DistanceMatrix(dissimilarities))
    points = np.zeros((vectors.shape[0], k))
    first = vectors[:, positive][:, :k]
    points[:, : first.shape[1]] = first
    return points


def _one_run(d: np.ndarray, init: np.ndarray):
    points = minimise_stress(d, init)
    return points, kruskal_stress1(d, points)


def same_solution(a: np.ndarray, b: np.ndarray) -> bool:
    """metaMDS's test that two configurations are one solution (symmetric Procrustes).

    Parameters
    ----------
    a, b : numpy.ndarray
        Configurations of the same samples.

    Returns
    -------
    bool
        rmse < 0.005 and largest residual < 0.01 after centring, scaling both to unit sum of
        squares and rotating (and scaling) ``b`` onto ``a``.
    """
    try:
        fixed, rotated, disparity = procrustes(a, b)
    except ValueError:  # a configuration with all points equal
        return False
    residuals = np.sqrt(((fixed - rotated) ** 2).sum(axis=1))
    rmse = np.sqrt(disparity / a.shape[0])
    return bool(rmse < RMSE_LIMIT and residuals.max() < RESIDUAL_LIMIT)


def nmds_search(
    dissimilarities: np.ndarray,
    n_components: int = 2,
    starts: int = 20,
    max_starts: int = 50,
    seed: int = 0,
    refinements: int = 10,
) -> NmdsFit:
    """Best NMDS configuration over a PCoA start and random starts, as vegan ``metaMDS``.

    Parameters
    ----------
    dissimilarities : numpy.ndarray
        Square symmetric matrix.
    n_components : int
        Dimensions.
    starts, max_starts : int
        Random starts: at least ``starts``, and up to ``max_starts`` while the best solution has
        not repeated (vegan's ``try`` and ``trymax``).
    seed : int
        Seed of the random starts (uniform, one ``numpy.random.RandomState``).

    Returns
    -------
    NmdsFit
        Best configuration, its stress and the search record.
    """
    d = np.asarray(dissimilarities, dtype=np.float64)
    n = d.shape[0]
    best, best_stress = _one_run(d, classical_scaling(d, n_components))
    best_try, repeats, tries = 0, 0, 0
    rng = np.random.RandomState(seed)
    while tries < starts or (tries < max(starts, max_starts) and repeats == 0):
        init = rng.uniform(size=n * n_components).reshape(n, n_components)
        points, stress = _one_run(d, init)
        tries += 1
        if best_stress - stress > -STRESS_WINDOW:
            similar = same_solution(best, points)
            if stress < best_stress:
                best, best_stress, best_try, repeats = points, stress, tries, 0
            if similar:
                repeats += 1
    for _ in range(refinements):
        # not counted as repeats: a jittered start is not an independent search
        points, stress = _one_run(d, best + rng.normal(scale=JITTER * best.std(), size=best.shape))
        if stress < best_stress:
            best, best_stress = points, stress
    return NmdsFit(points=best, stress=best_stress, repeats=repeats, tries=tries,
                   best_try=best_try)  # fmt: skip
