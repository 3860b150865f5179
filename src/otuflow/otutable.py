"""Assemble the OTU × sample count table from per-sample VSEARCH mappings; write TSV and BIOM."""

from __future__ import annotations

import datetime
import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from otuflow import __version__
from otuflow.atomic import atomic_path
from otuflow.fastx import fasta_ids
from otuflow.tsv import read_tsv

# A fixed creation date keeps the BIOM file byte-identical between runs.
BIOM_CREATION_DATE = datetime.datetime(2000, 1, 1)


def read_otutab(path: str | os.PathLike) -> pd.Series:
    """Counts per OTU from one sample's ``vsearch --otutabout`` file.

    VSEARCH names the sample column from the read labels; the file holds one sample, so all count
    columns are summed. A file with no count column (no read mapped) gives an empty Series.

    Parameters
    ----------
    path : path-like
        A ``--otutabout`` table (``#OTU ID`` then count columns).

    Returns
    -------
    pandas.Series
        Integer counts indexed by OTU ID.
    """
    table = read_tsv(path, index_col=0)
    if table.shape[1] == 0:
        return pd.Series(dtype="int64")
    return table.sum(axis=1).astype("int64")


def build_otu_table(
    otu_fasta: str | os.PathLike, mapped: Sequence[str | os.PathLike], samples: Sequence[str]
) -> pd.DataFrame:
    """OTU × sample counts, OTUs in FASTA order (decreasing abundance), samples in sheet order.

    Parameters
    ----------
    otu_fasta : path-like
        Representative sequences; defines the OTU IDs and their order.
    mapped : sequence of path-like
        One ``--otutabout`` file per sample, in the order of ``samples``.
    samples : sequence of str
        Sample IDs.

    Returns
    -------
    pandas.DataFrame
        Integer counts, index ``OTU_ID``; every OTU and every sample present (zeros kept).
    """
    if len(mapped) != len(samples):
        raise ValueError("one mapping file per sample is needed")
    otus = fasta_ids(otu_fasta)
    columns = {}
    for sample, path in zip(samples, mapped, strict=True):
        counts = read_otutab(path)
        unknown = set(counts.index) - set(otus)
        if unknown:
            raise ValueError(f"{path}: OTUs not in {otu_fasta}: {sorted(unknown)[:5]}")
        columns[sample] = counts.reindex(otus, fill_value=0)
    table = pd.DataFrame(columns, index=pd.Index(otus, name="OTU_ID")).astype("int64")
    return table


def write_otu_tsv(table: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write the table as TSV with ``OTU_ID`` as first column (atomically)."""
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep="\t", index_label="OTU_ID", lineterminator="\n")


#: BIOM table type of OTU count tables (``biom validate-table`` rejects an empty type).
BIOM_TABLE_TYPE = "OTU table"


def write_biom(table: pd.DataFrame, path: str | os.PathLike, table_id: str = "otuflow") -> None:
    """Write the table as BIOM 2.1 (HDF5), byte-identical for identical tables.

    The table type is :data:`BIOM_TABLE_TYPE`, so ``biom validate-table`` accepts it and QIIME 2
    imports it as ``FeatureTable[Frequency]``.

    Parameters
    ----------
    table : pandas.DataFrame
        OTU × sample counts.
    path : path-like
        Destination ``.biom`` file.
    table_id : str
        BIOM table ID.
    """
    import biom
    import h5py

    biom_table = biom.Table(
        table.to_numpy(), list(table.index), list(table.columns), table_id=table_id,
        type=BIOM_TABLE_TYPE,
    )
    with atomic_path(path) as tmp, h5py.File(tmp, "w", track_order=False) as handle:
        biom_table.to_hdf5(
            handle, f"otuflow {__version__}", compress=True, creation_date=BIOM_CREATION_DATE
        )


def read_otu_tsv(path: str | os.PathLike) -> pd.DataFrame:
    """Read an OTU table written by :func:`write_otu_tsv`."""
    return read_tsv(Path(path), index_col="OTU_ID")
