"""Beta and alpha diversity against R (vegan, phyloseq, GUniFrac) on the demo cohort's results.

tests/reference/beta_vegan holds the inputs (the demo's rarefied OTU table, rooted tree and groups),
the R script that computed the references and its outputs, so the comparison runs without R; when
R and the packages are installed (`make test-tools`), the script is also run again and must give
the stored values.

Tolerances: deterministic quantities to 1e-9 relative (distances, PERMANOVA F and R^2, PERMDISP F
with converged spatial medians; Chao1 and Shannon to 1e-12); permutation p-values within Monte
Carlo error (R and otuflow draw different permutations); vegan's own median PERMDISP F to 1e-5,
because vegan stops its spatial-median search (R's BFGS) at a relative change of 1.5e-8 in the
sum of distances (otuflow.stats.betadisper; up to 6e-6 relative seen here).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from otuflow.samplesheet import read_group_table
from otuflow.stats.alpha import alpha_diversity
from otuflow.stats.beta import (
    PermdispSettings,
    beta_diversity,
    nmds,
    permanova_table,
    read_distance_matrix,
)
from otuflow.stats.beta_metrics import METRICS
from otuflow.stats.nmds import kruskal_stress1

REFERENCE = Path(__file__).parent / "reference" / "beta_vegan"
PERMUTATIONS = 999


def _monte_carlo_tolerance(p: float) -> float:
    """Four standard errors of a p-value from 999 permutations, plus two permutations."""
    return 4 * np.sqrt(max(p * (1 - p), 1 / PERMUTATIONS) / PERMUTATIONS) + 2 / PERMUTATIONS


@pytest.fixture(scope="module")
def counts() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "rarefied_otu_table.tsv", sep="\t", index_col=0)


@pytest.fixture(scope="module")
def groups(counts) -> pd.Series:
    return read_group_table(REFERENCE / "groups.tsv").reindex(counts.columns)


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "reference_beta_tests.tsv", sep="\t", index_col="metric")


def _r_distances(name: str):
    return read_distance_matrix(REFERENCE / f"reference_distance_{name}.tsv")


def test_reference_covers_every_metric(reference):
    assert set(reference.index) == set(METRICS)


@pytest.mark.parametrize("metric", METRICS)
def test_distances_equal_phyloseq_and_vegan(counts, metric):
    ours = beta_diversity(counts, metric, REFERENCE / "otus.tree")
    theirs = _r_distances(metric)
    assert list(ours.ids) == list(theirs.ids)
    np.testing.assert_allclose(ours.data, theirs.data, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("metric", "gunifrac"), [
    ("unweighted_unifrac", "gunifrac_unweighted"),
    ("weighted_normalized_unifrac", "gunifrac_weighted_normalized"),
])  # fmt: skip
def test_unifrac_equals_gunifrac(counts, metric, gunifrac):
    ours = beta_diversity(counts, metric, REFERENCE / "otus.tree")
    np.testing.assert_allclose(ours.data, _r_distances(gunifrac).data, rtol=1e-9, atol=1e-12)


def test_alpha_equals_vegan(counts):
    ours = alpha_diversity(counts, shannon_base=2)
    theirs = pd.read_csv(REFERENCE / "reference_alpha.tsv", sep="\t", index_col=0)
    np.testing.assert_allclose(ours.loc[theirs.index, "chao1"], theirs["chao1"], rtol=1e-12)
    np.testing.assert_allclose(ours.loc[theirs.index, "shannon_base2"], theirs["shannon_base2"],
                               rtol=1e-12)  # fmt: skip


@pytest.mark.parametrize("metric", METRICS)
def test_permanova_equals_adonis2(groups, reference, metric):
    row = permanova_table(_r_distances(metric), groups, PERMUTATIONS, seed=42).iloc[0]
    r = reference.loc[metric]
    assert row.pseudo_F == pytest.approx(r.permanova_F, rel=1e-9)
    assert row.R2 == pytest.approx(r.permanova_R2, rel=1e-9)
    assert abs(row.p - r.permanova_p) <= _monte_carlo_tolerance(r.permanova_p)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("centre", ["median", "centroid"])
def test_permdisp_equals_betadisper_permutest(groups, reference, metric, centre):
    settings = PermdispSettings("vegan", centre)
    dm = _r_distances(metric)
    f, p = settings.run(dm, groups.loc[list(dm.ids)].to_numpy(), PERMUTATIONS, seed=42)
    r = reference.loc[metric]
    if centre == "median":
        assert f == pytest.approx(r.permdisp_median_converged_F, rel=1e-9)
        assert f == pytest.approx(r.permdisp_median_F, rel=1e-5)
    else:
        assert f == pytest.approx(r.permdisp_centroid_F, rel=1e-9)
    expected_p = r[f"permdisp_{centre}_p"]
    assert abs(p - expected_p) <= _monte_carlo_tolerance(expected_p)


def test_scikit_bio_permdisp_differs_from_vegan_on_unifrac(groups, reference):
    """The two definitions are not interchangeable on non-Euclidean distances (why both exist)."""
    dm = _r_distances("unweighted_unifrac")
    grouping = groups.loc[list(dm.ids)].to_numpy()
    f_skbio, _ = PermdispSettings("scikit-bio", "median").run(dm, grouping, 0, seed=1)
    assert abs(f_skbio - reference.loc["unweighted_unifrac", "permdisp_median_F"]) > 0.05


@pytest.mark.parametrize("metric", METRICS)
def test_nmds_stress_not_above_metamds(reference, metric):
    dm = _r_distances(metric)
    configuration, fit = nmds(dm, seed=42)
    assert fit.stress <= reference.loc[metric, "metamds_stress"] + 1e-9
    stress = kruskal_stress1(dm.data, configuration.to_numpy())
    assert stress == pytest.approx(fit.stress, rel=1e-12)


def test_r_script_reproduces_the_stored_references(tmp_path):
    if shutil.which("Rscript") is None:
        pytest.skip("needs R with vegan, phyloseq and GUniFrac (run `make test`)")
    run = subprocess.run(["Rscript", "make_reference.R", str(tmp_path)], cwd=REFERENCE,
                         capture_output=True, text=True)  # fmt: skip
    if "there is no package called" in run.stderr:
        pytest.skip(f"an R package is missing: {run.stderr.strip().splitlines()[-1]}")
    assert run.returncode == 0, run.stderr[-3000:]
    for stored in sorted(REFERENCE.glob("reference_*.tsv")):
        fresh = pd.read_csv(tmp_path / stored.name, sep="\t")
        expected = pd.read_csv(stored, sep="\t")
        pd.testing.assert_frame_equal(fresh, expected, check_exact=False, rtol=1e-12)
