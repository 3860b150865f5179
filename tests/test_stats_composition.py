"""Relative abundance, top-N with Other, group means and the comparison plan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from otuflow.stats.comparisons import comparisons, plan_comparisons, run_pairwise
from otuflow.stats.composition import group_means, relative_abundance, top_n_with_other
from otuflow.stats.welch import stamp_welch


def _counts():
    return pd.DataFrame(
        {"s1": [50, 30, 10, 5, 5, 0], "s2": [20, 40, 0, 30, 0, 10], "s3": [0, 0, 0, 0, 0, 0]},
        index=["Bacteroides", "Prevotella", "Blautia", "Unassigned", "Dorea", "Roseburia"])


def test_relative_abundance_and_empty_sample():
    rel = relative_abundance(_counts())
    assert rel.loc["Bacteroides", "s1"] == pytest.approx(0.5)
    assert rel.loc["Roseburia", "s2"] == pytest.approx(0.1)
    np.testing.assert_allclose(rel[["s1", "s2"]].sum(), 1.0)
    assert (rel["s3"] == 0).all()


def test_top_n_with_other_keeps_unassigned_explicit():
    rel = relative_abundance(_counts())[["s1", "s2"]]
    top = top_n_with_other(rel, n=2)
    # Means: Bacteroides .35, Prevotella .35, Unassigned .175 (kept), Blautia .05, Roseburia .05,
    # Dorea .025 -> top 2 (tie broken by name), Unassigned, Other = the remaining three.
    assert list(top.index) == ["Bacteroides", "Prevotella", "Unassigned", "Other"]
    assert top.loc["Other", "s1"] == pytest.approx(0.15)
    assert top.loc["Other", "s2"] == pytest.approx(0.10)
    np.testing.assert_allclose(top.sum(), 1.0)
    assert list(top_n_with_other(rel, n=10).index)[-1] == "Unassigned"  # nothing folded
    with pytest.raises(ValueError, match="already has a feature named 'Other'"):
        top_n_with_other(rel.rename(index={"Dorea": "Other"}))


def test_group_means():
    rel = relative_abundance(_counts())
    groups = pd.Series({"s1": "Control", "s2": "Opioid-S", "s3": "Control"})
    means = group_means(rel, groups)
    assert list(means.columns) == ["Control", "Opioid-S"]
    assert means.loc["Bacteroides", "Control"] == pytest.approx(0.25)
    assert means.loc["Prevotella", "Opioid-S"] == pytest.approx(0.4)


def test_plan_for_the_study_design():
    groups = pd.Series(["Control"] * 3 + ["Opioid-S"] * 4 + ["Opioid-T"] * 2,
                       index=[f"s{i}" for i in range(9)])
    planned, skipped = plan_comparisons(groups)
    assert skipped == []
    assert [c.label for c in planned] == ["Opioid vs Control", "Opioid-S vs Control",
                                          "Opioid-T vs Control", "Opioid-S vs Opioid-T"]
    name_a, samples_a, name_b, samples_b = planned[0]
    assert (name_a, name_b) == ("Opioid", "Control")
    assert samples_a == tuple(f"s{i}" for i in range(3, 9))
    assert set(planned[0].groups()) == {"Opioid", "Control"}


def test_plan_skips_small_groups_and_useless_pooling():
    groups = pd.Series(["Control"] * 3 + ["Opioid-S"] * 3 + ["Opioid-T"],
                       index=[f"s{i}" for i in range(7)])
    planned, skipped = plan_comparisons(groups)
    assert [c.label for c in planned] == ["Opioid vs Control", "Opioid-S vs Control"]
    assert {(s.name_a, s.name_b) for s in skipped} == {("Opioid-T", "Control"),
                                                       ("Opioid-S", "Opioid-T")}
    assert all("Opioid-T has 1 sample(s) (< 2)" in s.reason for s in skipped)
    only_s = groups[groups != "Opioid-T"]
    planned, skipped = plan_comparisons(only_s)
    assert [c.label for c in planned] == ["Opioid-S vs Control"]
    assert "would repeat a pairwise comparison" in skipped[0].reason
    other = pd.Series(["x", "x", "y", "y"], index=list("abcd"))
    assert [c.label for c in comparisons(other)] == ["x vs y"]


def test_run_pairwise_stacks_results():
    rng = np.random.default_rng(0)
    counts = pd.DataFrame(rng.poisson(20, (5, 8)), columns=[f"s{i}" for i in range(8)])
    groups = pd.Series(["Control"] * 3 + ["Opioid-S"] * 3 + ["Opioid-T"] * 2,
                       index=counts.columns)
    res = run_pairwise(stamp_welch, counts, groups)
    assert list(res.comparison.unique()) == ["Opioid vs Control", "Opioid-S vs Control",
                                             "Opioid-T vs Control", "Opioid-S vs Opioid-T"]
    pooled = res[res.comparison == "Opioid vs Control"]
    assert (pooled.n_a == 5).all() and (pooled.n_b == 3).all()
    direct = stamp_welch(counts, groups.replace({"Opioid-S": "Opioid", "Opioid-T": "Opioid"}),
                         "Opioid", "Control")
    np.testing.assert_allclose(pooled.p, direct.p)
