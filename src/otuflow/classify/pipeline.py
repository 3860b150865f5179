"""File-level entry points used by the CLI and the workflow rules."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from otuflow.classify.bayes import classify_sequences
from otuflow.classify.model import (
    RDPModel,
    cache_key,
    file_digest,
    load_model,
    save_model,
    train,
)
from otuflow.classify.reference import (
    ReferenceFormatError,
    load_prepared,
    write_sintax_reference,
)
from otuflow.classify.taxonomy_tables import build_taxonomy_table
from otuflow.fastx import read_fasta

_SIZE = re.compile(r";size=\d+;?$")


def query_id(header: str) -> str:
    """Query ID from a FASTA header: first word, a trailing ``;size=N`` annotation removed."""
    word = header.split()[0] if header.strip() else ""
    return _SIZE.sub("", word)


def read_queries(path: str | os.PathLike) -> tuple[list[str], list[str]]:
    """Read query IDs and sequences from a (gzipped) FASTA file.

    Raises
    ------
    ReferenceFormatError
        On an empty header or a duplicate ID.
    """
    ids, seqs, seen = [], [], {}
    for header, seq, lineno in read_fasta(path):
        qid = query_id(header)
        if not qid:
            raise ReferenceFormatError(f"{path}, line {lineno}: record without an ID")
        if qid in seen:
            raise ReferenceFormatError(
                f"{path}, line {lineno}: duplicate query ID {qid!r} (first at line {seen[qid]})"
            )
        seen[qid] = lineno
        ids.append(qid)
        seqs.append(seq)
    return ids, seqs


def train_from_files(
    reference: str | os.PathLike,
    taxonomy: str | os.PathLike | None = None,
    *,
    fmt: str = "auto",
    leaf_rank: str = "genus",
    threads: int = 1,
) -> RDPModel:
    """Train a model from a reference FASTA (+ taxonomy TSV) in any supported format."""
    records = load_prepared(reference, taxonomy, fmt)
    return train(
        [r.seq for r in records],
        [r.lineage for r in records],
        leaf_rank=leaf_rank,
        threads=threads,
        # digests, not paths: the same reference gives a byte-identical model wherever it is
        params={"reference_sha256": file_digest(reference),
                "taxonomy_sha256": file_digest(taxonomy) if taxonomy else None,
                "format": fmt},
    )


def cached_model_path(
    reference: str | os.PathLike,
    taxonomy: str | os.PathLike | None,
    cache_dir: str | os.PathLike,
    *,
    fmt: str = "auto",
    leaf_rank: str = "genus",
) -> Path:
    """Return the path of the cached model for these inputs, training it if absent.

    The file name holds a SHA-256 of the reference (and taxonomy) file contents and the
    training parameters, so a model is trained once per distinct reference.
    """
    paths = [reference] + ([taxonomy] if taxonomy else [])
    key = cache_key(paths, {"format": fmt, "leaf_rank": leaf_rank})
    path = Path(cache_dir) / f"rdp_model_{key[:20]}.npz"
    if not path.is_file():
        save_model(train_from_files(reference, taxonomy, fmt=fmt, leaf_rank=leaf_rank), path)
    return path


def classify_fasta(
    model: RDPModel,
    query: str | os.PathLike,
    *,
    confidence: float = 0.8,
    seed: int = 1,
    bootstraps: int = 100,
    threads: int = 1,
) -> pd.DataFrame:
    """Classify the sequences of a FASTA file; return the ``otu_taxonomy.tsv`` table."""
    if not 0.0 <= confidence <= 1.0:
        raise ValueError(f"confidence cut-off must be within [0, 1], got {confidence}")
    ids, seqs = read_queries(query)
    result = classify_sequences(model, seqs, bootstraps=bootstraps, seed=seed, threads=threads)
    lineages = [list(model.lineages[k]) if k >= 0 else None for k in result.leaf]
    return build_taxonomy_table(ids, lineages, result.confidence, confidence, model.ranks)


def sintax_database(
    reference: str | os.PathLike,
    taxonomy: str | os.PathLike | None,
    out: str | os.PathLike,
    fmt: str = "auto",
) -> Path:
    """Write a SINTAX-format database from a (prepared) reference."""
    write_sintax_reference(load_prepared(reference, taxonomy, fmt), out)
    return Path(out)


def classify_sintax(
    query: str | os.PathLike,
    database: str | os.PathLike,
    raw_out: str | os.PathLike,
    *,
    confidence: float = 0.8,
    seed: int = 1,
    threads: int = 1,
) -> pd.DataFrame:
    """Run ``vsearch --sintax`` and return its result as the ``otu_taxonomy.tsv`` table."""
    from otuflow.classify.sintax import run_sintax

    run_sintax(query, database, raw_out, cutoff=confidence, seed=seed, threads=threads)
    return taxonomy_from_sintax(query, raw_out, confidence)


def taxonomy_from_sintax(
    query: str | os.PathLike, sintax_out: str | os.PathLike, confidence: float
) -> pd.DataFrame:
    """The ``otu_taxonomy.tsv`` table from ``vsearch --sintax --tabbedout`` output.

    Parameters
    ----------
    query : path-like
        The FASTA that was classified (gives the IDs and their order).
    sintax_out : path-like
        vsearch's tabbed output.
    confidence : float
        Cut-off below which a rank is left unassigned.
    """
    from otuflow.classify.sintax import parse_sintax

    ids, _ = read_queries(query)
    return parse_sintax(sintax_out, ids, confidence, id_of=query_id)


def load_or_train(
    model: str | os.PathLike | None,
    reference: str | os.PathLike | None,
    taxonomy: str | os.PathLike | None,
    cache_dir: str | os.PathLike | None,
    fmt: str = "auto",
) -> RDPModel:
    """Load ``model`` or train from ``reference`` (cached under ``cache_dir`` if given)."""
    if model is not None:
        return load_model(model)
    if reference is None:
        raise ValueError("give either --model or --reference (with --taxonomy if needed)")
    if cache_dir is not None:
        return load_model(cached_model_path(reference, taxonomy, cache_dir, fmt=fmt))
    return train_from_files(reference, taxonomy, fmt=fmt)


__all__: Sequence[str] = (
    "classify_fasta", "classify_sintax", "cached_model_path", "load_or_train", "read_queries",
    "sintax_database", "taxonomy_from_sintax", "train_from_files",
)
