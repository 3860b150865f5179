"""Clinical fields (opioid, dose, duration) that imply each simulated sample's group."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_DAYS = 7
"""Opioid-T needs at least this many days on the opioid ..."""
MIN_DOSE_MG_DAY = 30
"""... AND at least this daily dose (mg/day)."""
OPIOID = "oxycodone"
GROUP_PREFIX = {"Control": "C", "Opioid-S": "S", "Opioid-T": "T"}


@dataclass(frozen=True)
class Clinical:
    """Clinical record of one sample.

    Attributes
    ----------
    opioid : str
        Drug name; empty for a control.
    dose_mg_day : float
        Daily dose (0 for a control).
    days_on_opioid : int
        Days on the opioid (0 for a control).
    """

    opioid: str
    dose_mg_day: float
    days_on_opioid: int


def group_of(record: Clinical) -> str:
    """Group implied by the clinical rule of the model study.

    No opioid -> Control; days >= 7 AND dose >= 30 mg/day -> Opioid-T; any other use -> Opioid-S.
    """
    if not record.opioid:
        return "Control"
    if record.days_on_opioid >= MIN_DAYS and record.dose_mg_day >= MIN_DOSE_MG_DAY:
        return "Opioid-T"
    return "Opioid-S"


def sample_id(group: str, index: int) -> str:
    """Sample ID such as ``C01``, ``S10``, ``T03`` (``index`` starts at 0)."""
    return f"{GROUP_PREFIX[group]}{index + 1:02d}"


_HIGH_DOSES = (30, 40, 45, 60, 80, 90, 120, 160)
_LOW_DOSES = (5, 7.5, 10, 15, 20, 22.5, 25)
_LONG_DAYS = (14, 21, 30, 60, 90, 180, 365, 730)


def clinical_record(group: str, index: int, rng: np.random.Generator) -> Clinical:
    """Draw clinical values for the ``index``-th sample of ``group`` that imply that group.

    Opioid-S cycles through five kinds: short duration; low dose; both; exactly 7 days at a low
    dose; exactly 30 mg/day for 6 days. Opioid-T starts with the exact boundary (7 days at
    30 mg/day), then exactly 7 days, then exactly 30 mg/day, then typical long-term use.

    Parameters
    ----------
    group : str
        ``Control``, ``Opioid-S`` or ``Opioid-T``.
    index : int
        Position of the sample within its group (0-based).
    rng : numpy.random.Generator
        The sample's own random stream.

    Returns
    -------
    Clinical
    """
    if group == "Control":
        return Clinical("", 0, 0)
    pick = lambda values: values[int(rng.integers(len(values)))]  # noqa: E731
    if group == "Opioid-S":
        kind = index % 5
        if kind == 0:  # short course at a T-level dose
            days, dose = int(rng.integers(1, MIN_DAYS)), pick(_HIGH_DOSES)
        elif kind == 1:  # long course at a low dose
            days, dose = pick(_LONG_DAYS), pick(_LOW_DOSES)
        elif kind == 2:  # short and low
            days, dose = int(rng.integers(1, MIN_DAYS)), pick(_LOW_DOSES)
        elif kind == 3:  # exactly at the day boundary, dose just below
            days, dose = MIN_DAYS, pick((20, 25, 29))
        else:  # exactly at the dose boundary, one day short
            days, dose = MIN_DAYS - 1, MIN_DOSE_MG_DAY
    elif group == "Opioid-T":
        kind = min(index, 3)
        if kind == 0:
            days, dose = MIN_DAYS, MIN_DOSE_MG_DAY
        elif kind == 1:
            days, dose = MIN_DAYS, pick(_HIGH_DOSES[1:])
        elif kind == 2:
            days, dose = pick(_LONG_DAYS), MIN_DOSE_MG_DAY
        else:
            days, dose = pick(_LONG_DAYS), pick(_HIGH_DOSES)
    else:
        raise ValueError(f"unknown group {group!r}; expected Control, Opioid-S or Opioid-T")
    record = Clinical(OPIOID, float(dose), days)
    if group_of(record) != group:  # guards the tables above against edits
        raise AssertionError(f"clinical values {record} do not imply {group}")
    return record
