"""Clinical statistics against R: stored outputs of tests/reference/clinical_r/make_reference.R.

The inputs (the demo's clinical table, and beta_vegan's rarefied OTU table and Bray-Curtis
distances) are in tests/reference/; R is not needed to run these tests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from skbio import DistanceMatrix

from otuflow.clinical.compare import (
    ANOVA,
    FISHER,
    FISHER_RESAMPLES,
    KRUSKAL,
    characteristics_table,
    contingency_test,
    measure_tests,
)
from otuflow.clinical.links import genus_host_correlations
from otuflow.clinical.schema import HOST_MEASURES, TABLE1_FIELDS, TABLE2_FIELDS
from otuflow.clinical.table import read_clinical_table
from otuflow.samplesheet import read_sample_sheet
from otuflow.stats.adonis import permanova_margin

REF = Path(__file__).parent / "reference" / "clinical_r"
VEGAN = Path(__file__).parent / "reference" / "beta_vegan"
REL = 1e-9


def _ref(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name, sep="\t", skipinitialspace=True)


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    """The clinical table with beta_vegan's samples as the stool patients."""
    otus = pd.read_csv(VEGAN / "rarefied_otu_table.tsv", sep="\t", index_col=0)
    groups = pd.read_csv(VEGAN / "groups.tsv", sep="\t", index_col=0)["group"]
    sheet_path = tmp_path_factory.mktemp("clinical") / "samples.tsv"
    sheet_path.write_text("sample\tr1\tr2\tgroup\n" + "".join(
        f"{s}\t{s}_1.fq\t{s}_2.fq\t{groups[s]}\n" for s in otus.columns))  # fmt: skip
    sheet = read_sample_sheet(sheet_path, check_files=False)
    return read_clinical_table(REF / "clinical.tsv", sheet, sheet_path)


def test_student_t_tests_equal_r(table):
    reference = _ref("reference_ttest.tsv").set_index(["measure", "subset"])
    measures = [m for m in reference.index.get_level_values(0).unique()]
    ours = pd.concat([measure_tests(table.data, measures, "a"),
                      measure_tests(table.data, measures, "b", by_sex=True)])  # fmt: skip
    assert len(ours) == len(reference) == 17 * 5
    for _, row in ours.iterrows():
        expected = reference.loc[(row["measure"], row["subset"])]
        assert row["t"] == pytest.approx(expected["t"], rel=REL, abs=1e-12)
        assert row["df"] == pytest.approx(expected["df"])
        assert row["p"] == pytest.approx(expected["p"], rel=1e-7, abs=1e-15)


def _crosstab(rows: pd.Series, columns: pd.Series) -> np.ndarray:
    return pd.crosstab(rows, columns).to_numpy()


def _tables(table) -> dict[str, np.ndarray]:
    """The same contingency tables as make_reference.R."""
    data, stool = table.data, table.stool
    out = {}
    for field in ("sex", "tumour_type", "stage", "ecog"):
        out[f"all:{field}"] = _crosstab(data[field], data["opioid_group"])
        out[f"stool:{field}"] = _crosstab(stool[field], stool["group"])
    out["all:sex_by_stage"] = _crosstab(data["stage"], data["sex"])
    out["stool:sex_by_opioid"] = _crosstab(stool["sex"], stool["opioid_group"])
    out["stool:il6_high_by_group"] = _crosstab(stool["il6"] > stool["il6"].median(),
                                               stool["group"])  # fmt: skip
    out["stool:tnf_alpha_high_by_opioid"] = _crosstab(
        stool["tnf_alpha"] > stool["tnf_alpha"].median(), stool["opioid_group"])
    out["all:ecog_by_tumour_type"] = _crosstab(data["ecog"], data["tumour_type"])
    return out


def test_chi_square_and_fisher_equal_r(table):
    reference = _ref("reference_counts.tsv").set_index("table")
    tables = _tables(table)
    assert set(tables) == set(reference.index)
    fisher_seen = chi_seen = 0
    for name, counts in tables.items():
        expected = reference.loc[name]
        test, statistic, df, p = contingency_test(counts, seed=1)
        if expected["min_expected"] < 5:
            fisher_seen += 1
            assert test.startswith(FISHER)
            if counts.shape == (2, 2):  # exact in both
                assert p == pytest.approx(expected["fisher_p"], rel=1e-9)
            else:  # R exact, scipy Monte Carlo: within 5 standard errors
                se = np.sqrt(max(expected["fisher_p"] * (1 - expected["fisher_p"]), 1e-4)
                             / FISHER_RESAMPLES)  # fmt: skip
                assert abs(p - expected["fisher_p"]) < 5 * se + 1 / FISHER_RESAMPLES, name
        else:
            chi_seen += 1
            assert "χ²" in test
            assert statistic == pytest.approx(expected["chi2"], rel=REL, abs=1e-12)
            assert df == expected["df"]
            assert p == pytest.approx(expected["chi2_p"], rel=1e-9)
    assert fisher_seen >= 5 and chi_seen >= 4


def test_anova_and_kruskal_wallis_equal_r(table):
    from otuflow.clinical.compare import continuous_test

    reference = _ref("reference_groups.tsv").set_index("measure")
    stool = table.stool
    for measure, expected in reference.iterrows():
        groups = ["Opioid-S", "Opioid-T"] + ([] if measure in ("dose_mg_day", "days_on_opioid")
                                             else ["Control"])  # fmt: skip
        samples = [stool.loc[stool["group"] == g, measure].to_numpy() for g in groups]
        test, statistic, df, p = continuous_test(samples, student=False)
        if test.startswith(ANOVA):
            assert statistic == pytest.approx(expected["anova_F"], rel=REL)
            assert df == expected["anova_df"]
            assert p == pytest.approx(expected["anova_p"], rel=1e-9)
        else:
            assert test.startswith(KRUSKAL)
            assert statistic == pytest.approx(expected["kruskal_H"], rel=REL)
            assert p == pytest.approx(expected["kruskal_p"], rel=1e-9)
    # both tests are used on these data, so both were compared
    tests = [continuous_test([stool.loc[stool["group"] == g, m].to_numpy()
                              for g in ("Opioid-S", "Opioid-T")], student=False)[0]
             for m in ("age", "days_on_opioid")]  # fmt: skip
    assert tests[0].startswith(ANOVA) and tests[1].startswith(KRUSKAL)


def test_tables_1_and_2_rows_carry_the_r_values(table):
    reference = _ref("reference_ttest.tsv").set_index(["measure", "subset"])
    table1 = characteristics_table(table.data, TABLE1_FIELDS, "opioid_group",
                                   ["Control", "Opioid"], seed=1).set_index("Characteristic")
    assert table1.loc["Age (years), mean ± SD", "Statistic"] == pytest.approx(
        reference.loc[("age", "all"), "t"], rel=REL)
    counts = _ref("reference_counts.tsv").set_index("table")
    assert table1.loc["Tumour type, n (%)", "Statistic"] == pytest.approx(
        counts.loc["all:tumour_type", "chi2"], rel=REL)
    groups = _ref("reference_groups.tsv").set_index("measure")
    table2 = characteristics_table(table.stool, TABLE2_FIELDS, "group",
                                   ["Opioid-S", "Opioid-T", "Control"], seed=1)
    row = table2.set_index("Characteristic").loc["Days of opioid use (days), mean ± SD"]
    assert row["Test"].startswith(KRUSKAL) and "between Opioid-S and Opioid-T" in row["Test"]
    assert row["p"] == pytest.approx(groups.loc["days_on_opioid", "kruskal_p"], rel=1e-9)
    assert table2.set_index("Characteristic").loc["Sex, n (%)", "Test"].startswith(FISHER)


def test_spearman_correlations_equal_r(table):
    reference = _ref("reference_spearman.tsv").set_index(["genus", "measure"])
    otus = pd.read_csv(VEGAN / "rarefied_otu_table.tsv", sep="\t", index_col=0)
    ours = genus_host_correlations(otus, table.stool, list(HOST_MEASURES), 0.2, 0.001)
    assert len(ours) == len(reference) > 100
    for _, row in ours.iterrows():
        expected = reference.loc[(row["genus"], row["measure"])]
        assert row["rho"] == pytest.approx(expected["rho"], rel=REL, abs=1e-12)
        assert row["p"] == pytest.approx(expected["p"], rel=1e-8)
        assert row["q"] == pytest.approx(expected["q"], rel=1e-8)


def test_permanova_with_marginal_terms_equals_adonis2(table):
    reference = _ref("reference_adonis2.tsv").set_index("term")
    bray = pd.read_csv(VEGAN / "reference_distance_braycurtis.tsv", sep="\t", index_col=0)
    samples = list(table.stool.index)
    dm = DistanceMatrix(bray.loc[samples, samples].to_numpy(), samples)
    permutations = np.loadtxt(REF / "permutations.tsv", dtype=int) - 1  # R is 1-based
    result = permanova_margin(dm, table.stool, ["group", "age", "sex"],
                              permutation_rows=permutations)  # fmt: skip
    assert list(result.index) == list(reference.index)
    for column in ("Df", "SumOfSqs", "R2"):
        np.testing.assert_allclose(result[column], reference[column], rtol=1e-9)
    np.testing.assert_allclose(result["F"].iloc[:3], reference["F"].iloc[:3], rtol=1e-9)
    # the same permutations give exactly vegan's p values
    np.testing.assert_array_equal(result["p"].iloc[:3], reference["p"].iloc[:3])
