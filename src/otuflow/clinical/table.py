"""Read and validate the clinical table (TSV, one row per patient) against the sample sheet."""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from otuflow.clinical.schema import BY_NAME, COLUMNS, Column
from otuflow.samplesheet import SAMPLE_ID_PATTERN, GroupRule, derive_group, is_no_opioid

#: Cells read as missing values.
MISSING = {"", "na", "nan", "n/a", "-"}
#: The two groups of Table 1 and the figures: no opioid vs any opioid.
CONTROL, OPIOID = "Control", "Opioid"


class ClinicalTableError(ValueError):
    """A clinical table that cannot be used, with the file, line and column at fault."""


@dataclass(frozen=True)
class ClinicalTable:
    """A validated clinical table.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per patient (index ``patient``, table order): the known columns (numbers as
        floats, missing as NaN; categories as their canonical spelling, missing as NaN), plus
        ``line`` (line in the file), ``opioid_group`` (Control/Opioid), ``group`` (Control,
        Opioid-S or Opioid-T by the config's rule) and ``sample`` (the patient's stool sample in
        the sample sheet, "" for none).
    unknown_columns : tuple of str
        Columns the schema does not know; kept out of ``data`` and reported.
    path : pathlib.Path
        The file read.
    """

    data: pd.DataFrame
    unknown_columns: tuple[str, ...]
    path: Path

    @property
    def stool(self) -> pd.DataFrame:
        """The patients with a stool sample, indexed by sample ID, in sample-sheet order."""
        rows = self.data[self.data["sample"] != ""]
        return rows.set_index("sample", drop=False)


def _cell(value: str, column: Column, where: str) -> object:
    text = value.strip()
    if text.lower() in MISSING:
        if column.name in ("patient", "sex"):
            raise ClinicalTableError(f"{where}: column {column.name} is empty; it is required.")
        return np.nan
    if column.kind == "number":
        try:
            number = float(text)
        except ValueError:
            raise ClinicalTableError(
                f"{where}: column {column.name} is {text!r}, which is not a number; give "
                f"{column.label_with_unit} as a number (or leave the cell empty if unknown)."
            ) from None
        if math.isnan(number) or math.isinf(number):
            raise ClinicalTableError(f"{where}: column {column.name} is {text!r}; give a finite "
                                     "number or leave the cell empty.")  # fmt: skip
        if number < column.minimum:
            raise ClinicalTableError(
                f"{where}: column {column.name} is {text}, a negative value; "
                f"{column.label_with_unit} must be >= {column.minimum:g}."
            )
        if number > column.maximum:
            raise ClinicalTableError(
                f"{where}: column {column.name} is {text}; {column.label_with_unit} must be "
                f"<= {column.maximum:g}."
            )
        return number
    if column.kind == "category":
        canonical = {a.lower(): a for a in column.allowed}
        if text.lower() not in canonical:
            raise ClinicalTableError(
                f"{where}: column {column.name} is {text!r}, which is not one of "
                f"{', '.join(column.allowed)}; correct the value or leave the cell empty."
            )
        return canonical[text.lower()]
    if column.kind == "id" and not SAMPLE_ID_PATTERN.match(text):
        raise ClinicalTableError(
            f"{where}: patient ID {text!r} is not allowed; use 1-64 letters, digits, '_' or '-'."
        )
    return text


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    if not path.is_file():
        raise ClinicalTableError(
            f"Clinical table {str(path)!r} not found. Set 'clinical: table' in the config to a "
            "TSV file with one row per patient, or to \"\" to skip the clinical part."
        )
    text = path.read_text(encoding="utf-8-sig")
    lines = [(i, ln) for i, ln in enumerate(text.splitlines(), 1)
             if ln.strip() and not ln.lstrip().startswith("#")]  # fmt: skip
    if len(lines) < 2:
        raise ClinicalTableError(f"{path}: no header and patient rows; add a header line and "
                                 "one row per patient.")  # fmt: skip
    header_no, header = lines[0]
    if "\t" not in header:
        raise ClinicalTableError(f"{path}: line {header_no} has no tab; the clinical table "
                                 "must be tab-separated (TSV).")  # fmt: skip
    columns = [c.strip() for c in next(csv.reader([header], delimiter="\t"))]
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise ClinicalTableError(f"{path}: line {header_no}: column(s) {', '.join(duplicated)} "
                                 "appear more than once.")  # fmt: skip
    missing = [c.name for c in COLUMNS if c.required and c.name not in columns]
    if missing:
        raise ClinicalTableError(
            f"{path}: line {header_no}: missing required column(s) {', '.join(missing)}; "
            "docs/workflow.md lists the clinical table's columns."
        )
    rows = []
    for line_no, line in lines[1:]:
        values = next(csv.reader([line], delimiter="\t"))
        if len(values) != len(columns):
            raise ClinicalTableError(
                f"{path}: line {line_no}: {len(values)} fields but the header has "
                f"{len(columns)}; check for missing or extra tabs."
            )
        rows.append((line_no, values))
    return columns, rows


def read_clinical_table(
    path: str | os.PathLike,
    sheet: pd.DataFrame,
    sheet_path: str | os.PathLike,
    rule: GroupRule | None = None,
) -> ClinicalTable:
    """Read the clinical table, validate every cell and match its patients to the sample sheet.

    Parameters
    ----------
    path : path-like
        The clinical table (TSV, ``#`` starts a comment line). Columns: :data:`COLUMNS`
        (``required`` ones must be present); others are kept out and reported.
    sheet : pandas.DataFrame
        The sample sheet (:func:`otuflow.samplesheet.read_sample_sheet`). A sample's patient is
        its ``patient`` column, or the sample ID when there is none.
    sheet_path : path-like
        The sample sheet's file, for messages.
    rule : GroupRule, optional
        Thresholds that derive Opioid-S/Opioid-T from dose and days (default: the study's).

    Returns
    -------
    ClinicalTable

    Raises
    ------
    ClinicalTableError
        Naming file, line and column: a malformed table, a non-numeric, negative or out-of-range
        number, a value outside a column's allowed values, a duplicated patient ID, a sample whose
        patient is not in the table, or opioid fields that disagree with the sample sheet.
    """
    path = Path(path)
    rule = rule or GroupRule()
    columns, rows = _read_rows(path)
    known = [c for c in columns if c in BY_NAME]
    unknown = tuple(c for c in columns if c not in BY_NAME)
    records, seen = [], {}
    for line_no, values in rows:
        record = {"line": line_no}
        for name, value in zip(columns, values, strict=True):
            if name in BY_NAME:
                record[name] = _cell(value, BY_NAME[name], f"{path}: line {line_no}")
        patient = record["patient"]
        if patient in seen:
            raise ClinicalTableError(
                f"{path}: line {line_no}: column patient: {patient!r} is already on line "
                f"{seen[patient]}; patient IDs must be unique (one row per patient)."
            )
        seen[patient] = line_no
        opioid = "" if isinstance(record["opioid"], float) else record["opioid"]
        record["opioid"] = "" if is_no_opioid(opioid) else opioid
        if record["opioid"]:
            for name in ("dose_mg_day", "days_on_opioid"):
                if math.isnan(record[name]):
                    raise ClinicalTableError(
                        f"{path}: line {line_no}: column {name} is empty for a patient on "
                        f"{record['opioid']}; give it (the group depends on it)."
                    )
        dose = 0.0 if math.isnan(record["dose_mg_day"]) else record["dose_mg_day"]
        days = 0.0 if math.isnan(record["days_on_opioid"]) else record["days_on_opioid"]
        record["group"] = derive_group(record["opioid"], dose, days, rule)
        record["opioid_group"] = CONTROL if record["group"] == CONTROL else OPIOID
        records.append(record)
    data = pd.DataFrame(records).set_index("patient", drop=False)
    data = data[[*known, "line", "group", "opioid_group"]]
    for column in known:
        if BY_NAME[column].kind == "number":
            data[column] = data[column].astype(float)
    data["sample"] = ""
    _match_sheet(data, path, sheet, Path(sheet_path))
    return ClinicalTable(data, unknown, path)


def _match_sheet(data: pd.DataFrame, path: Path, sheet: pd.DataFrame, sheet_path: Path) -> None:
    """Attach each sample to its patient; refuse missing patients and disagreeing opioid fields."""
    patients = sheet["patient"] if "patient" in sheet else sheet.index.to_series()
    seen: dict[str, str] = {}
    for sample, patient in zip(sheet.index, patients, strict=True):
        where = f"{sheet_path}: line {sheet.loc[sample, 'line']}"
        if patient not in data.index:
            raise ClinicalTableError(
                f"{where}: sample {sample!r} belongs to patient {patient!r}, who is not in the "
                f"clinical table {path} (column patient); add the patient's row or correct the ID."
            )
        if patient in seen:
            raise ClinicalTableError(
                f"{where}: patient {patient!r} already has sample {seen[patient]!r}; give one "
                "stool sample per patient."
            )
        seen[patient] = sample
        row = data.loc[patient]
        there = f"{path}: line {row['line']}"
        data.loc[patient, "sample"] = sample
        if "opioid" in sheet:
            mine = "" if is_no_opioid(sheet.loc[sample, "opioid"]) else sheet.loc[sample, "opioid"]
            pairs = [("opioid", mine, row["opioid"])]
            for name in ("dose_mg_day", "days_on_opioid"):
                given = float(sheet.loc[sample, name])
                theirs = 0.0 if math.isnan(row[name]) else float(row[name])
                pairs.append((name, given, theirs))
            for name, given, theirs in pairs:
                same = given.lower() == theirs.lower() if isinstance(given, str) else (
                    math.isclose(given, theirs, rel_tol=1e-9, abs_tol=1e-9))
                if not same:
                    raise ClinicalTableError(
                        f"{where}: column {name} of sample {sample!r} is {given!r}, but "
                        f"{there}: column {name} of patient {patient!r} is {theirs!r}; the two "
                        "tables must agree on the opioid fields."
                    )
        if sheet.loc[sample, "group"] != row["group"]:
            raise ClinicalTableError(
                f"{where}: sample {sample!r} is in group {sheet.loc[sample, 'group']!r}, but "
                f"the opioid fields of {there} (patient {patient!r}) give {row['group']!r}; the "
                "two tables must agree."
            )
