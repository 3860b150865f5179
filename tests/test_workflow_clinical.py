"""End to end on the demo cohort: the clinical part against the simulator's planted truth.

Reuses the session's run of the whole workflow (``demo_run``), which names the cohort's
simulated clinical table (186 patients, the 25 stool donors among them).
"""

from __future__ import annotations

import re
from html import escape

import pandas as pd
import pytest

from otuflow.clinical.schema import BY_NAME, CYTOKINES, IMMUNE, TABLE1_FIELDS, TABLE2_FIELDS
from otuflow.plan import CLINICAL_FIGURES
from otuflow.report.patients import TABLE1_TITLE, TABLE2_TITLE

pytestmark = [pytest.mark.slow, pytest.mark.external]


@pytest.fixture(scope="module")
def demo(demo_run):
    cohort, _, workdir = demo_run
    return cohort, workdir / "results"


def _tsv(path):
    return pd.read_csv(path, sep="\t")


def test_every_clinical_output_exists_with_png_and_svg(demo):
    _, out = demo
    tables = ["columns", "table1_all_patients", "table2_stool_patients", "host_measure_tests",
              "genus_host_correlations", "permanova_covariates"]  # fmt: skip
    missing = [t for t in tables if not (out / "clinical" / f"{t}.tsv").is_file()]
    missing += [f"{s}{e}" for s in CLINICAL_FIGURES for e in (".png", ".svg")
                if not (out / "clinical" / f"{s}{e}").is_file()]  # fmt: skip
    assert not missing


def test_every_planted_clinical_effect_is_found(demo):
    cohort, out = demo
    truth = _tsv(cohort / "truth" / "clinical_effects.tsv").set_index("field")
    tests = _tsv(out / "clinical" / "host_measure_tests.tsv")
    overall = tests[tests["subset"] == "all"].set_index("measure")
    for measure in [*CYTOKINES, *IMMUNE]:
        if measure not in truth.index:  # the CD4/CD8 ratio is derived, nothing planted
            continue
        row = overall.loc[measure]
        difference = row["mean_b"] - row["mean_a"]  # Opioid - Control
        if truth.loc[measure, "planted"] == "none":
            assert row["p"] >= 0.05, measure
        else:
            assert row["p"] < 0.05, measure
            assert (difference > 0) == (truth.loc[measure, "planted"] == "up"), measure
    # Fig. 2: the clearly raised cytokines within each sex as well
    by_sex = tests[tests["figure"] == "Fig. 2"].set_index(["measure", "subset"])
    for measure in ("il6", "tnf_alpha"):
        for sex in ("male", "female"):
            assert by_sex.loc[(measure, sex), "p"] < 0.05


def _tested_rows(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["p"].notna()].set_index("Characteristic")


def test_balanced_fields_show_no_difference_in_tables_1_and_2(demo):
    _, out = demo
    table1 = _tested_rows(_tsv(out / "clinical" / "table1_all_patients.tsv"))
    table2 = _tested_rows(_tsv(out / "clinical" / "table2_stool_patients.tsv"))
    assert len(table1) == len(TABLE1_FIELDS) and len(table2) == len(TABLE2_FIELDS)
    assert table1.columns[:2].tolist() == ["Control (n = 100)", "Opioid (n = 86)"]
    # dose and days define the opioid groups (Opioid-T: >= 7 days at >= 30 mg/day)
    by_design = {f"{BY_NAME[f].label_with_unit}, mean ± SD" for f in ("dose_mg_day",
                                                                       "days_on_opioid")}
    balanced = pd.concat([table1["p"], table2.drop(index=list(by_design))["p"]])
    assert (balanced < 0.05).sum() <= 1, balanced[balanced < 0.05]
    assert table2.loc[f"{BY_NAME['days_on_opioid'].label_with_unit}, mean ± SD", "p"] < 0.05
    # each row states its test; small expected counts switch to Fisher's test
    assert table1["Test"].str.len().gt(0).all() and table2["Test"].str.len().gt(0).all()
    assert table2.loc["Sex, n (%)", "Test"].startswith("Fisher's exact test")
    assert "continuity correction" in table1.loc["Sex, n (%)", "Test"]


def test_the_planted_microbe_cytokine_link_is_the_top_correlation(demo):
    cohort, out = demo
    link = _tsv(cohort / "truth" / "clinical_link.tsv").iloc[0]
    correlations = _tsv(out / "clinical" / "genus_host_correlations.tsv")
    top = correlations.sort_values("p").iloc[0]
    assert (top["genus"], top["measure"]) == (link["genus"], link["measure"])
    assert top["q"] < 0.05 and top["rho"] > 0
    assert set(correlations["measure"]) == set(CYTOKINES) | set(IMMUNE)


def test_permanova_with_covariates_has_marginal_terms_for_every_metric(demo):
    _, out = demo
    table = _tsv(out / "clinical" / "permanova_covariates.tsv")
    metrics = set(_tsv(out / "beta" / "permanova.tsv")["metric"])
    assert set(table["metric"]) == metrics
    for _, rows in table.groupby("metric"):
        rows = rows.set_index("term")
        assert rows.index.tolist() == ["group", "age", "sex", "Residual", "Total"]
        assert rows.loc["group", "Df"] == 2 and rows.loc["Total", "Df"] == rows["n"].iloc[0] - 1
        assert rows.loc["Total", "R2"] == pytest.approx(1.0)
        assert 0 < rows.loc["group", "p"] <= 1


def test_the_report_has_a_patients_section_with_tables_1_and_2(demo):
    _, out = demo
    page = (out / "report.html").read_text()
    assert re.search(r"<h2[^>]*>[^<]*Patients", page)
    for title in (TABLE1_TITLE, TABLE2_TITLE):
        assert escape(title) in page
    assert "Control (n = 100)" in page and "Opioid-S (n = 10)" in page
    for stem in CLINICAL_FIGURES:
        assert f"clinical/{stem}.png" in page
