"""Beta diversity: distance matrices (scikit-bio), PCoA, NMDS, PERMANOVA and PERMDISP tables.

* Distances: ``skbio.diversity.beta_diversity`` for ``braycurtis``, ``jaccard`` (presence/absence),
  ``unweighted_unifrac``, ``weighted_unifrac`` (skbio default ``normalized=False``, as QIIME's
  ``weighted_unifrac``) and ``weighted_normalized_unifrac`` (skbio's ``weighted_unifrac`` with
  ``normalized=True``, as QIIME 1.9's ``weighted_normalized_unifrac`` and phyloseq's default
  ``UniFrac(weighted = TRUE)``); the two weighted forms are not comparable, and
  :mod:`otuflow.stats.beta_metrics` names each in every output. UniFrac needs a tree whose root
  has exactly two children (docs/algorithms.md, "Beta diversity distances and UniFrac trees");
  other trees are midpoint-rooted first.
* PCoA: ``skbio.stats.ordination.pcoa`` (eigh). Negative eigenvalues are set to 0 and the
  proportions explained are relative to the sum of the positive eigenvalues (no Lingoes/Cailliez
  correction). Each axis is sign-normalised so its largest-magnitude coordinate is positive.
* NMDS: :mod:`otuflow.stats.nmds`, searched as vegan ``metaMDS`` (a PCoA start, then random starts
  until the best solution repeats or ``max_starts``), each run minimising Kruskal's stress-1
  (primary approach to ties) by L-BFGS. No Wisconsin/sqrt autotransform (the input is already a
  distance, as vegan with a ``dist``); the configuration is centred and rotated to principal axes
  (no half-change scaling).
* PERMANOVA: ``skbio.stats.distance.permanova`` (pseudo-F and p = (#{F* >= F} + 1)/(B + 1));
  R^2 = SS_A/SS_T derived from that F, R^2 = F (a - 1) / (F (a - 1) + N - a)
  (:func:`r_squared_from_f`).
* PERMDISP: by default vegan's ``betadisper`` + ``permutest`` (:mod:`otuflow.stats.betadisper`:
  negative-eigenvalue axes kept, residuals permuted), or scikit-bio's ``permdisp``
  (:mod:`otuflow.stats.permdisp` for the median: positive axes only, labels permuted), around
  spatial medians or centroids (:class:`PermdispSettings`). The two differ for non-Euclidean
  distances such as UniFrac (docs/algorithms.md, "PERMDISP").
* skbio's permutation loops run with one OpenMP thread (``threadpoolctl``): with its default
  threads on a busy machine PERMANOVA became far slower (benchmarks/ANALYSIS.md).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from skbio import DistanceMatrix, TreeNode
from skbio.diversity import beta_diversity as _skbio_beta
from skbio.stats.distance import permanova
from skbio.stats.distance import permdisp as skbio_permdisp
from skbio.stats.ordination import pcoa
from threadpoolctl import threadpool_limits

from otuflow.atomic import atomic_path
from otuflow.stats._inputs import StatsInputError, check_counts, check_groups
from otuflow.stats.beta_metrics import METRICS
from otuflow.stats.betadisper import CENTRES, permdisp_vegan
from otuflow.stats.comparisons import Comparison, plan_comparisons
from otuflow.stats.nmds import NmdsFit, nmds_search
from otuflow.stats.permdisp import permdisp_median
from otuflow.stats.qvalue import benjamini_hochberg
from otuflow.tsv import read_tsv

PERMDISP_DEFINITIONS = ("vegan", "scikit-bio")


def prepare_tree(tree: TreeNode | str | Path, otu_ids) -> TreeNode:
    """Return a tree usable by skbio's UniFrac for ``otu_ids``.

    Reads Newick if given a path; checks that every OTU is a tip and every branch has a length;
    midpoint-roots the tree if its root does not have exactly two children (and, if the midpoint
    is a multifurcating node, groups all but one of its children under a zero-length branch).
    """
    if not isinstance(tree, TreeNode):
        try:
            tree = TreeNode.read(str(tree), format="newick", convert_underscores=False)
        except Exception as exc:
            raise StatsInputError(f"cannot read Newick tree {tree}: {exc}") from exc
    tips = {t.name for t in tree.tips()}
    missing = [o for o in otu_ids if o not in tips]
    if missing:
        raise StatsInputError(
            f"{len(missing)} OTU(s) are not tips of the tree, e.g. {missing[:3]}; build the tree "
            "from the same OTU sequences as the table"
        )
    if any(n.length is None for n in tree.traverse() if not n.is_root()):
        raise StatsInputError("every branch of the tree needs a length for UniFrac")
    if len(tree.children) != 2:
        tree = tree.root_at_midpoint()
    if len(tree.children) > 2:
        # The midpoint fell on a node: hang all but one child below a zero-length branch, which
        # changes no UniFrac distance but gives skbio the two-child root it requires.
        tree = tree.copy()
        rest = list(tree.children[1:])
        inner = TreeNode(length=0.0)
        for child in rest:
            tree.remove(child)
            inner.append(child)
        tree.append(inner)
    return tree


def beta_diversity(
    counts_rarefied: pd.DataFrame, metric: str, tree: TreeNode | str | Path | None = None
) -> DistanceMatrix:
    """Distance matrix between the samples of an OTUs x samples table.

    Parameters
    ----------
    counts_rarefied : pandas.DataFrame
        OTUs x samples counts (rarefied for UniFrac/Jaccard comparisons).
    metric : str
        One of :data:`otuflow.stats.beta_metrics.METRICS`: ``unweighted_unifrac,
        weighted_unifrac, weighted_normalized_unifrac, braycurtis, jaccard``.
    tree : skbio.TreeNode, path, optional
        Phylogeny with the OTU IDs as tips (UniFrac only).

    Returns
    -------
    skbio.DistanceMatrix
        IDs = sample IDs in table order.
    """
    if metric not in METRICS:
        raise StatsInputError(f"unknown beta-diversity metric {metric!r}; choose from {METRICS}")
    counts = check_counts(counts_rarefied)
    if (counts.sum(axis=0) == 0).any():
        empty = list(counts.columns[counts.sum(axis=0) == 0][:5])
        raise StatsInputError(f"sample(s) without reads have no beta diversity: {empty}")
    table = counts.T.to_numpy()
    ids = [str(s) for s in counts.columns]
    if metric.endswith("unifrac"):
        if tree is None:
            raise StatsInputError(f"{metric} needs a phylogenetic tree")
        otu_ids = [str(o) for o in counts.index]
        tree = prepare_tree(tree, otu_ids)
        kwargs = {}
        if metric == "weighted_normalized_unifrac":
            metric, kwargs = "weighted_unifrac", {"normalized": True}
        return _skbio_beta(
            metric, table.astype(np.int64), ids=ids, taxa=otu_ids, tree=tree, **kwargs
        )
    if metric == "jaccard":
        table = table > 0
    return _skbio_beta(metric, table, ids=ids)


def write_distance_matrix(dm: DistanceMatrix, path: str | Path) -> None:
    """Write a square tab-separated matrix (blank corner cell, IDs on both axes, 17 digits)."""
    frame = pd.DataFrame(dm.data, index=list(dm.ids), columns=list(dm.ids))
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, sep="\t", float_format="%.17g", index_label="")


def read_distance_matrix(path: str | Path) -> DistanceMatrix:
    """Read a square TSV written by :func:`write_distance_matrix` (or QIIME)."""
    frame = read_tsv(path, index_col=0)
    frame.index = frame.index.astype(str)
    if list(frame.index) != list(frame.columns):
        raise StatsInputError(f"{path}: row and column IDs of the distance matrix differ")
    try:
        return DistanceMatrix(frame.to_numpy(dtype=float), ids=list(frame.index))
    except Exception as exc:
        raise StatsInputError(f"{path}: not a valid distance matrix ({exc})") from exc


def _sign_normalise(coords: np.ndarray) -> np.ndarray:
    coords = coords.copy()
    for k in range(coords.shape[1]):
        j = np.argmax(np.abs(coords[:, k]))
        if coords[j, k] < 0:
            coords[:, k] *= -1
    return coords


def pcoa_table(dm: DistanceMatrix, dimensions: int | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """Principal coordinates of a distance matrix.

    Returns
    -------
    (pandas.DataFrame, pandas.Series)
        Coordinates (samples x ``PC1..PCk``, axes with positive eigenvalues only, at most
        ``dimensions``) and the proportion of variance explained per axis.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = pcoa(dm, warn_neg_eigval=False)
    eig = np.asarray(res.eigvals)
    keep = int((eig > 1e-12 * max(eig.max(), 1e-300)).sum())
    if dimensions is not None:
        keep = min(keep, int(dimensions))
    names = [f"PC{k + 1}" for k in range(keep)]
    coords = _sign_normalise(np.asarray(res.samples)[:, :keep])
    table = pd.DataFrame(coords, index=list(dm.ids), columns=names)
    prop = pd.Series(np.asarray(res.proportion_explained)[:keep], index=names)
    return table, prop


def nmds(
    dm: DistanceMatrix,
    n_components: int = 2,
    starts: int = 20,
    max_starts: int = 50,
    seed: int = 0,
) -> tuple[pd.DataFrame, NmdsFit]:
    """Non-metric multidimensional scaling of a distance matrix, searched as vegan ``metaMDS``.

    Parameters
    ----------
    dm : skbio.DistanceMatrix
        Distances between samples.
    n_components : int
        Dimensions of the configuration.
    starts, max_starts : int
        Random starts besides the PCoA start: at least ``starts``, up to ``max_starts`` while the
        best solution has not repeated (vegan ``try``/``trymax``).
    seed : int
        Seed of the random starts; results are deterministic given the seed.

    Returns
    -------
    (pandas.DataFrame, NmdsFit)
        Configuration (samples x ``NMDS1..``; centred, rotated to principal axes, signs
        normalised) and the fit (Kruskal stress-1, repeats of the best solution, starts run).
    """
    n = dm.shape[0]
    if n < n_components + 2:
        raise StatsInputError(
            f"NMDS in {n_components} dimensions needs at least {n_components + 2} samples; got {n}"
        )
    fit = nmds_search(dm.data, n_components, starts, max_starts, seed)
    coords = fit.points - fit.points.mean(axis=0)
    _, _, vt = np.linalg.svd(coords, full_matrices=False)
    coords = _sign_normalise(coords @ vt.T)
    names = [f"NMDS{k + 1}" for k in range(n_components)]
    return pd.DataFrame(coords, index=list(dm.ids), columns=names), fit


def r_squared_from_f(pseudo_f: float, n: int, groups: int) -> float:
    """PERMANOVA R^2 from its pseudo-F, R^2 = F (a - 1) / (F (a - 1) + N - a).

    With F = [SS_A / (a - 1)] / [SS_W / (N - a)], F (a - 1) / (N - a) = SS_A / SS_W, so this is
    SS_A / (SS_A + SS_W) = SS_A / SS_T (docs/algorithms.md, "PERMANOVA").

    Parameters
    ----------
    pseudo_f : float
        PERMANOVA pseudo-F (``skbio.stats.distance.permanova``'s test statistic).
    n : int
        Number of samples N.
    groups : int
        Number of groups a (2 <= a < N).

    Returns
    -------
    float
        R^2 in [0, 1]; 1 when F is infinite (no within-group variation), NaN when F is NaN (all
        distances zero).
    """
    if np.isinf(pseudo_f):
        return 1.0
    between = pseudo_f * (groups - 1)
    return float(between / (between + (n - groups)))


def _subset(dm: DistanceMatrix, ids) -> DistanceMatrix:
    return dm.filter([str(i) for i in ids])


@dataclass(frozen=True)
class PermdispSettings:
    """Which PERMDISP to run (``diversity.permdisp_definition`` and ``permdisp_centre``).

    Attributes
    ----------
    definition : {"vegan", "scikit-bio"}
        ``vegan``: ``betadisper`` + ``permutest`` (:mod:`otuflow.stats.betadisper`);
        ``scikit-bio``: ``skbio.stats.distance.permdisp`` (:mod:`otuflow.stats.permdisp` for
        the median).
    centre : {"median", "centroid"}
        Group centre.
    """

    definition: str = "vegan"
    centre: str = "median"

    def __post_init__(self):
        if self.definition not in PERMDISP_DEFINITIONS:
            raise StatsInputError(f"unknown PERMDISP definition {self.definition!r}; choose from "
                                  f"{PERMDISP_DEFINITIONS}")  # fmt: skip
        if self.centre not in CENTRES:
            raise StatsInputError(f"unknown PERMDISP centre {self.centre!r}; choose from "
                                  f"{CENTRES}")  # fmt: skip

    def run(self, dm: DistanceMatrix, grouping, permutations: int, seed) -> tuple[float, float]:
        """F and p of this PERMDISP for one grouping of the samples of ``dm``."""
        if self.definition == "vegan":
            return permdisp_vegan(dm, grouping, permutations, seed, self.centre)
        if self.centre == "median":
            return permdisp_median(dm, grouping, permutations, seed)
        res = skbio_permdisp(dm, list(grouping), test="centroid", permutations=permutations,
                             seed=seed)  # fmt: skip
        return float(res["test statistic"]), float(res["p-value"])


def _one_test(dm: DistanceMatrix, grouping, permutations: int, seed,
              permdisp: PermdispSettings) -> dict:  # fmt: skip
    # skbio's OpenMP permutation loops are far slower on a busy machine with several threads
    # (benchmarks/ANALYSIS.md); one thread is fast and deterministic.
    with threadpool_limits(limits=1, user_api="openmp"):
        return _one_test_serial(dm, grouping, permutations, seed, permdisp)


def _one_test_serial(dm: DistanceMatrix, grouping, permutations: int, seed,
                     permdisp: PermdispSettings) -> dict:  # fmt: skip
    res = permanova(dm, list(grouping), permutations=permutations, seed=seed)
    n, groups = int(res["sample size"]), int(res["number of groups"])
    pseudo_f = float(res["test statistic"])
    row = {
        "n": n,
        "groups": groups,
        "pseudo_F": pseudo_f,
        "R2": r_squared_from_f(pseudo_f, n, groups),
        "p": float(res["p-value"]),
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            row["permdisp_F"], row["permdisp_p"] = permdisp.run(dm, grouping, permutations, seed)
    except (ValueError, TypeError, np.linalg.LinAlgError) as exc:
        row["permdisp_F"], row["permdisp_p"] = np.nan, np.nan
        row["note"] = f"PERMDISP not done: {exc}"
    return row


def permanova_table(
    dm: DistanceMatrix,
    groups: pd.Series,
    permutations: int = 999,
    seed: int | None = 0,
    planned: list[Comparison] | None = None,
    permdisp: PermdispSettings | None = None,
) -> pd.DataFrame:
    """PERMANOVA (and PERMDISP) over all groups and for every pair of groups.

    Parameters
    ----------
    dm : skbio.DistanceMatrix
        Distances between samples; every ID needs a group label.
    groups : pandas.Series
        Group label per sample.
    permutations : int
        Permutations for both tests (999 as vegan/skbio/QIIME).
    seed : int or None
        Permutation seed, used for every test.
    planned : list of Comparison, optional
        Pairs to test; default :func:`otuflow.stats.comparisons.plan_comparisons` (pooled groups
        vs reference and every pair), skipped pairs reported with a reason.
    permdisp : PermdispSettings, optional
        Which PERMDISP (default vegan's, around spatial medians).

    Returns
    -------
    pandas.DataFrame
        Rows ``all groups`` then one per pair; columns ``comparison, n, groups, pseudo_F, R2, p,
        q`` (BH over the pairwise rows; NaN for the overall test), ``permdisp_F, permdisp_p,
        note``.
    """
    ids = list(dm.ids)
    permdisp = permdisp or PermdispSettings()
    labels = check_groups(groups.rename(index=str), ids)
    skipped = []
    if planned is None:
        planned, skipped = plan_comparisons(labels)
    rows = []
    if labels.nunique() < 2:
        rows.append({"comparison": "all groups", "note": "fewer than two groups"})
    elif labels.value_counts().max() < 2:
        rows.append({"comparison": "all groups", "note": "every group has a single sample"})
    else:
        rows.append(
            {
                "comparison": "all groups",
                **_one_test(dm, labels.to_numpy(), permutations, seed, permdisp),
            }
        )
    for cmp in planned:
        sub_ids = [str(s) for s in cmp.samples_a + cmp.samples_b if str(s) in set(ids)]
        grouping = cmp.groups().rename(index=str).loc[sub_ids]
        if min(grouping.value_counts().reindex([cmp.name_a, cmp.name_b]).fillna(0)) < 2:
            rows.append({"comparison": cmp.label, "note": "fewer than 2 samples in a group"})
            continue
        rows.append(
            {
                "comparison": cmp.label,
                **_one_test(
                    _subset(dm, sub_ids), grouping.to_numpy(), permutations, seed, permdisp
                ),
            }
        )
    for s in skipped:
        rows.append({"comparison": f"{s.name_a} vs {s.name_b}", "note": f"skipped: {s.reason}"})
    out = pd.DataFrame(rows)
    for col in ("n", "groups", "pseudo_F", "R2", "p", "permdisp_F", "permdisp_p", "note"):
        if col not in out:
            out[col] = np.nan if col != "note" else ""
    out["note"] = out["note"].fillna("")
    out["q"] = np.nan
    pair = (out.index > 0) & out["p"].notna()
    if pair.any():
        out.loc[pair, "q"] = benjamini_hochberg(out.loc[pair, "p"].to_numpy())
    out.attrs.update(permutations=permutations, seed=seed)
    return out[
        [
            "comparison",
            "n",
            "groups",
            "pseudo_F",
            "R2",
            "p",
            "q",
            "permdisp_F",
            "permdisp_p",
            "note",
        ]
    ]
