"""FASTA/FASTQ input: the package's one FASTA reader and fast record counters.

:func:`read_fasta` is the only FASTA parser in otuflow; every module (OTU table, classifier
references and queries) reads FASTA through it. It is a plain line loop, about as fast as
Biopython's ``SimpleFastaParser`` (see benchmarks/ANALYSIS.md), and it also reports the line of
each header, which the classifier's error messages name.
"""

from __future__ import annotations

import gzip
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple


def is_gzip(path: str | os.PathLike) -> bool:
    """Whether a file is gzip-compressed, from its magic bytes (not its suffix)."""
    with open(path, "rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def open_text(path: str | os.PathLike) -> io.TextIOBase:
    """Open a plain or gzip-compressed text file for reading (UTF-8, bad bytes replaced).

    Parameters
    ----------
    path : path-like
        File name; gzip is detected from the magic bytes, not the suffix.

    Returns
    -------
    io.TextIOBase
        A text handle.
    """
    if is_gzip(path):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


class FastaFormatError(ValueError):
    """A file given as FASTA is not FASTA; the message names the file and line."""


class FastaRecord(NamedTuple):
    """One FASTA record."""

    header: str
    """Header line without the leading ``>`` (and without the line break)."""
    sequence: str
    """Sequence lines joined, surrounding whitespace of each line removed."""
    line: int
    """1-based line number of the header in the file."""


def read_fasta(path: str | os.PathLike) -> Iterator[FastaRecord]:
    """Yield the records of a (multi-line, optionally gzipped) FASTA file.

    Parameters
    ----------
    path : path-like
        FASTA file; gzip is detected from the magic bytes. Blank lines are ignored; ``\\r\\n``
        line ends are accepted.

    Yields
    ------
    FastaRecord
        ``(header, sequence, line)`` for each record, in file order.

    Raises
    ------
    FastaFormatError
        If text other than blank lines comes before the first ``>`` header.
    """
    header, parts, header_line = None, [], 0
    with open_text(path) as handle:
        for n, line in enumerate(handle, start=1):
            if line.startswith(">"):
                if header is not None:
                    yield FastaRecord(header, "".join(parts), header_line)
                header, parts, header_line = line[1:].rstrip("\r\n"), [], n
            elif line.strip():
                if header is None:
                    raise FastaFormatError(
                        f"{path}, line {n}: sequence text before the first '>' header; "
                        "is this a FASTA file?"
                    )
                parts.append(line.strip())
    if header is not None:
        yield FastaRecord(header, "".join(parts), header_line)


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
    return [record.header.split()[0].split(";")[0] for record in read_fasta(Path(path))]
