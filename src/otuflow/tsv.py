"""Read and write the workflow's TSV tables the same way everywhere (atomic, ``\\n`` endings).

Every table the workflow reads back goes through :func:`read_tsv`, so sample, group and feature
IDs stay text: pandas would otherwise turn ``NA``, ``null``, ``None`` or ``nan`` into missing
values and ``1e3``, ``007`` or ``TRUE`` into numbers.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import pandas as pd

from otuflow.atomic import atomic_path

#: Columns that always hold IDs or names (read as text wherever they occur).
TEXT_COLUMNS = frozenset(
    {"sample", "group", "OTU_ID", "feature", "comparison", "test", "metric", "reason",
     "warning", "skipped", "note", "method", "statistic", "axis", "group_a", "group_b"}
)  # fmt: skip


def read_tsv(
    path: str | os.PathLike, index_col: int | str | None = None, text_columns=()
) -> pd.DataFrame:
    """Read a TSV table with every ID column as text.

    The index column (when given), the columns of :data:`TEXT_COLUMNS` and ``text_columns`` are
    read as strings; only empty cells are missing values (``NA``, ``null``, ``None``, ``nan``
    stay text). Other columns are parsed as numbers where they hold numbers; header names are
    always text.

    Parameters
    ----------
    path : path-like
        Tab-separated table with a header line.
    index_col : int, str or None
        Column (position or name) to use as the index.
    text_columns : iterable of str
        Further columns to keep as text.

    Returns
    -------
    pandas.DataFrame
    """
    header = pd.read_csv(path, sep="\t", nrows=0).columns
    text = set(TEXT_COLUMNS) | set(text_columns)
    if isinstance(index_col, int):
        text.add(header[index_col])
    elif index_col is not None:
        text.add(index_col)
    return pd.read_csv(
        path, sep="\t", index_col=index_col, keep_default_na=False, na_values=[""],
        dtype={c: str for c in header if c in text},
    )  # fmt: skip


def write_tsv(table: pd.DataFrame, path: str | os.PathLike, index: bool = False) -> None:
    """Write a DataFrame as TSV under a temporary name, then rename it into place.

    Parameters
    ----------
    table : pandas.DataFrame
        Table to write; floats keep full precision.
    path : path-like
        Destination.
    index : bool
        Write the index as the first column.
    """
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep="\t", index=index, lineterminator="\n")


def concat_tsv(paths: Sequence[str | os.PathLike], out: str | os.PathLike) -> pd.DataFrame:
    """Stack TSV tables with the same columns into one file.

    Parameters
    ----------
    paths : sequence of path-like
        Input tables, in output order.
    out : path-like
        Destination.

    Returns
    -------
    pandas.DataFrame
        The stacked table.
    """
    table = pd.concat([read_tsv(p) for p in paths], ignore_index=True)
    write_tsv(table, out)
    return table
