"""Small, fast readers for FASTA/FASTQ files as written by the workflow's tools."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from pathlib import Path


def is_gzip(path: str | os.PathLike) -> bool:
    """Whether a file is gzip-compressed, from its magic bytes (not its suffix)."""
    with open(path, "rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


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
    return gzip.open(path, "rt") if is_gzip(path) else open(path)


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


BLOCK_BYTES = 4 << 20


def read_blocks(path: str | os.PathLike) -> Iterator[bytes]:
    """Decompressed content of a plain or gzip file in blocks of :data:`BLOCK_BYTES`."""
    with gzip.open(path, "rb") if is_gzip(path) else open(path, "rb") as handle:
        while block := handle.read(BLOCK_BYTES):
            yield block


def count_fasta(path: str | os.PathLike) -> int:
    """Number of records (lines starting with ``>``) in a FASTA file."""
    count, last = 0, b"\n"
    for block in read_blocks(path):
        # The previous block's last byte joins the search, so a record start split between
        # blocks is counted once.
        count += (last + block).count(b"\n>")
        last = block[-1:]
    return count


def count_fastq(path: str | os.PathLike) -> int:
    """Number of records in a four-line FASTQ file.

    Raises
    ------
    ValueError
        If the line count is not a multiple of four.
    """
    lines, last = 0, b"\n"
    for block in read_blocks(path):
        lines += block.count(b"\n")
        last = block[-1:]
    lines += last != b"\n"  # a last line without a line break
    if lines % 4:
        raise ValueError(f"{path}: {lines} lines is not a multiple of 4; the FASTQ is truncated.")
    return lines // 4


def fasta_ids(path: str | os.PathLike) -> list[str]:
    """Record IDs (header up to the first space or ``;``) of a FASTA file, in file order."""
    return [h.split()[0].split(";")[0] for h, _ in read_fasta(Path(path))]
