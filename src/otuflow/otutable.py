"""The OTU × sample count table from the cohort's mapped distinct sequences; TSV and BIOM."""

from __future__ import annotations

import datetime
import hashlib
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from otuflow import __version__
from otuflow.atomic import atomic_path
from otuflow.fastx import fasta_ids, read_fasta
from otuflow.tsv import read_tsv

# A fixed creation date keeps the BIOM file byte-identical between runs.
BIOM_CREATION_DATE = datetime.datetime(2000, 1, 1)


def sequence_key(sequence: str) -> str:
    """The key VSEARCH's ``--relabel_sha1`` gives a sequence: SHA-1 of it in upper case, U as T.

    Parameters
    ----------
    sequence : str
        A nucleotide sequence.

    Returns
    -------
    str
        40 hexadecimal digits.
    """
    return hashlib.sha1(sequence.upper().replace("U", "T").encode("ascii")).hexdigest()


def read_hits(path: str | os.PathLike) -> dict[str, str]:
    """Feature of each mapped distinct sequence, from ``--userout`` with ``query+target`` fields.

    Parameters
    ----------
    path : path-like
        Tab-separated file: query label (``<sha1>;size=N``) and target (feature ID), no header.

    Returns
    -------
    dict of str to str
        Sequence key -> feature ID; distinct sequences without a hit are absent.

    Raises
    ------
    ValueError
        If a line is malformed or a sequence has more than one hit (naming file and line).
    """
    hits = {}
    with open(path, encoding="ascii") as handle:
        for n, line in enumerate(handle, start=1):
            query, _, target = line.rstrip("\n").partition("\t")
            if not target:
                raise ValueError(f"{path}, line {n}: expected query<TAB>target, got {line!r}")
            key = query.split(";", 1)[0]
            if key in hits:
                raise ValueError(
                    f"{path}, line {n}: a second hit for {key}; map with --maxhits 1 (one best "
                    "hit per sequence)"
                )
            hits[key] = target.split(";", 1)[0]
    return hits


def _abundance(header: str, path, line: int) -> int:
    for field in header.split(";")[1:]:
        if field.startswith("size="):
            return int(field[5:])
    raise ValueError(f"{path}, line {line}: no ';size=' abundance in header {header!r}")


def count_sample(derep_fasta: str | os.PathLike, hits: dict[str, str]) -> Counter:
    """Reads per feature of one sample, from its dereplicated reads and the cohort's hits.

    Parameters
    ----------
    derep_fasta : path-like
        The sample's ``vsearch --derep_fulllength --sizeout`` output (one record per distinct
        sequence, its read count in ``;size=``).
    hits : dict of str to str
        :func:`read_hits` of the cohort's distinct sequences.

    Returns
    -------
    collections.Counter
        Feature ID -> reads; reads whose sequence has no hit are not counted.
    """
    counts = Counter()
    for record in read_fasta(derep_fasta):
        feature = hits.get(sequence_key(record.sequence))
        if feature is not None:
            counts[feature] += _abundance(record.header, derep_fasta, record.line)
    return counts


def build_otu_table(
    otu_fasta: str | os.PathLike,
    hits_path: str | os.PathLike,
    derep: Sequence[str | os.PathLike],
    samples: Sequence[str],
) -> pd.DataFrame:
    """OTU × sample counts, OTUs in FASTA order (decreasing abundance), samples in sheet order.

    Each distinct sequence of the cohort was mapped once; a sample's count of a feature is the sum
    of the read counts of its distinct sequences that hit the feature. This equals mapping every
    read, since identical reads get identical hits.

    Parameters
    ----------
    otu_fasta : path-like
        Representative sequences; defines the OTU IDs and their order.
    hits_path : path-like
        The cohort's hits (:func:`read_hits`).
    derep : sequence of path-like
        Each sample's dereplicated reads (:func:`count_sample`), in the order of ``samples``.
    samples : sequence of str
        Sample IDs.

    Returns
    -------
    pandas.DataFrame
        Integer counts, index ``OTU_ID``; every OTU and every sample present (zeros kept).
    """
    if len(derep) != len(samples):
        raise ValueError("one dereplicated reads file per sample is needed")
    otus = fasta_ids(otu_fasta)
    hits = read_hits(hits_path)
    unknown = set(hits.values()) - set(otus)
    if unknown:
        raise ValueError(f"{hits_path}: OTUs not in {otu_fasta}: {sorted(unknown)[:5]}")
    columns = {
        sample: pd.Series(count_sample(path, hits), dtype="int64").reindex(otus, fill_value=0)
        for sample, path in zip(samples, derep, strict=True)
    }
    return pd.DataFrame(columns, index=pd.Index(otus, name="OTU_ID")).astype("int64")


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
