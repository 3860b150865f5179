"""PERMDISP as vegan defines it: ``betadisper`` followed by ``permutest``.

vegan's test of multivariate dispersion (Anderson 2006) differs from scikit-bio's
(:mod:`otuflow.stats.permdisp`) in two ways that change F for every non-Euclidean distance such as
UniFrac, Bray-Curtis or Jaccard:

* the principal coordinates keep the axes of **negative** eigenvalues (scaled by the square root
  of their absolute value); a sample's squared distance to its group centre is its squared
  distance in the positive-eigenvalue axes minus that in the negative-eigenvalue axes (set to 0
  where negative). With ``type="median"`` the spatial median is found separately in each of the
  two sub-spaces;
* the p-value permutes the **residuals** of the one-way ANOVA of those distances (the centres
  are not recomputed): F* is the ANOVA F of each permuted residual vector and
  p = (#{F* >= F - 1.5e-8} + 1) / (B + 1).

Everything follows vegan 2.6's ``betadisper``, ``ordimedian`` and ``permutest.betadisper``
(docs/algorithms.md, "PERMDISP") with one difference: vegan finds each spatial median with R's
``optim(method = "BFGS")`` from the coordinate-wise median, which stops once the sum of distances
changes by less than 1.5e-8 relative, so its medians (and F) carry an error of that order; here
the median is iterated to convergence (Weiszfeld's algorithm with Vardi & Zhang's step at a data
point). tests/reference/beta_vegan holds vegan's values on the demo results, both as vegan prints
them and with a converged median, and tests/test_stats_vegan_reference.py compares them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from skbio import DistanceMatrix

#: vegan's tolerance for zero eigenvalues (sqrt of the machine epsilon, relative to the largest).
EIGEN_TOLERANCE = float(np.sqrt(np.finfo(np.float64).eps))
#: vegan's tolerance when counting permuted F values at least as large as the observed one.
TIE_TOLERANCE = float(np.sqrt(np.finfo(np.float64).eps))
CENTRES = ("median", "centroid")


@dataclass(frozen=True)
class Dispersion:
    """Distances of each sample to its group centre (vegan ``betadisper``).

    Attributes
    ----------
    distances : numpy.ndarray
        One distance per sample, in input order.
    codes : numpy.ndarray
        Integer group code per sample (index into ``groups``).
    groups : numpy.ndarray
        Sorted group labels.
    """

    distances: np.ndarray
    codes: np.ndarray
    groups: np.ndarray


def principal_coordinates_with_negative_axes(dm: DistanceMatrix) -> tuple[np.ndarray, np.ndarray]:
    """Principal coordinates including the axes of negative eigenvalues (as vegan ``betadisper``).

    Parameters
    ----------
    dm : skbio.DistanceMatrix
        Distances between samples.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Samples x axes coordinates (eigenvectors scaled by sqrt(|eigenvalue|)) and a boolean
        array marking the axes of positive eigenvalues. Axes whose eigenvalue is within
        max(1.5e-8, 1.5e-8 * largest) of zero are left out.
    """
    d2 = np.asarray(dm.data, dtype=np.float64) ** 2
    centred = d2 - d2.mean(axis=0, keepdims=True)
    centred = centred - centred.mean(axis=1, keepdims=True)
    values, vectors = np.linalg.eigh(-centred / 2)
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    keep = np.abs(values) > max(EIGEN_TOLERANCE, EIGEN_TOLERANCE * values[0])
    values, vectors = values[keep], vectors[:, keep]
    return vectors * np.sqrt(np.abs(values)), values > 0


def spatial_median(points: np.ndarray, max_iter: int = 100_000, tol: float = 1e-13) -> np.ndarray:
    """Point minimising the sum of Euclidean distances to ``points`` (the geometric median).

    Weiszfeld's iteration from the coordinate-wise median (vegan's start), with Vardi & Zhang's
    (2000) modified step when the iterate sits on a data point, until the step is below
    ``tol`` times the spread of the points.

    Parameters
    ----------
    points : numpy.ndarray
        Points x dimensions (zero dimensions allowed: returns an empty vector).
    max_iter : int
        Iteration limit.
    tol : float
        Relative step size at which to stop.

    Returns
    -------
    numpy.ndarray
        The spatial median.
    """
    points = np.asarray(points, dtype=np.float64)
    y = np.median(points, axis=0)
    if points.shape[1] == 0 or points.shape[0] == 1:
        return y
    scale = max(float(np.abs(points - y).max()), np.finfo(np.float64).tiny)
    for _ in range(max_iter):
        diff = points - y
        dist = np.sqrt(np.einsum("ij,ij->i", diff, diff))
        away = dist > 1e-15 * scale
        weights = 1.0 / dist[away]
        weiszfeld = (points[away] * weights[:, None]).sum(axis=0) / weights.sum()
        if away.all():
            new = weiszfeld
        else:
            # On a data point: move only if the pull of the others exceeds its own weight.
            pull = float(np.linalg.norm((diff[away] * weights[:, None]).sum(axis=0)))
            on_point = int((~away).sum())
            if pull <= on_point:
                return y
            gamma = on_point / pull
            new = (1 - gamma) * weiszfeld + gamma * y
        step = float(np.abs(new - y).max())
        y = new
        if step <= tol * scale:
            break
    return y


def betadisper(dm: DistanceMatrix, grouping, centre: str = "median") -> Dispersion:
    """Distances of samples to their group's spatial median or centroid, as vegan ``betadisper``.

    Parameters
    ----------
    dm : skbio.DistanceMatrix
        Distances between samples.
    grouping : sequence
        Group label of each sample, in ``dm.ids`` order.
    centre : {"median", "centroid"}
        vegan's ``type``.

    Returns
    -------
    Dispersion
        The distances (vegan's ``$distances``), group codes and labels.

    Raises
    ------
    ValueError
        For an unknown ``centre``, a grouping that does not match the matrix, or fewer than two
        groups.
    """
    if centre not in CENTRES:
        raise ValueError(f"unknown PERMDISP centre {centre!r}; choose from {CENTRES}")
    labels = np.asarray(grouping)
    if labels.size != dm.shape[0]:
        raise ValueError("Grouping vector size must match the number of IDs in the distance "
                         "matrix.")  # fmt: skip
    groups, codes = np.unique(labels, return_inverse=True)
    if len(groups) < 2:
        raise ValueError("All values in the grouping vector are the same.")
    vectors, positive = principal_coordinates_with_negative_axes(dm)
    squared = np.zeros((labels.size, 2))  # squared distances in the positive / negative axes
    for g in range(len(groups)):
        members = codes == g
        for column, axes in enumerate((positive, ~positive)):
            points = vectors[members][:, axes]
            if centre == "median":
                centre_point = spatial_median(points)
            else:
                centre_point = points.mean(axis=0)
            squared[members, column] = ((points - centre_point) ** 2).sum(axis=1)
    distances = np.sqrt(np.clip(squared[:, 0] - squared[:, 1], 0, None))
    return Dispersion(distances=distances, codes=codes, groups=groups)


def _anova_f(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """One-way ANOVA F of each row of ``values`` (rows x samples) for the grouping ``codes``."""
    values = np.atleast_2d(values)
    n = codes.size
    sizes = np.bincount(codes, minlength=n_groups).astype(np.float64)
    sums = np.stack([values[:, codes == g].sum(axis=1) for g in range(n_groups)], axis=1)
    means = sums / sizes
    grand = values.mean(axis=1, keepdims=True)
    between = (sizes * (means - grand) ** 2).sum(axis=1)
    within = ((values - means[:, codes]) ** 2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (between / (n_groups - 1)) / (within / (n - n_groups))


def permutest(dispersion: Dispersion, permutations: int = 999, seed=None) -> tuple[float, float]:
    """ANOVA F of the dispersions and its permutation p-value, as vegan ``permutest.betadisper``.

    Parameters
    ----------
    dispersion : Dispersion
        Output of :func:`betadisper`.
    permutations : int
        Number of permutations of the residuals (0: p is NaN).
    seed : int, numpy.random.Generator or None
        Seed of the permutations (``numpy.random.default_rng``).

    Returns
    -------
    (float, float)
        F and p = (#{F* >= F - 1.5e-8} + 1) / (B + 1).
    """
    if permutations < 0:
        raise ValueError("Number of permutations must be greater than or equal to zero.")
    z, codes, k = dispersion.distances, dispersion.codes, len(dispersion.groups)
    if codes.size - k < 1:
        raise ValueError("PERMDISP needs more samples than groups")
    with np.errstate(divide="ignore", invalid="ignore"):
        observed = float(_anova_f(z, codes, k)[0])
    if permutations == 0:
        return observed, float("nan")
    sizes = np.bincount(codes, minlength=k)
    residuals = z - (np.bincount(codes, weights=z, minlength=k) / sizes)[codes]
    rng = np.random.default_rng(seed)
    order = np.stack([rng.permutation(codes.size) for _ in range(permutations)])
    permuted = _anova_f(residuals[order], codes, k)
    p = (np.sum(permuted >= observed - TIE_TOLERANCE) + 1) / (permutations + 1)
    return observed, float(p)


def permdisp_vegan(
    dm: DistanceMatrix, grouping, permutations: int = 999, seed=None, centre: str = "median"
) -> tuple[float, float]:
    """PERMDISP F and p as ``permutest(betadisper(d, group, type = centre))`` in vegan.

    Parameters
    ----------
    dm : skbio.DistanceMatrix
        Distances between samples.
    grouping : sequence
        Group label of each sample, in ``dm.ids`` order.
    permutations : int
        Permutations of the ANOVA residuals.
    seed : int or None
        Seed of the permutations.
    centre : {"median", "centroid"}
        Group centre (vegan's ``type``).

    Returns
    -------
    (float, float)
        F and permutation p-value.
    """
    return permutest(betadisper(dm, grouping, centre), permutations, seed)
