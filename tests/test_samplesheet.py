"""Sample-sheet validation and group derivation."""

from __future__ import annotations

import pytest

from otuflow.samplesheet import GroupRule, SampleSheetError, derive_group, read_sample_sheet

RULE = GroupRule(min_days=7, min_dose_mg_day=30)


@pytest.mark.parametrize(
    ("opioid", "dose", "days", "group"),
    [
        ("", 0, 0, "Control"),
        ("none", 50, 30, "Control"),
        ("oxycodone", 30, 7, "Opioid-T"),  # both thresholds are inclusive
        ("oxycodone", 60, 21, "Opioid-T"),
        ("oxycodone", 29.9, 30, "Opioid-S"),  # long but low dose
        ("oxycodone", 80, 6.5, "Opioid-S"),  # high dose but short
        ("oxycodone", 10, 2, "Opioid-S"),
    ],
)
def test_derive_group_follows_the_model_study(opioid, dose, days, group):
    assert derive_group(opioid, dose, days, RULE) == group


def test_thresholds_come_from_the_rule():
    assert derive_group("oxycodone", 20, 3, GroupRule(min_days=3, min_dose_mg_day=20)) == "Opioid-T"


def _reads(tmp_path, *names):
    (tmp_path / "reads").mkdir(exist_ok=True)
    for name in names:
        (tmp_path / "reads" / name).write_text("@r\nA\n+\nI\n")


def _sheet(tmp_path, text):
    path = tmp_path / "samples.tsv"
    path.write_text(text)
    return path


def test_clinical_sheet_is_read_with_relative_paths_and_derived_groups(tmp_path):
    _reads(tmp_path, "a_1.fq", "a_2.fq", "b_1.fq", "b_2.fq", "c_1.fq", "c_2.fq")
    path = _sheet(
        tmp_path,
        "# comment line\n"
        "sample\tr1\tr2\topioid\tdose_mg_day\tdays_on_opioid\n"
        "A1\treads/a_1.fq\treads/a_2.fq\t\t\t\n"
        "B-2\treads/b_1.fq\treads/b_2.fq\toxycodone\t40\t10\n"
        "C_3\treads/c_1.fq\treads/c_2.fq\toxycodone\t40\t3\n",
    )
    sheet = read_sample_sheet(path, RULE)
    assert list(sheet.index) == ["A1", "B-2", "C_3"]
    assert list(sheet["group"]) == ["Control", "Opioid-T", "Opioid-S"]
    assert set(sheet["group_source"]) == {"clinical"}
    assert sheet.loc["A1", "r1"] == str((tmp_path / "reads" / "a_1.fq").resolve())
    assert list(sheet["line"]) == [3, 4, 5]


def test_explicit_group_must_agree_with_clinical_fields(tmp_path):
    _reads(tmp_path, "a_1.fq", "a_2.fq")
    path = _sheet(
        tmp_path,
        "sample\tr1\tr2\tgroup\topioid\tdose_mg_day\tdays_on_opioid\n"
        "A1\treads/a_1.fq\treads/a_2.fq\tControl\toxycodone\t40\t10\n",
    )
    with pytest.raises(SampleSheetError, match=r"line 2: group is 'Control' but .* 'Opioid-T'"):
        read_sample_sheet(path, RULE)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("sample,r1,r2,group\nA,x,y,Control\n", "separated by commas"),
        ("sample\tr1\tgroup\nA\treads/a_1.fq\tControl\n", r"missing column\(s\) r2"),
        ("sample\tr1\tr2\nA\treads/a_1.fq\treads/a_2.fq\n", "either a 'group' column"),
        ("sample\tr1\tr2\tgroup\n", "no samples"),
        (
            "sample\tr1\tr2\tgroup\nA\treads/a_1.fq\treads/a_2.fq\tControl\n"
            "A\treads/b_1.fq\treads/b_2.fq\tControl\n",
            "line 3: sample ID 'A' is already used on line 2",
        ),
        ("sample\tr1\tr2\tgroup\nA b\treads/a_1.fq\treads/a_2.fq\tControl\n", "not allowed"),
        ("sample\tr1\tr2\tgroup\n../x\treads/a_1.fq\treads/a_2.fq\tControl\n", "not allowed"),
        ("sample\tr1\tr2\tgroup\nA;rm\treads/a_1.fq\treads/a_2.fq\tControl\n", "not allowed"),
        ("sample\tr1\tr2\tgroup\nA.1\treads/a_1.fq\treads/a_2.fq\tControl\n", "not allowed"),
        ("sample\tr1\tr2\tgroup\nA\treads/none.fq\treads/a_2.fq\tControl\n", "does not exist"),
        ("sample\tr1\tr2\tgroup\nA\treads/a_1.fq\treads/a_1.fq\tControl\n", "the same file"),
        ("sample\tr1\tr2\tgroup\nA\treads/a_1.fq\treads/a_2.fq\tOpioid\n", "not one of"),
        ("sample\tr1\tr2\tgroup\nA\treads/a_1.fq\treads/a_2.fq\n", "fields but the header"),
        (
            "sample\tr1\tr2\topioid\tdose_mg_day\tdays_on_opioid\n"
            "A\treads/a_1.fq\treads/a_2.fq\toxycodone\t-5\t10\n",
            "dose_mg_day is '-5'",
        ),
        (
            "sample\tr1\tr2\topioid\tdose_mg_day\tdays_on_opioid\n"
            "A\treads/a_1.fq\treads/a_2.fq\toxycodone\t30\ttwo weeks\n",
            "'two weeks', which is not a number",
        ),
    ],
)
def test_bad_sheets_are_rejected_with_the_line_at_fault(tmp_path, text, message):
    _reads(tmp_path, "a_1.fq", "a_2.fq", "b_1.fq", "b_2.fq")
    path = _sheet(tmp_path, text)
    with pytest.raises(SampleSheetError, match=message) as error:
        read_sample_sheet(path, RULE)
    assert str(path) in str(error.value)


def test_missing_sheet_names_the_file(tmp_path):
    with pytest.raises(SampleSheetError, match="nothere.tsv.*not found"):
        read_sample_sheet(tmp_path / "nothere.tsv", RULE)
