"""PERMDISP around group spatial medians: scikit-bio's test with a fast permutation loop.

``skbio.stats.distance.permdisp(test="median")`` with its default (Cython) engine calls
``scipy.stats.f_oneway`` once per permutation; that call's overhead, not the arithmetic, is
almost all of its time, even on a few samples (timings in benchmarks/ANALYSIS.md). This module
runs the same test with the same building blocks:

* the same ordination: ``skbio.stats.ordination.pcoa`` with all dimensions (eigh);
* the same centres: scikit-bio's Cython ``geomedian_axis_one`` for every group of every
  grouping (the medians are recomputed for each permuted grouping, as scikit-bio does);
* the same permuted groupings in the same order: ``skbio.util.get_rng(seed)`` and one
  ``rng.permutation`` of the integer-coded grouping per permutation;
* the same statistic, ``scipy.stats.f_oneway`` of the distances to the centres, called once
  for all groupings (``axis=1``) instead of once per grouping;
* the same p-value, (#{F* >= F} + 1) / (permutations + 1), except that a permuted F within a
  relative :data:`TIE_TOLERANCE` of the observed one counts as a tie (vegan compares with an
  absolute 1.5e-8 for the same reason). A permutation that only relabels the observed groups has
  the same F in exact arithmetic, but summing the groups in another order can round it below F;
  scikit-bio's exact comparison then misses it (0.22 instead of 0.23 in the test with 3 x 3
  samples).

One more deliberate difference: groups need at least :data:`MIN_GROUP_SIZE` samples. Any point
on the segment between two samples is their spatial median, so a group of two has no dispersion to
compare (scikit-bio then returns an F made of rounding noise, e.g. -1e16).

tests/test_stats_permdisp.py checks F and p against ``skbio.stats.distance.permdisp``; the
formulas are in docs/algorithms.md, "PERMDISP".
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import f_oneway
from skbio import DistanceMatrix
from skbio.stats.distance._cutils import geomedian_axis_one
from skbio.stats.ordination import pcoa
from skbio.util import get_rng

MIN_GROUP_SIZE = 3
TIE_TOLERANCE = 1e-9


def _distances_to_medians(samples: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    dists = np.empty(codes.size)
    for g in range(n_groups):
        members = codes == g
        group = samples[members]
        centre = np.asarray(geomedian_axis_one(np.ascontiguousarray(group.T)))
        dists[members] = np.linalg.norm(group - centre, axis=1)
    return dists


def permdisp_median(
    dm: DistanceMatrix, grouping, permutations: int = 999, seed=None
) -> tuple[float, float]:
    """PERMDISP F and permutation p-value around group spatial medians.

    Parameters
    ----------
    dm : skbio.DistanceMatrix
        Distances between samples.
    grouping : sequence
        Group label of each sample, in ``dm.ids`` order.
    permutations : int
        Number of permuted groupings (0: p is NaN).
    seed : int, numpy.random.Generator or None
        Seed of the permutations (as scikit-bio's ``seed``).

    Returns
    -------
    (float, float)
        F and p, equal to ``skbio.stats.distance.permdisp(dm, grouping, test="median",
        permutations=permutations, seed=seed, dimensions=dm.shape[0])``.

    Raises
    ------
    ValueError
        If there are fewer than two groups, a group has fewer than :data:`MIN_GROUP_SIZE`
        samples, the grouping does not match the matrix, or ``permutations`` is negative.
    """
    n = dm.shape[0]
    labels = np.asarray(grouping)
    if labels.size != n:
        raise ValueError("Grouping vector size must match the number of IDs in the distance "
                         "matrix.")  # fmt: skip
    groups, codes = np.unique(labels, return_inverse=True)
    if len(groups) == n:
        raise ValueError("All values in the grouping vector are unique.")
    if len(groups) == 1:
        raise ValueError("All values in the grouping vector are the same.")
    sizes = np.bincount(codes)
    if sizes.min() < MIN_GROUP_SIZE:
        small = ", ".join(f"{g} ({s})" for g, s in zip(groups, sizes, strict=True)
                          if s < MIN_GROUP_SIZE)  # fmt: skip
        raise ValueError(f"PERMDISP needs at least {MIN_GROUP_SIZE} samples per group: {small}")
    if permutations < 0:
        raise ValueError("Number of permutations must be greater than or equal to zero.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ordination = pcoa(dm, method="eigh", dimensions=n, seed=seed, warn_neg_eigval=False)
    samples = ordination.samples.to_numpy(dtype=np.float64)
    k = len(groups)
    rng = get_rng(seed)
    all_codes = np.empty((permutations + 1, n), dtype=np.intp)
    all_codes[0] = codes
    for i in range(permutations):
        all_codes[i + 1] = rng.permutation(codes)
    dists = np.stack([_distances_to_medians(samples, c, k) for c in all_codes])
    # Every grouping has the same group sizes, so each group's distances form a
    # (groupings x size) array and scipy computes all F values in one call.
    by_group = [dists[all_codes == g].reshape(len(all_codes), -1) for g in range(k)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a group without spread gives inf, as scipy says
        stats = f_oneway(*by_group, axis=1).statistic
    stat = float(stats[0])
    if permutations == 0:
        return stat, float("nan")
    at_least = stats[1:] >= stat - TIE_TOLERANCE * abs(stat)
    return stat, float((np.sum(at_least) + 1) / (permutations + 1))
