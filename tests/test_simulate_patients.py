"""The simulated clinical table: cohort size, stool patients, planted and balanced fields."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from otuflow.clinical.schema import COLUMNS
from otuflow.simulate.clinical import clinical_record, group_of, sample_id
from otuflow.simulate.patients import (
    LINK_MEASURE,
    N_CONTROL,
    N_OPIOID,
    NUMBERS,
    patient_table,
)


def _table(seed=7):
    rng = np.random.default_rng(seed)
    stool = [(sample_id(g, k), g, clinical_record(g, k, rng))
             for g, n in (("Control", 7), ("Opioid-S", 10), ("Opioid-T", 8)) for k in range(n)]
    link = rng.lognormal(size=len(stool))
    rows, truth = patient_table(stool, link, np.random.default_rng(seed))
    table = pd.DataFrame(rows)
    for c in COLUMNS:
        if c.kind == "number":
            table[c.name] = table[c.name].astype(float)
    return stool, link, table, pd.DataFrame(truth).set_index("field")


def test_the_cohort_has_186_patients_with_the_stool_donors_first():
    stool, _, table, _ = _table()
    assert len(table) == N_CONTROL + N_OPIOID == 186
    assert table["patient"].is_unique
    assert (table["opioid"] == "").sum() == N_CONTROL
    head = table.iloc[: len(stool)]
    assert head["patient"].tolist() == [s for s, _, _ in stool]
    for (_, group, record), (_, row) in zip(stool, head.iterrows(), strict=True):
        assert row["opioid"] == record.opioid
        assert row["dose_mg_day"] == record.dose_mg_day
        assert row["days_on_opioid"] == record.days_on_opioid
        assert group_of(record) == group
    assert list(table.columns) == [c.name for c in COLUMNS]


def test_planted_effects_point_the_way_the_truth_says_and_balanced_fields_are_balanced():
    _, _, table, truth = _table()
    opioid = table["opioid"] != ""
    for field, (_, sd, shift, _) in NUMBERS.items():
        difference = table.loc[opioid, field].mean() - table.loc[~opioid, field].mean()
        assert truth.loc[field, "shift_sd"] == shift
        if shift == 0:
            assert truth.loc[field, "planted"] == "none"
            assert abs(difference) < 0.25 * sd, field  # stratified draws: close means
        else:
            assert truth.loc[field, "planted"] == ("up" if shift > 0 else "down")
            assert np.sign(difference) == np.sign(shift), field
    for field in ("sex", "tumour_type", "stage", "ecog"):
        shares = pd.crosstab(table[field], opioid, normalize="columns")
        assert (shares[True] - shares[False]).abs().max() < 0.05, field


def test_the_planted_link_ranks_the_measure_by_the_genus_in_the_stool_patients():
    stool, link, table, _ = _table()
    rho = stats.spearmanr(link, table[LINK_MEASURE].iloc[: len(stool)]).statistic
    assert rho > 0.8
    numbers = [c.name for c in COLUMNS if c.kind == "number" and c.name not in (
        "dose_mg_day", "days_on_opioid")]  # fmt: skip
    assert (table[numbers] > 0).all().all()


def test_same_seed_same_table():
    assert _table(3)[2].equals(_table(3)[2])
    assert not _table(3)[2].equals(_table(4)[2])


def test_a_simulated_cohort_has_a_clinical_table_the_reader_accepts(tmp_path):
    from otuflow.clinical.table import read_clinical_table
    from otuflow.samplesheet import read_sample_sheet
    from otuflow.simulate import simulate_cohort
    from otuflow.simulate.cohort import existing_cohort_problem
    from otuflow.simulate.params import CohortParams

    cohort = simulate_cohort(tmp_path / "c", seed=5, samples_per_group=(2, 2, 2),
                             pairs_per_sample=50)  # fmt: skip
    sheet = read_sample_sheet(cohort / "samples.tsv")
    table = read_clinical_table(cohort / "clinical.tsv", sheet, cohort / "samples.tsv")
    assert len(table.data) == 186 and (table.data["sample"] != "").sum() == 6
    assert table.unknown_columns == ()
    assert (table.stool["group"] == sheet["group"]).all()
    for name in ("clinical_effects.tsv", "clinical_link.tsv"):
        assert (cohort / "truth" / name).is_file()
    params = CohortParams(5, (2, 2, 2), 50)
    assert existing_cohort_problem(cohort, params) is None
    (cohort / "clinical.tsv").unlink()  # a cohort of an older otuflow is not reused
    assert "without the clinical table" in existing_cohort_problem(cohort, params)
