"""PERMDISP (spatial medians) equals scikit-bio's permdisp: same F, same permutation p-value."""

import warnings

import numpy as np
import pytest
from scipy.spatial.distance import pdist, squareform
from skbio import DistanceMatrix
from skbio.stats.distance import permdisp

from otuflow.stats.permdisp import permdisp_median


def _skbio(dm, grouping, permutations, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = permdisp(dm, list(grouping), test="median", permutations=permutations, seed=seed,
                       dimensions=dm.shape[0], warn_neg_eigval=False, engine="cython")
    return float(res["test statistic"]), float(res["p-value"])


def _case(kind, sizes, seed):
    rng = np.random.default_rng(seed)
    n = sum(sizes)
    labels = np.repeat(["Control", "Opioid-S", "Opioid-T"][: len(sizes)], sizes)
    if kind == "euclidean":
        x = rng.normal(size=(n, 4)) * np.where(labels == "Control", 1.0, 2.0)[:, None]
        d = squareform(pdist(x))
    else:  # Bray-Curtis of counts: non-Euclidean, negative eigenvalues
        d = squareform(pdist(rng.poisson(4.0, size=(n, 30)) + 0.0, "braycurtis"))
    ids = [f"s{i}" for i in range(n)]
    return DistanceMatrix(d, ids=ids), labels[rng.permutation(n)]


@pytest.mark.parametrize("kind,sizes,seed,permutations", [
    ("euclidean", (8, 7, 9), 1, 199),
    ("braycurtis", (10, 12, 9), 2, 199),
    ("braycurtis", (6, 6), 3, 99),
])
def test_equals_scikit_bio(kind, sizes, seed, permutations):
    dm, labels = _case(kind, sizes, seed)
    # Exact equality of p holds on any machine only without exact ties: no permuted grouping
    # here merely relabels the observed groups (those are counted with a tolerance, below).
    codes, permuted = _permuted_codes(labels, permutations, seed)
    assert not any(_same_partition(codes, c) for c in permuted)
    f_skbio, p_skbio = _skbio(dm, labels, permutations, seed)
    f_ours, p_ours = permdisp_median(dm, labels, permutations, seed)
    assert f_ours == pytest.approx(f_skbio, rel=1e-10)
    assert p_ours == p_skbio


def _permuted_codes(labels, permutations, seed):
    """The group codes of the observed and of every permuted grouping, drawn as scikit-bio does."""
    from skbio.util import get_rng

    _, codes = np.unique(labels, return_inverse=True)
    rng = get_rng(seed)
    return codes, [rng.permutation(codes) for _ in range(permutations)]


def _same_partition(a, b):
    """Whether two groupings put the samples into the same groups (only the names differ)."""
    return len(set(zip(a, b, strict=True))) == len(set(a))


def test_relabelled_groupings_count_as_ties():
    # 3 x 3 x 3 samples: among 99 permutations some only relabel the observed groups. Their F is
    # the observed F exactly in real numbers; in floating point it may come out a few ulps lower
    # or higher, depending on the CPU and BLAS. Each must be counted as "at least as large" on
    # any machine. Relabellings are found by comparing partitions, never by rounding.
    for seed in range(200):
        dm, labels = _case("braycurtis", (3, 3, 3), seed)
        codes, permuted = _permuted_codes(labels, 99, seed)
        relabelled = [_same_partition(codes, c) for c in permuted]
        if any(relabelled):
            break
    else:
        pytest.fail("no seed among 200 whose permutations relabel the observed grouping")
    names = np.unique(labels)
    f, p = permdisp_median(dm, labels, 99, seed)
    # each permuted grouping's F on its own (no permutations: the statistic only)
    permuted_f = np.array([permdisp_median(dm, names[c], 0, seed)[0] for c in permuted])
    assert np.allclose(permuted_f[relabelled], f, rtol=1e-12, atol=0)
    # every other grouping is clearly above or below the observed F, so the count is exact
    others = permuted_f[~np.array(relabelled)]
    assert not np.isclose(others, f, rtol=1e-6, atol=0).any()
    expected = (np.sum(others > f) + sum(relabelled) + 1) / 100
    assert p == expected


def test_no_permutations_gives_nan_p():
    dm, labels = _case("euclidean", (4, 4), 5)
    f, p = permdisp_median(dm, labels, 0, 1)
    assert np.isnan(p) and f == pytest.approx(_skbio(dm, labels, 0, 1)[0], rel=1e-10)


@pytest.mark.parametrize("labels,message", [
    (["a", "a", "a", "a"], "are the same"),
    (["a", "b", "c", "d"], "are unique"),
    (["a", "b"], "size must match"),
    (["a", "a", "b", "b"], r"at least 3 samples per group: a \(2\), b \(2\)"),
])
def test_invalid_groupings(labels, message):
    dm = DistanceMatrix(squareform(pdist(np.arange(8.0).reshape(4, 2))))
    with pytest.raises(ValueError, match=message):
        permdisp_median(dm, labels, 9, 0)
