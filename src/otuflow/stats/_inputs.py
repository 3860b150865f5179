"""Input checks and preparation shared by the statistics modules.

Validates count tables and group labels, picks the columns of two groups and turns counts into
per-sample proportions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class StatsInputError(ValueError):
    """Raised when a count table, group vector or distance matrix cannot be analysed as given."""


def check_counts(counts: pd.DataFrame, name: str = "count table") -> pd.DataFrame:
    """Validate a features x samples table of non-negative counts and return it as float.

    Raises
    ------
    StatsInputError
        Naming the offending feature/sample when a value is missing, negative or not numeric, or
        when feature or sample identifiers are duplicated.
    """
    if not isinstance(counts, pd.DataFrame):
        raise StatsInputError(f"{name} must be a pandas DataFrame (features x samples)")
    for axis, ids in (("feature", counts.index), ("sample", counts.columns)):
        dup = ids[ids.duplicated()]
        if len(dup):
            raise StatsInputError(f"{name}: duplicated {axis} id {dup[0]!r}; ids must be unique")
    try:
        values = counts.to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"{name}: values must be numeric counts ({exc})") from exc
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise StatsInputError(
            f"{name}: feature {counts.index[i]!r}, sample {counts.columns[j]!r} has value "
            f"{values[i, j]!r}; counts must be finite and >= 0"
        )
    return pd.DataFrame(values, index=counts.index, columns=counts.columns)


def check_groups_series(groups: pd.Series, name: str = "groups") -> pd.Series:
    """Check that ``groups`` is a Series of labels with unique sample IDs and return it."""
    if not isinstance(groups, pd.Series):
        raise StatsInputError(f"{name} must be a pandas Series of labels indexed by sample")
    if groups.index.duplicated().any():
        dup = groups.index[groups.index.duplicated()][0]
        raise StatsInputError(f"{name}: sample {dup!r} appears more than once")
    return groups


def check_groups(groups: pd.Series, samples, name: str = "groups") -> pd.Series:
    """Return the group label of every sample in ``samples``, in that order.

    Raises
    ------
    StatsInputError
        If a sample has no label (missing from ``groups`` or NaN).
    """
    check_groups_series(groups, name)
    missing = [s for s in samples if s not in groups.index or pd.isna(groups.get(s))]
    if missing:
        raise StatsInputError(
            f"{name}: no group label for sample(s) {', '.join(map(repr, missing[:5]))}; "
            "add them to the metadata or drop them from the table"
        )
    return groups.loc[list(samples)]


def two_group_columns(
    counts: pd.DataFrame, groups: pd.Series, group_a: str, group_b: str
) -> tuple[list, list]:
    """Samples of ``counts`` labelled ``group_a`` and ``group_b`` (table column order).

    Samples with other labels are ignored; samples of the table without a label are an error only
    if ``groups`` does not cover them at all.
    """
    if group_a == group_b:
        raise StatsInputError(f"the two groups to compare are both {group_a!r}")
    present = [s for s in counts.columns if s in groups.index]
    labels = groups.loc[present]
    cols_a = [s for s in present if labels[s] == group_a]
    cols_b = [s for s in present if labels[s] == group_b]
    for label, cols in ((group_a, cols_a), (group_b, cols_b)):
        if not cols:
            known = sorted(map(str, pd.unique(labels.dropna())))
            raise StatsInputError(
                f"no sample of the table is in group {label!r}; groups present: {known}"
            )
    return cols_a, cols_b


def proportions(values: np.ndarray) -> np.ndarray:
    """Column-wise proportions; a column with total 0 gives zeros (STAMP's convention)."""
    totals = values.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        prop = values / totals
    prop[:, totals == 0] = 0.0
    return prop
