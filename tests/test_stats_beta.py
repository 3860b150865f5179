"""Beta diversity: UniFrac by hand and vs skbio, PERMANOVA/R^2 by hand, PCoA, NMDS recovery."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from scipy.spatial import procrustes
from scipy.spatial.distance import pdist, squareform
from skbio import DistanceMatrix, TreeNode
from skbio.diversity import beta_diversity as sk_beta
from skbio.stats.distance import permanova, permdisp
from threadpoolctl import threadpool_limits

from otuflow.stats.beta import (
    PermdispSettings,
    beta_diversity,
    nmds,
    pcoa_table,
    permanova_table,
    r_squared_from_f,
    read_distance_matrix,
    write_distance_matrix,
)
from otuflow.stats.nmds import kruskal_stress1

TREE3 = "((A:1,B:2):0.5,C:3);"


def _three_samples():
    return pd.DataFrame({"S1": [1, 0, 0], "S2": [0, 1, 1], "S3": [1, 1, 0]},
                        index=["A", "B", "C"])


def test_unifrac_by_hand_on_three_tip_tree():
    counts = _three_samples()
    tree = TreeNode.read(io.StringIO(TREE3))
    uw = beta_diversity(counts, "unweighted_unifrac", tree)
    # Branch lengths A 1, B 2, C 3, (A,B) 0.5. S1 sees A + inner; S2 sees B, C, inner.
    assert uw["S1", "S2"] == pytest.approx(6 / 6.5)
    assert uw["S1", "S3"] == pytest.approx(2 / 3.5)
    w = beta_diversity(counts, "weighted_unifrac", tree)
    # sum_i b_i |a_i/A - b_i/B|: A 1*1, B 2*0.5, C 3*0.5, inner 0.5*0.5.
    assert w["S1", "S2"] == pytest.approx(3.75)
    assert w["S1", "S3"] == pytest.approx(1 * 0.5 + 2 * 0.5)


def _weighted_unifrac_by_formula(a, b, normalised):
    """Weighted UniFrac on TREE3 from its branches: sum_i b_i |A_i/A_T - B_i/B_T|, divided (if
    normalised) by sum_j d_j (A_j/A_T + B_j/B_T) over the tips j at root distance d_j."""
    pa, pb = np.asarray(a) / sum(a), np.asarray(b) / sum(b)
    # Branch length -> tips below it: A 1, B 2, C 3, and the (A,B) branch 0.5.
    branches = [(1.0, [0]), (2.0, [1]), (3.0, [2]), (0.5, [0, 1])]
    u = sum(length * abs(pa[tips].sum() - pb[tips].sum()) for length, tips in branches)
    if not normalised:
        return u
    root_distance = np.array([1.5, 2.5, 3.0])
    return u / (root_distance * (pa + pb)).sum()


def test_weighted_unifrac_normalised_and_unnormalised_by_hand():
    samples = {"S1": [3, 1, 0], "S2": [0, 2, 2], "S3": [1, 1, 0], "S4": [5, 0, 5]}
    counts = pd.DataFrame(samples, index=["A", "B", "C"])
    tree = TreeNode.read(io.StringIO(TREE3))
    raw = beta_diversity(counts, "weighted_unifrac", tree)
    norm = beta_diversity(counts, "weighted_normalized_unifrac", tree)
    # S1 (0.75, 0.25, 0) vs S2 (0, 0.5, 0.5): u = 1*0.75 + 2*0.25 + 3*0.5 + 0.5*(1 - 0.5) = 3;
    # tip-to-root distances A 1.5, B 2.5, C 3: S1 1.5*0.75 + 2.5*0.25 = 1.75, S2 2.5*0.5 +
    # 3*0.5 = 2.75; normalised 3 / 4.5.
    assert raw["S1", "S2"] == pytest.approx(3.0)
    assert norm["S1", "S2"] == pytest.approx(2 / 3)
    for i, j in [("S1", "S3"), ("S1", "S4"), ("S2", "S3"), ("S2", "S4"), ("S3", "S4")]:
        a, b = counts[i].to_list(), counts[j].to_list()
        assert raw[i, j] == pytest.approx(_weighted_unifrac_by_formula(a, b, False), rel=1e-12)
        assert norm[i, j] == pytest.approx(_weighted_unifrac_by_formula(a, b, True), rel=1e-12)
    assert (norm.data <= 1).all() and (raw.data > 1).any()  # the two forms differ in scale


def test_bray_curtis_and_jaccard_by_hand():
    counts = _three_samples() * 3
    bc = beta_diversity(counts, "braycurtis")
    assert bc["S1", "S2"] == pytest.approx(1.0)
    assert bc["S1", "S3"] == pytest.approx(3 / 9)
    jac = beta_diversity(counts, "jaccard")
    assert jac["S1", "S3"] == pytest.approx(0.5)
    assert jac["S2", "S3"] == pytest.approx(1 - 1 / 3)


@pytest.mark.parametrize("newick,rooted_newick", [
    # Midpoint on o6's branch: skbio's midpoint rooting gives a two-child root.
    ("((o1:0.2,o2:0.4):0.3,(o3:0.1,(o4:0.5,o5:0.2):0.25):0.15,o6:1.3);", None),
    # Midpoint exactly at the trifurcating root: two children grouped under a 0-length branch.
    ("((o1:0.2,o2:0.4):0.3,(o3:0.1,(o4:0.5,o5:0.2):0.25):0.15,o6:0.9);",
     "((o1:0.2,o2:0.4):0.3,((o3:0.1,(o4:0.5,o5:0.2):0.25):0.15,o6:0.9):0.0);"),
])
def test_unifrac_equals_skbio_on_multifurcating_roots(newick, rooted_newick):
    rng = np.random.default_rng(0)
    counts = pd.DataFrame(rng.poisson(3, (6, 5)), index=[f"o{i}" for i in range(1, 7)],
                          columns=[f"s{j}" for j in range(5)])
    counts.iloc[:, 0] += 1
    tree = TreeNode.read(io.StringIO(newick))
    assert len(tree.children) == 3  # skbio refuses this root
    if rooted_newick is None:
        rooted = tree.root_at_midpoint()
    else:
        rooted = TreeNode.read(io.StringIO(rooted_newick))
    assert len(rooted.children) == 2
    for metric, sk_metric, kwargs in [
        ("unweighted_unifrac", "unweighted_unifrac", {}),
        ("weighted_unifrac", "weighted_unifrac", {}),
        ("weighted_normalized_unifrac", "weighted_unifrac", {"normalized": True}),
    ]:
        ours = beta_diversity(counts, metric, tree)
        ref = sk_beta(sk_metric, counts.T.to_numpy(), ids=list(counts.columns),
                      taxa=list(counts.index), tree=rooted, **kwargs)
        np.testing.assert_allclose(ours.data, ref.data, atol=1e-12)
    with pytest.raises(ValueError, match="not tips of the tree"):
        beta_diversity(counts.rename(index={"o1": "zz"}), "unweighted_unifrac", tree)
    for metric in ("weighted_unifrac", "weighted_normalized_unifrac"):
        with pytest.raises(ValueError, match="needs a phylogenetic tree"):
            beta_diversity(counts, metric)


def test_distance_matrix_tsv_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    dm = DistanceMatrix(squareform(pdist(rng.normal(size=(5, 3)))), ids=list("abcde"))
    path = tmp_path / "dm.tsv"
    write_distance_matrix(dm, path)
    back = read_distance_matrix(path)
    assert list(back.ids) == list("abcde")
    np.testing.assert_array_equal(back.data, dm.data)
    (tmp_path / "bad.tsv").write_text("\ta\tb\na\t0\t1\nc\t1\t0\n")
    with pytest.raises(ValueError, match="row and column IDs"):
        read_distance_matrix(tmp_path / "bad.tsv")


def _clustered_points(seed=2):
    rng = np.random.default_rng(seed)
    centres = {"Control": (0, 0), "Opioid-S": (3, 0), "Opioid-T": (3, 1)}
    pts, labels = [], []
    for g, c in centres.items():
        for _ in range(6):
            pts.append(np.array(c) + rng.normal(scale=0.8, size=2))
            labels.append(g)
    ids = [f"s{i}" for i in range(len(pts))]
    dm = DistanceMatrix(squareform(pdist(np.array(pts))), ids=ids)
    return dm, pd.Series(labels, index=ids), np.array(pts)


def test_permanova_formula_by_hand_and_against_skbio():
    dm, groups, _ = _clustered_points()
    res = permanova_table(dm, groups, permutations=199, seed=3,
                          permdisp=PermdispSettings("scikit-bio", "median"))  # fmt: skip
    overall = res.iloc[0]
    d, lab = dm.data, groups.to_numpy()
    n, a = len(lab), 3
    ss_t = sum(d[i, j] ** 2 for i in range(n) for j in range(i + 1, n)) / n
    ss_w = 0.0
    for g in set(lab):
        idx = np.flatnonzero(lab == g)
        ss_w += sum(d[i, j] ** 2 for i in idx for j in idx if i < j) / len(idx)
    f = ((ss_t - ss_w) / (a - 1)) / (ss_w / (n - a))
    assert overall.pseudo_F == pytest.approx(f, rel=1e-10)
    assert overall.R2 == pytest.approx(1 - ss_w / ss_t, rel=1e-10)
    with threadpool_limits(limits=1, user_api="openmp"):  # see otuflow.stats.beta._one_test
        sk = permanova(dm, list(lab), permutations=199, seed=3)
        disp = permdisp(dm, list(lab), permutations=199, seed=3, dimensions=n,
                        warn_neg_eigval=False)
    assert overall.pseudo_F == pytest.approx(sk["test statistic"], rel=1e-12)
    assert overall.p == sk["p-value"]
    assert overall.permdisp_F == pytest.approx(disp["test statistic"])
    assert overall.n == 18 and overall.groups == 3
    pairs = res.iloc[1:].set_index("comparison")
    assert list(pairs.index) == ["Opioid vs Control", "Opioid-S vs Control",
                                 "Opioid-T vs Control", "Opioid-S vs Opioid-T"]
    sub = dm.filter([s for s in dm.ids if groups[s] != "Opioid-T"])
    with threadpool_limits(limits=1, user_api="openmp"):
        sk_pair = permanova(sub, list(groups[list(sub.ids)]), permutations=199, seed=3)
    assert pairs.loc["Opioid-S vs Control", "pseudo_F"] == pytest.approx(
        sk_pair["test statistic"])
    assert pairs.loc["Opioid vs Control", "n"] == 18
    assert pairs.loc["Opioid-S vs Control", "p"] < 0.05
    assert np.isnan(overall.q) and pairs["q"].notna().all()
    again = permanova_table(dm, groups, permutations=199, seed=3,
                            permdisp=PermdispSettings("scikit-bio", "median"))  # fmt: skip
    pd.testing.assert_frame_equal(res, again)
    # Euclidean distances have no negative eigenvalues: vegan's PERMDISP F is scikit-bio's (up to
    # scikit-bio's spatial-median tolerance), though its p comes from other permutations.
    vegan = permanova_table(dm, groups, permutations=199, seed=3)
    np.testing.assert_allclose(vegan.permdisp_F, res.permdisp_F, rtol=1e-5)


def _line_dm(positions):
    ids = [f"s{i}" for i in range(len(positions))]
    points = np.asarray(positions, dtype=float)[:, None]
    return DistanceMatrix(squareform(pdist(points)), ids=ids)


def test_permanova_r2_by_hand():
    # Points 0, 1 (Control) and 3, 4 (Opioid-S): squared distances 1, 9, 16, 4, 9, 1, so
    # SS_T = 40 / 4 = 10, SS_W = 1/2 + 1/2 = 1, SS_A = 9; F = (9 / 1) / (1 / 2) = 18, R^2 = 0.9.
    dm = _line_dm([0, 1, 3, 4])
    groups = pd.Series(["Control", "Control", "Opioid-S", "Opioid-S"], index=dm.ids)
    overall = permanova_table(dm, groups, permutations=9).iloc[0]
    assert overall.pseudo_F == pytest.approx(18.0, rel=1e-12)
    assert overall.R2 == pytest.approx(0.9, rel=1e-12)
    assert r_squared_from_f(18.0, 4, 2) == pytest.approx(0.9, rel=1e-15)
    # Three groups, N = 9: F (a - 1) = 4 and N - a = 6 give R^2 = 4 / 10.
    assert r_squared_from_f(2.0, 9, 3) == pytest.approx(0.4, rel=1e-15)
    assert r_squared_from_f(0.0, 9, 3) == 0.0


def test_permanova_r2_limits():
    groups = pd.Series(["Control", "Control", "Opioid-S", "Opioid-S"], index=[f"s{i}" for i in
                                                                         range(4)])  # fmt: skip
    # No spread within groups: SS_W = 0, F infinite, all variation between groups.
    with np.errstate(divide="ignore"):
        separated = permanova_table(_line_dm([0, 0, 5, 5]), groups, permutations=9).iloc[0]
    assert np.isinf(separated.pseudo_F) and separated.R2 == 1.0
    # All distances zero: F and R^2 undefined.
    zero = DistanceMatrix(np.zeros((4, 4)), ids=list(groups.index))
    with np.errstate(divide="ignore", invalid="ignore"):
        flat = permanova_table(zero, groups, permutations=9).iloc[0]
    assert np.isnan(flat.pseudo_F) and np.isnan(flat.R2)


def test_permanova_table_reports_skipped_pairs():
    dm, groups, _ = _clustered_points()
    groups = groups.copy()
    groups.iloc[-5:] = "Opioid-S"  # Opioid-T keeps one sample
    res = permanova_table(dm, groups, permutations=99, seed=1)
    skipped = res[res.note.str.startswith("skipped")]
    assert set(skipped.comparison) == {"Opioid-T vs Control", "Opioid-S vs Opioid-T"}
    assert skipped.note.str.contains("Opioid-T has 1 sample").all()


def test_pcoa_of_planar_points():
    _, _, pts = _clustered_points()
    dm = DistanceMatrix(squareform(pdist(pts)), ids=[f"s{i}" for i in range(len(pts))])
    coords, prop = pcoa_table(dm)
    assert list(coords.columns) == ["PC1", "PC2"]
    assert prop.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(pdist(coords.to_numpy()), pdist(pts), atol=1e-9)


def test_nmds_recovers_planted_configuration_and_is_deterministic():
    rng = np.random.default_rng(4)
    pts = rng.uniform(size=(20, 2))
    dm = DistanceMatrix(squareform(pdist(pts)), ids=[f"s{i}" for i in range(20)])
    coords, fit = nmds(dm, n_components=2, starts=5, max_starts=5, seed=7)
    assert fit.stress < 0.01
    _, _, disparity = procrustes(pts, coords.to_numpy())
    assert disparity < 1e-3
    again, fit_again = nmds(dm, n_components=2, starts=5, max_starts=5, seed=7)
    pd.testing.assert_frame_equal(coords, again)
    assert fit.stress == fit_again.stress
    assert kruskal_stress1(dm.data, coords.to_numpy()) == pytest.approx(fit.stress, rel=1e-12)
    assert fit.converged  # an exact configuration is found from more than one start


def test_kruskal_stress1_by_hand():
    # Four points on a line at 0, 1, 2, 4; dissimilarities rank pair (0,3) below pair (1,3).
    coords = np.array([[0.0], [1.0], [2.0], [4.0]])
    dist = pdist(coords)  # pairs 01 02 03 12 13 23 -> 1 2 4 1 3 2
    delta = np.array([1, 2, 3, 1.5, 4, 2.5])  # rank order of d except 03 (4) before 13 (3)
    # Sorted by delta: d = 1, 1, 2, 2, 4, 3 -> isotonic fit 1, 1, 2, 2, 3.5, 3.5.
    fitted = {0: 1, 3: 1, 1: 2, 5: 2, 2: 3.5, 4: 3.5}
    num = sum((dist[k] - v) ** 2 for k, v in fitted.items())
    expected = np.sqrt(num / (dist**2).sum())
    assert kruskal_stress1(squareform(delta), coords) == pytest.approx(expected)
    assert kruskal_stress1(squareform(dist * 2 + 1), coords) == pytest.approx(0.0, abs=1e-12)


def test_permanova_with_single_sample_groups_is_reported_not_raised():
    dm = DistanceMatrix([[0, 0.4], [0.4, 0]], ids=["a", "b"])
    table = permanova_table(dm, pd.Series({"a": "Control", "b": "Opioid-S"}), permutations=9)
    assert table.loc[0, "comparison"] == "all groups"
    assert table.loc[0, "note"] == "every group has a single sample"
