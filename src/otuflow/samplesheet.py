"""Read and validate the sample sheet, and derive each sample's group from clinical fields."""

from __future__ import annotations

import csv
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from otuflow.tsv import read_tsv

SAMPLE_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
"""Allowed sample IDs: a letter or digit, then letters, digits, ``_`` or ``-`` (64 at most).

No dots, spaces, slashes or shell metacharacters, so an ID can neither inject into a shell command,
escape the output folder nor be split by VSEARCH (which reads a sample name up to the first dot).
"""

REQUIRED_COLUMNS = ("sample", "r1", "r2")
CLINICAL_COLUMNS = ("opioid", "dose_mg_day", "days_on_opioid")
DEFAULT_GROUPS = ("Control", "Opioid-S", "Opioid-T")
_NO_OPIOID = {"", "none", "no", "na", "n/a", "-", "0"}


class SampleSheetError(ValueError):
    """A sample sheet that cannot be used, with the file and line at fault."""


@dataclass(frozen=True)
class GroupRule:
    """Thresholds that split opioid users into short/low (Opioid-S) and long+high (Opioid-T).

    Attributes
    ----------
    min_days : float
        Days on the opioid at or above which a patient can be Opioid-T.
    min_dose_mg_day : float
        Daily dose (mg/day) at or above which a patient can be Opioid-T.
    """

    min_days: float = 7
    min_dose_mg_day: float = 30


def is_no_opioid(opioid: str) -> bool:
    """True when an opioid field means no opioid (empty, "none", "no", "0", ...)."""
    return opioid.strip().lower() in _NO_OPIOID


def derive_group(opioid: str, dose_mg_day: float, days_on_opioid: float, rule: GroupRule) -> str:
    """Group of one patient as in the model study.

    No opioid → ``Control``; on an opioid for at least ``rule.min_days`` days AND at a dose of at
    least ``rule.min_dose_mg_day`` mg/day → ``Opioid-T``; any other opioid use → ``Opioid-S``.

    Parameters
    ----------
    opioid : str
        Drug name, or empty / "none" for no opioid.
    dose_mg_day : float
        Daily dose in mg/day (ignored for controls).
    days_on_opioid : float
        Days on the opioid (ignored for controls).
    rule : GroupRule
        Thresholds.

    Returns
    -------
    str
        ``"Control"``, ``"Opioid-S"`` or ``"Opioid-T"``.
    """
    if is_no_opioid(opioid):
        return "Control"
    if days_on_opioid >= rule.min_days and dose_mg_day >= rule.min_dose_mg_day:
        return "Opioid-T"
    return "Opioid-S"


def _sniff_delimiter_problem(path: Path, header: str) -> None:
    if "\t" in header:
        return
    for delim, name in ((",", "commas"), (";", "semicolons")):
        if delim in header:
            raise SampleSheetError(
                f"{path}: line 1 is separated by {name}, but the sample sheet must be "
                "tab-separated (TSV). Save it as tab-delimited text."
            )
    raise SampleSheetError(
        f"{path}: line 1 has no tab; the sample sheet must be a tab-separated table with the "
        f"columns {', '.join(REQUIRED_COLUMNS)}."
    )


def _parse_number(value: str, column: str, where: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise SampleSheetError(
            f"{where}: {column} is {value!r}, which is not a number. Give a number "
            "(e.g. 30) or leave the opioid column empty for a control."
        ) from None
    if math.isnan(number) or math.isinf(number) or number < 0:
        raise SampleSheetError(
            f"{where}: {column} is {value!r}; it must be a finite number >= 0."
        )
    return number


def _resolve_read_path(value: str, column: str, sheet_dir: Path, where: str) -> Path:
    if not value:
        raise SampleSheetError(f"{where}: {column} is empty; give the path of the FASTQ file.")
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = sheet_dir / path
    if path.is_dir():
        raise SampleSheetError(
            f"{where}: {column} {str(path)!r} is a folder; give the path of the FASTQ file."
        )
    if not path.is_file():
        raise SampleSheetError(
            f"{where}: {column} file {str(path)!r} does not exist (relative paths are read from "
            "the sample sheet's folder)."
        )
    if not os.access(path, os.R_OK):
        raise SampleSheetError(f"{where}: {column} file {str(path)!r} is not readable.")
    return path.resolve()


def read_sample_sheet(
    path: str | os.PathLike,
    rule: GroupRule = GroupRule(),
    groups: tuple[str, ...] = DEFAULT_GROUPS,
    check_files: bool = True,
) -> pd.DataFrame:
    """Read a tab-separated sample sheet, validate every row and attach the group of each sample.

    Parameters
    ----------
    path : path-like
        The sample sheet (TSV). Columns ``sample``, ``r1``, ``r2`` are required, plus either
        ``group`` or the clinical fields ``opioid``, ``dose_mg_day``, ``days_on_opioid``.
        ``#`` starts a comment line.
    rule : GroupRule
        Thresholds for deriving groups from the clinical fields.
    groups : tuple of str
        The group names a ``group`` column may use.
    check_files : bool
        Check that the read files exist and are readable.

    Returns
    -------
    pandas.DataFrame
        One row per sample, in sheet order, indexed by ``sample``, with absolute ``r1``/``r2``,
        ``group``, ``group_source`` (``sheet`` or ``clinical``), the clinical fields when given and
        ``line`` (line number in the sheet), and ``patient`` when the sheet has that column
        (the patient's ID in the clinical table; an empty cell means the sample ID).

    Raises
    ------
    SampleSheetError
        With the file and line at fault and what to do, for a missing, empty or malformed sheet.
    """
    path = Path(path)
    if not path.is_file():
        raise SampleSheetError(
            f"Sample sheet {str(path)!r} not found"
            + (f" (a relative path, looked for in {str(Path.cwd())!r}, the folder Snakemake runs "
               "in)" if not path.is_absolute() else "")
            + ". Set 'samples' in the config to a TSV file with columns sample, r1, r2 and group "
            "(or opioid, dose_mg_day, days_on_opioid)."
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line_no = raw[: error.start].count(b"\n") + 1
        raise SampleSheetError(
            f"{path}: line {line_no}: byte 0x{raw[error.start]:02x} is not UTF-8 text (the "
            "sheet looks like Latin-1 or Windows-1252, as Excel writes it). Save it as UTF-8: in "
            "Excel 'Save As' > 'Unicode Text' or 'CSV UTF-8' then tabs, in LibreOffice tick "
            "'Edit filter settings' and choose 'Unicode (UTF-8)', or run `iconv -f CP1252 -t "
            "UTF-8 old.tsv > samples.tsv`."
        ) from None
    lines = [(i, ln) for i, ln in enumerate(text.splitlines(), 1) if ln.strip()]
    lines = [(i, ln) for i, ln in lines if not ln.lstrip().startswith("#")]
    if not lines:
        raise SampleSheetError(
            f"{path}: the sample sheet is empty; add a header and one row per sample."
        )
    header_no, header = lines[0]
    _sniff_delimiter_problem(path, header)
    columns = [c.strip() for c in next(csv.reader([header], delimiter="\t"))]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise SampleSheetError(
            f"{path}: line {header_no}: column(s) {', '.join(repeated)} appear more than once in "
            "the header; keep one of each (which one holds the right values is ambiguous)."
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    has_group = "group" in columns
    has_clinical = all(c in columns for c in CLINICAL_COLUMNS)
    if missing:
        raise SampleSheetError(
            f"{path}: line {header_no}: missing column(s) {', '.join(missing)}; the header has "
            f"{', '.join(columns)}."
        )
    if not has_group and not has_clinical:
        absent = [c for c in CLINICAL_COLUMNS if c not in columns]
        raise SampleSheetError(
            f"{path}: line {header_no}: give either a 'group' column or the clinical columns "
            f"{', '.join(CLINICAL_COLUMNS)} (missing: {', '.join(absent)})."
        )
    if len(lines) == 1:
        raise SampleSheetError(f"{path}: the sample sheet has a header but no samples.")

    rows, seen, seen_files = [], {}, {}
    for line_no, line in lines[1:]:
        where = f"{path}: line {line_no}"
        values = next(csv.reader([line], delimiter="\t"))
        if len(values) != len(columns):
            raise SampleSheetError(
                f"{where}: {len(values)} fields but the header has {len(columns)}; "
                "check for missing or extra tabs."
            )
        record = {c: v.strip() for c, v in zip(columns, values, strict=True)}
        sample = record["sample"]
        if not SAMPLE_ID_PATTERN.match(sample):
            raise SampleSheetError(
                f"{where}: sample ID {sample!r} is not allowed. Use 1-64 letters, digits, '_' or "
                "'-', starting with a letter or digit (no spaces, dots, slashes or symbols)."
            )
        if sample in seen:
            raise SampleSheetError(
                f"{where}: sample ID {sample!r} is already used on line {seen[sample]}; "
                "sample IDs must be unique."
            )
        seen[sample] = line_no
        row = {"sample": sample, "line": line_no}
        if "patient" in columns:  # the patient of a clinical table; the sample ID when absent
            row["patient"] = record["patient"] or sample
        for column in ("r1", "r2"):
            if check_files:
                row[column] = str(_resolve_read_path(record[column], column, path.parent, where))
            else:
                row[column] = record[column]
        if row["r1"] == row["r2"] or (check_files and os.path.samefile(row["r1"], row["r2"])):
            raise SampleSheetError(
                f"{where}: r1 and r2 are the same file ({row['r1']}"
                + ("" if row["r1"] == row["r2"] else f" and {row['r2']}, linked")
                + "); give the forward (R1) and reverse (R2) reads."
            )
        for column in ("r1", "r2"):
            if row[column] in seen_files:
                raise SampleSheetError(
                    f"{where}: {column} file {row[column]} is also used on line "
                    f"{seen_files[row[column]]}; every sample needs its own files."
                )
            seen_files[row[column]] = line_no
        if has_clinical:
            opioid = record["opioid"]
            row["opioid"] = opioid
            if opioid.lower() in _NO_OPIOID:
                dose = _parse_number(record["dose_mg_day"] or "0", "dose_mg_day", where)
                days = _parse_number(record["days_on_opioid"] or "0", "days_on_opioid", where)
            else:
                dose = _parse_number(record["dose_mg_day"], "dose_mg_day", where)
                days = _parse_number(record["days_on_opioid"], "days_on_opioid", where)
            row["dose_mg_day"], row["days_on_opioid"] = dose, days
        if has_group and record["group"]:
            if record["group"] not in groups:
                raise SampleSheetError(
                    f"{where}: group {record['group']!r} is not one of {', '.join(groups)}; "
                    "fix the name or add the group to 'groups: order' in the config."
                )
            row["group"], row["group_source"] = record["group"], "sheet"
            if has_clinical:
                derived = derive_group(row["opioid"], dose, days, rule)
                if derived != record["group"]:
                    raise SampleSheetError(
                        f"{where}: group is {record['group']!r} but the clinical fields give "
                        f"{derived!r}; correct one of them or leave the group empty to derive it."
                    )
        elif has_clinical:
            row["group"] = derive_group(row["opioid"], dose, days, rule)
            row["group_source"] = "clinical"
        else:
            raise SampleSheetError(f"{where}: the group is empty and there are no clinical fields.")
        rows.append(row)
    return pd.DataFrame(rows).set_index("sample", drop=False)


def write_group_table(sheet: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write the per-sample group table (``results/groups.tsv``).

    Parameters
    ----------
    sheet : pandas.DataFrame
        Output of :func:`read_sample_sheet`.
    path : path-like
        Destination TSV.
    """
    columns = ["sample", "group", "group_source"]
    columns += [c for c in CLINICAL_COLUMNS if c in sheet.columns]
    sheet[columns].to_csv(path, sep="\t", index=False, lineterminator="\n")


def read_group_table(path: str | os.PathLike) -> pd.Series:
    """Sample → group from a table written by :func:`write_group_table`.

    Parameters
    ----------
    path : path-like
        ``groups.tsv``.

    Returns
    -------
    pandas.Series
        Group per sample, in table order.
    """
    table = read_tsv(path)
    return table.set_index("sample")["group"].rename("group")
