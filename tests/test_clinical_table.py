"""Clinical table validation: every bad input is named by file, line and column."""

from __future__ import annotations

import re

import numpy as np
import pytest

from otuflow.clinical.schema import COLUMNS
from otuflow.clinical.table import ClinicalTableError, read_clinical_table
from otuflow.samplesheet import read_sample_sheet

HEADER = [c.name for c in COLUMNS]
# A complete row per patient: (patient, sex, stage, opioid, dose, days)
PATIENTS = [
    ("C01", "male", "II", "", "0", "0"),
    ("S01", "female", "III", "oxycodone", "20", "3"),
    ("T01", "male", "IV", "oxycodone", "60", "30"),
    ("P001", "female", "I", "oxycodone", "40", "10"),
]


def _row(patient, sex, stage, opioid, dose, days, **changes):
    values = {name: "1.5" for name in HEADER}
    values.update(patient=patient, sex=sex, stage=stage, opioid=opioid, dose_mg_day=dose,
                  days_on_opioid=days, age="60", tumour_type="lung", ecog="1")  # fmt: skip
    values.update(changes)
    return values


def _write_clinical(tmp_path, rows=None, header=None, extra_columns=()):
    header = list(header or HEADER) + list(extra_columns)
    rows = rows if rows is not None else [_row(*p) for p in PATIENTS]
    lines = ["\t".join(header)]
    lines += ["\t".join(str(r.get(c, "x")) for c in header) for r in rows]
    path = tmp_path / "clinical.tsv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _sheet(tmp_path, rows=None, group_only=False):
    """Sample sheet of the stool patients C01, S01, T01 (files are not checked)."""
    if group_only:
        text = "sample\tr1\tr2\tgroup\n" + "".join(
            f"{s}\t{s}_1.fq\t{s}_2.fq\t{g}\n"
            for s, g in rows or [("C01", "Control"), ("S01", "Opioid-S"), ("T01", "Opioid-T")])
    else:
        text = "sample\tr1\tr2\topioid\tdose_mg_day\tdays_on_opioid\n" + "".join(
            f"{s}\t{s}_1.fq\t{s}_2.fq\t{o}\t{d}\t{n}\n"
            for s, o, d, n in rows or [("C01", "", "0", "0"), ("S01", "oxycodone", "20", "3"),
                                       ("T01", "oxycodone", "60", "30")])  # fmt: skip
    path = tmp_path / "samples.tsv"
    path.write_text(text)
    return read_sample_sheet(path, check_files=False), path


def _read(tmp_path, clinical, sheet_rows=None, group_only=False):
    sheet, sheet_path = _sheet(tmp_path, sheet_rows, group_only)
    return read_clinical_table(clinical, sheet, sheet_path)


def test_a_valid_table_is_read_with_groups_and_stool_samples(tmp_path):
    table = _read(tmp_path, _write_clinical(tmp_path, extra_columns=["ward", "smoker"]))
    data = table.data
    assert list(data.index) == ["C01", "S01", "T01", "P001"]
    assert data["group"].tolist() == ["Control", "Opioid-S", "Opioid-T", "Opioid-T"]
    assert data["opioid_group"].tolist() == ["Control", "Opioid", "Opioid", "Opioid"]
    assert data["sample"].tolist() == ["C01", "S01", "T01", ""]
    assert data["line"].tolist() == [2, 3, 4, 5]
    assert table.unknown_columns == ("ward", "smoker")
    assert "ward" not in data.columns
    assert list(table.stool.index) == ["C01", "S01", "T01"]
    assert data.loc["S01", "il6"] == 1.5


def test_empty_cells_are_missing_values_and_categories_are_canonical(tmp_path):
    rows = [_row(*p) for p in PATIENTS]
    rows[0].update(il6="", stage="iv", bmi="NA")
    table = _read(tmp_path, _write_clinical(tmp_path, rows))
    assert np.isnan(table.data.loc["C01", "il6"]) and np.isnan(table.data.loc["C01", "bmi"])
    assert table.data.loc["C01", "stage"] == "IV"


def _error(tmp_path, clinical, **kwargs) -> str:
    with pytest.raises(ClinicalTableError) as info:
        _read(tmp_path, clinical, **kwargs)
    return str(info.value)


def test_a_non_numeric_cytokine_names_file_line_and_column(tmp_path):
    rows = [_row(*p) for p in PATIENTS]
    rows[2]["il6"] = "high"
    message = _error(tmp_path, _write_clinical(tmp_path, rows))
    assert re.search(r"clinical\.tsv: line 4: column il6 is 'high', which is not a number", message)


def test_a_negative_count_names_file_line_and_column(tmp_path):
    rows = [_row(*p) for p in PATIENTS]
    rows[1]["wbc"] = "-3.2"
    message = _error(tmp_path, _write_clinical(tmp_path, rows))
    assert "clinical.tsv: line 3: column wbc is -3.2, a negative value" in message


def test_a_percentage_above_100_is_refused(tmp_path):
    rows = [_row(*p) for p in PATIENTS]
    rows[0]["cd4_pct"] = "140"
    message = _error(tmp_path, _write_clinical(tmp_path, rows))
    assert "line 2: column cd4_pct is 140" in message and "<= 100" in message


def test_stage_v_is_not_an_allowed_value(tmp_path):
    rows = [_row(*p) for p in PATIENTS]
    rows[3]["stage"] = "V"
    message = _error(tmp_path, _write_clinical(tmp_path, rows))
    expected = "clinical.tsv: line 5: column stage is 'V', which is not one of I, II, III, IV"
    assert expected in message


def test_a_sample_sheet_patient_missing_from_the_clinical_table(tmp_path):
    rows = [_row(*p) for p in PATIENTS if p[0] != "S01"]
    message = _error(tmp_path, _write_clinical(tmp_path, rows))
    assert re.search(r"samples\.tsv: line 3: sample 'S01' belongs to patient 'S01', who is "
                     r"not in the clinical table .*clinical\.tsv \(column patient\)", message)


def test_a_patient_column_in_the_sample_sheet_links_samples_to_patients(tmp_path):
    clinical = _write_clinical(tmp_path)
    sheet_path = tmp_path / "samples.tsv"
    sheet_path.write_text("sample\tr1\tr2\tpatient\tgroup\nstool1\ta\tb\tT01\tOpioid-T\n"
                          "stool2\tc\td\tnobody\tControl\n")  # fmt: skip
    sheet = read_sample_sheet(sheet_path, check_files=False)
    with pytest.raises(ClinicalTableError, match=r"line 3: sample 'stool2' belongs to patient "
                                                 r"'nobody'"):  # fmt: skip
        read_clinical_table(clinical, sheet, sheet_path)
    sheet_path.write_text("sample\tr1\tr2\tpatient\tgroup\nstool1\ta\tb\tT01\tOpioid-T\n")
    table = read_clinical_table(clinical, read_sample_sheet(sheet_path, check_files=False),
                                sheet_path)  # fmt: skip
    assert table.data.loc["T01", "sample"] == "stool1"


def test_duplicated_patient_ids(tmp_path):
    rows = [_row(*p) for p in PATIENTS] + [_row("S01", "male", "I", "", "0", "0")]
    message = _error(tmp_path, _write_clinical(tmp_path, rows))
    assert "clinical.tsv: line 6: column patient: 'S01' is already on line 3" in message


@pytest.mark.parametrize(
    ("sheet_rows", "column", "given", "theirs"),
    [
        ([("C01", "", "0", "0"), ("S01", "oxycodone", "25", "3"),
          ("T01", "oxycodone", "60", "30")], "dose_mg_day", "25.0", "20.0"),
        ([("C01", "", "0", "0"), ("S01", "oxycodone", "20", "3"),
          ("T01", "oxycodone", "60", "31")], "days_on_opioid", "31.0", "30.0"),
        ([("C01", "morphine", "10", "2"), ("S01", "oxycodone", "20", "3"),
          ("T01", "oxycodone", "60", "30")], "opioid", "'morphine'", "''"),
    ],
)
def test_opioid_fields_that_disagree_between_the_tables(tmp_path, sheet_rows, column, given,
                                                        theirs):  # fmt: skip
    message = _error(tmp_path, _write_clinical(tmp_path), sheet_rows=sheet_rows)
    assert f"column {column} of sample" in message and f"is {given}, but" in message
    assert re.search(rf"clinical\.tsv: line \d: column {column} of patient .* is "
                     rf"{re.escape(theirs)}", message)
    assert "samples.tsv: line" in message


def test_a_sheet_group_that_disagrees_with_the_clinical_opioid_fields(tmp_path):
    message = _error(tmp_path, _write_clinical(tmp_path), group_only=True,
                     sheet_rows=[("C01", "Control"), ("S01", "Opioid-T"), ("T01", "Opioid-T")])
    assert "samples.tsv: line 3: sample 'S01' is in group 'Opioid-T'" in message
    assert "clinical.tsv: line 3 (patient 'S01') give 'Opioid-S'" in message


def test_missing_required_column_and_unknown_columns(tmp_path):
    header = [h for h in HEADER if h != "sex"]
    message = _error(tmp_path, _write_clinical(tmp_path, header=header))
    assert "line 1: missing required column(s) sex" in message


def test_a_row_with_a_wrong_number_of_fields(tmp_path):
    path = _write_clinical(tmp_path)
    path.write_text(path.read_text() + "P002\tmale\n")
    assert "clinical.tsv: line 6: 2 fields but the header has" in _error(tmp_path, path)


def test_an_opioid_user_needs_dose_and_days(tmp_path):
    rows = [_row(*p) for p in PATIENTS]
    rows[3]["days_on_opioid"] = ""
    message = _error(tmp_path, _write_clinical(tmp_path, rows))
    assert "line 5: column days_on_opioid is empty for a patient on oxycodone" in message
