"""Small, fast readers for FASTA/FASTQ files as written by the workflow's tools."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from pathlib import Path


def open_text(path: str | os.PathLike):
    """Open a plain or gzip-compressed text file for reading.

    Parameters
    ----------
    path : path-like
        File name; gzip is detected from the magic bytes, not the suffix.

    Returns
    -------
    io.TextIOBase
        A text handle.
    """
    with open(path, "rb") as handle:
        magic = handle.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt")
    return open(path)


def read_fasta(path: str | os.PathLike) -> Iterator[tuple[str, str]]:
    """Yield ``(header, sequence)`` for each record of a (multi-line) FASTA file.

    Parameters
    ----------
    path : path-like
        FASTA file, optionally gzipped.

    Yields
    ------
    tuple of str
        Header without ``>`` and the sequence with line breaks removed.
    """
    header, chunks = None, []
    with open_text(path) as handle:
        for line in handle:
            line = line.rstrip("\r\n")
            if line.startswith(">"):
                if header is not None:
                    yield header, "".join(chunks)
                header, chunks = line[1:], []
            elif header is not None:
                chunks.append(line.strip())
    if header is not None:
        yield header, "".join(chunks)


def count_fasta(path: str | os.PathLike) -> int:
    """Number of records in a FASTA file."""
    with open_text(path) as handle:
        return sum(1 for line in handle if line.startswith(">"))


def count_fastq(path: str | os.PathLike) -> int:
    """Number of records in a four-line FASTQ file.

    Raises
    ------
    ValueError
        If the line count is not a multiple of four.
    """
    with open_text(path) as handle:
        lines = sum(1 for _ in handle)
    if lines % 4:
        raise ValueError(f"{path}: {lines} lines is not a multiple of 4; the FASTQ is truncated.")
    return lines // 4


def fasta_ids(path: str | os.PathLike) -> list[str]:
    """Record IDs (header up to the first space or ``;``) of a FASTA file, in file order."""
    return [h.split()[0].split(";")[0] for h, _ in read_fasta(Path(path))]
