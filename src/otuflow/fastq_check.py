"""Validate a sample's paired FASTQ files before any tool reads them."""

from __future__ import annotations

import gzip
import os
import zlib
from dataclasses import asdict, dataclass
from itertools import zip_longest

from otuflow.fastx import is_gzip, read_blocks

PHRED33_MIN, PHRED33_MAX = 33, 33 + 45  # '!' .. 'N': above Q45 no Illumina instrument reports


class FastqError(ValueError):
    """A FASTQ file that cannot be processed, with the file, record and what to do."""


@dataclass
class PairStats:
    """What a validated pair of FASTQ files holds."""

    pairs: int
    mean_length_r1: float
    mean_length_r2: float
    min_quality_char: str
    max_quality_char: str

    def as_dict(self) -> dict:
        """Plain dict for a JSON report."""
        return asdict(self)


RECORDS_PER_CHUNK = 20_000

#: Bytes a read may hold: nucleotides and IUPAC ambiguity codes, either case.
_NUCLEOTIDES = b"ACGTUNRYSWKMBDHVacgtunryswkmbdhv"
#: Quality bytes of Phred+33 from Q0 to Q45.
_PHRED33 = bytes(range(PHRED33_MIN, PHRED33_MAX + 1))


@dataclass
class _Chunk:
    """Consecutive records of one file, line endings removed (bytes)."""

    first_line: int
    headers: list[bytes]
    sequences: list[bytes]
    qualities: list[bytes]

    def line_of(self, i: int) -> int:
        """Line number of the header of record ``i`` of the chunk."""
        return self.first_line + 4 * i


def _lines(path: str | os.PathLike):
    """Yield lists of complete lines (no line endings), block by block."""
    tail = b""
    for block in read_blocks(path):
        lines = (tail + block).split(b"\n")
        tail = lines.pop()
        yield lines
    if tail:
        yield [tail]


def _decodable_lines(path: str | os.PathLike) -> int:
    """Complete lines that decompress before a damaged gzip stream breaks (for the message)."""
    decoder = zlib.decompressobj(wbits=31)
    lines = 0
    with open(path, "rb") as handle:
        try:
            while block := handle.read(1 << 16):
                lines += decoder.decompress(block).count(b"\n")
                while decoder.eof and decoder.unused_data:  # a file of several gzip members
                    rest = decoder.unused_data
                    decoder = zlib.decompressobj(wbits=31)
                    lines += decoder.decompress(rest).count(b"\n")
        except zlib.error:
            pass
    return lines


def _plain_text_named_gz(path: str | os.PathLike) -> str | None:
    """The message for a file named ``.gz`` that is not gzip-compressed, or None."""
    if not str(path).endswith(".gz"):
        return None
    with open(path, "rb") as handle:
        start = handle.read(2)
    if start == b"\x1f\x8b" or not start:
        return None
    kind = "plain FASTQ text" if start.startswith(b"@") else "not gzip data"
    return (
        f"{path}: the name ends in .gz but the file is {kind} (it starts with "
        f"{start.decode('latin-1')!r}; gzip files start with the bytes 1f 8b). Compress it "
        "with `gzip`, or remove .gz from its name and the sheet."
    )


def _chunks(path: str | os.PathLike):
    """Yield :class:`_Chunk` of :data:`RECORDS_PER_CHUNK` records each (the last may be shorter).

    Checks the structure of every record (header '@', separator '+', as many qualities as
    bases), that the file is text and that the gzip stream is complete.
    """
    misnamed = _plain_text_named_gz(path)
    if misnamed:
        raise FastqError(misnamed)
    records = RECORDS_PER_CHUNK
    pending: list[bytes] = []
    line_no = 0  # lines handed out in chunks so far
    try:
        for lines in _lines(path):
            pending.extend(lines)
            while len(pending) >= 4 * records:
                yield _make_chunk(path, pending[: 4 * records], line_no + 1)
                del pending[: 4 * records]
                line_no += 4 * records
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise FastqError(
            f"{path}: the gzip stream is broken after line {_decodable_lines(path)} ({error}); "
            "the file is truncated or damaged. Copy or download it again."
        ) from None
    complete = len(pending) // 4 * 4
    last = _make_chunk(path, pending[:complete], line_no + 1) if complete else None
    if len(pending) > complete:  # before handing out the last records, as a record reader would
        raise FastqError(
            f"{path}: the last record (line {line_no + complete + 1}) is incomplete: the file is "
            "truncated. Copy or download it again."
        )
    if last is not None:
        yield last


def _make_chunk(path, lines: list[bytes], first_line: int) -> _Chunk:
    if any(line.endswith(b"\r") for line in lines[:4]):  # Windows line endings
        lines = [line.rstrip(b"\r") for line in lines]
    headers, sequences, separators, qualities = lines[0::4], lines[1::4], lines[2::4], lines[3::4]
    chunk = _Chunk(first_line, headers, sequences, qualities)
    if not (all(h.startswith(b"@") for h in headers)
            and all(s.startswith(b"+") for s in separators)):  # fmt: skip
        bad = next(i for i, (h, s) in enumerate(zip(headers, separators, strict=True))
                   if not (h.startswith(b"@") and s.startswith(b"+")))  # fmt: skip
        raise FastqError(
            f"{path}: line {chunk.line_of(bad)} does not start a FASTQ record ('@' header, "
            "sequence, '+', qualities); is this a FASTQ file?"
        )
    seq_lengths, qual_lengths = list(map(len, sequences)), list(map(len, qualities))
    if seq_lengths != qual_lengths:
        pairs = zip(seq_lengths, qual_lengths, strict=True)
        bad = next(i for i, (a, b) in enumerate(pairs) if a != b)
        raise FastqError(
            f"{path}: record at line {chunk.line_of(bad)} has {seq_lengths[bad]} bases but "
            f"{qual_lengths[bad]} quality values; the file is damaged."
        )
    try:
        b"\n".join(lines).decode()
    except UnicodeDecodeError:
        raise FastqError(f"{path}: not a text FASTQ file (binary content).") from None
    if b"".join(sequences).translate(None, _NUCLEOTIDES):
        bad = next(i for i, seq in enumerate(sequences) if seq.translate(None, _NUCLEOTIDES))
        letters = sorted(set(sequences[bad].translate(None, _NUCLEOTIDES).decode()))
        raise FastqError(
            f"{path}: line {chunk.line_of(bad) + 1}: the read holds "
            f"{', '.join(map(repr, letters))}, which are not nucleotide codes (A, C, G, T, N or "
            "IUPAC ambiguity letters); the file is damaged or was written by a tool that masks "
            "bases. Use the original reads."
        )
    return chunk


def holds_no_reads(path: str | os.PathLike) -> bool:
    """Whether a plain or gzip FASTQ file decompresses to nothing at all (0 reads).

    Decompresses one byte at most, so it is cheap before any job. A file that cannot be read or
    decompressed is not "empty": :func:`check_fastq_pair` reports what is wrong with it.
    """
    try:
        with gzip.open(path, "rb") if is_gzip(path) else open(path, "rb") as handle:
            return handle.read(1) == b""
    except (OSError, EOFError, zlib.error):
        return False


def _quality_range(qualities: bytes, low: int, high: int) -> tuple[int, int]:
    """Smallest and largest byte of ``qualities`` (not empty), widening ``low``..``high``.

    Looks for single bytes with ``in`` (a C memchr scan), from the edges of the range seen so
    far outwards, so it costs a few scans of the block rather than a loop over every byte, and
    needs no numpy (whose import costs more than checking a small sample).
    """
    if qualities.translate(None, _PHRED33):  # outside Phred+33: the exact range, for the message
        return min(low, min(qualities)), max(high, max(qualities))
    for code in range(PHRED33_MIN, min(low, PHRED33_MAX + 1)):
        if bytes((code,)) in qualities:
            low = code
            break
    for code in range(PHRED33_MAX, max(high, PHRED33_MIN - 1), -1):
        if bytes((code,)) in qualities:
            high = code
            break
    return low, high


def _read_id(header: bytes) -> bytes:
    fields = header[1:].split(maxsplit=1)
    name = fields[0] if fields else b""
    if name.endswith((b"/1", b"/2")):
        name = name[:-2]
    return name


def check_fastq_pair(
    r1: str | os.PathLike,
    r2: str | os.PathLike,
    sample: str,
    min_length: int = 1,
    allow_empty: bool = False,
) -> PairStats:
    """Check that R1 and R2 are valid, paired, Phred+33 FASTQ files of usable reads.

    Parameters
    ----------
    r1, r2 : path-like
        Forward and reverse reads (plain or gzip).
    sample : str
        Sample ID, for messages.
    min_length : int
        Mean read length below which the reads cannot overlap for merging.
    allow_empty : bool
        Accept R1 and R2 that both hold no reads (0 pairs, lengths 0); the workflow leaves such
        a sample out of the analyses. Otherwise they are an error.

    Returns
    -------
    PairStats
        Counts and length/quality summaries.

    Raises
    ------
    FastqError
        For an empty, truncated or non-FASTQ file, unequal read counts, mismatched read IDs,
        qualities that are not Phred+33, or reads too short to merge.
    """
    pairs, len1, len2 = 0, 0, 0
    qmin, qmax = 255, 0
    for chunk1, chunk2 in zip_longest(_chunks(r1), _chunks(r2)):
        n1 = len(chunk1.headers) if chunk1 else 0
        n2 = len(chunk2.headers) if chunk2 else 0
        if n1 != n2:
            shorter, longer = (r1, r2) if n1 < n2 else (r2, r1)
            raise FastqError(
                f"sample {sample}: {shorter} ends after {pairs + min(n1, n2)} reads but {longer} "
                "has more; R1 and R2 must hold the same reads in the same order."
            )
        ids1 = list(map(_read_id, chunk1.headers))
        ids2 = list(map(_read_id, chunk2.headers))
        if ids1 != ids2:
            i = next(i for i, (a, b) in enumerate(zip(ids1, ids2, strict=True)) if a != b)
            raise FastqError(
                f"sample {sample}: read {pairs + i + 1} has ID {ids1[i].decode()!r} in {r1} "
                f"(line {chunk1.line_of(i)}) but {ids2[i].decode()!r} in {r2} (line "
                f"{chunk2.line_of(i)}); the files are not mates of each other, or one was "
                "re-sorted."
            )
        pairs += n1
        len1 += sum(map(len, chunk1.sequences))
        len2 += sum(map(len, chunk2.sequences))
        for chunk in (chunk1, chunk2):
            codes = b"".join(chunk.qualities)
            if codes:
                qmin, qmax = _quality_range(codes, qmin, qmax)
    if pairs == 0 and allow_empty:
        return PairStats(0, 0.0, 0.0, "", "")
    if pairs == 0:
        raise FastqError(
            f"sample {sample}: {r1} holds no reads; remove the sample or fix the file."
        )
    if qmin < PHRED33_MIN or qmax > PHRED33_MAX:
        hint = (
            "This looks like old Illumina Phred+64; convert it (e.g. `seqtk seq -Q64 -V`)."
            if qmin >= 64
            else "Qualities must be Phred+33 (Sanger / Illumina 1.8+)."
        )
        raise FastqError(
            f"sample {sample}: quality characters range from {chr(qmin)!r} to {chr(qmax)!r}. {hint}"
        )
    stats = PairStats(pairs, len1 / pairs, len2 / pairs, chr(qmin), chr(qmax))
    if min(stats.mean_length_r1, stats.mean_length_r2) < min_length:
        raise FastqError(
            f"sample {sample}: mean read lengths {stats.mean_length_r1:.0f}/"
            f"{stats.mean_length_r2:.0f} nt are shorter than the {min_length} nt the pairs must "
            "overlap by to merge (config 'merge: min_overlap'); were the reads trimmed already?"
        )
    return stats


def main(argv: list[str] | None = None) -> int:
    """Command line of the workflow's per-sample read check (``python -m otuflow.fastq_check``).

    Checks one FASTQ pair and writes what it holds as JSON; a problem ends the command with
    status 1 and one ``ERROR:`` line naming the file and record. It is run as a module, not
    through the ``otuflow`` command, so that the job imports nothing but this check.
    """
    import argparse
    import json
    import sys

    from otuflow.atomic import atomic_path

    parser = argparse.ArgumentParser(
        prog="python -m otuflow.fastq_check", description="Check a sample's FASTQ pair."
    )
    parser.add_argument("--r1", required=True)
    parser.add_argument("--r2", required=True)
    parser.add_argument("--sample", required=True)
    parser.add_argument("--min-length", type=int, default=1)
    parser.add_argument(
        "--allow-empty", action="store_true", help="accept R1 and R2 that both hold no reads"
    )
    parser.add_argument("--out", required=True, help="JSON summary to write")
    args = parser.parse_args(argv)
    try:
        stats = check_fastq_pair(
            args.r1, args.r2, args.sample, args.min_length, args.allow_empty
        )
    except FastqError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    with atomic_path(args.out) as tmp:
        tmp.write_text(json.dumps(stats.as_dict(), indent=2) + "\n")
    print(stats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
