"""Read and write the workflow's TSV tables the same way everywhere (atomic, ``\\n`` endings)."""

from __future__ import annotations

import os
from collections.abc import Sequence

import pandas as pd

from otuflow.atomic import atomic_path


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
    table = pd.concat([pd.read_csv(p, sep="\t") for p in paths], ignore_index=True)
    write_tsv(table, out)
    return table
