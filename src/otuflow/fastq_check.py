"""Validate a sample's paired FASTQ files before any tool reads them."""

from __future__ import annotations

import gzip
import os
import zlib
from dataclasses import asdict, dataclass
from itertools import zip_longest

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


def _records(path: str | os.PathLike):
    """Yield (line_number, header, sequence, quality) from a FASTQ file, checking its structure."""
    with open(path, "rb") as raw:
        magic = raw.read(2)
    handle = gzip.open(path, "rt") if magic == b"\x1f\x8b" else open(path)
    line_no = 0
    try:
        with handle:
            while True:
                lines = []
                for _ in range(4):
                    line = handle.readline()
                    if not line:
                        break
                    lines.append(line.rstrip("\r\n"))
                if not lines:
                    return
                line_no += len(lines)
                start = line_no - len(lines) + 1
                if len(lines) < 4:
                    raise FastqError(
                        f"{path}: the last record (line {start}) is incomplete: the file is "
                        "truncated. Copy or download it again."
                    )
                header, seq, plus, qual = lines
                if not header.startswith("@") or not plus.startswith("+"):
                    raise FastqError(
                        f"{path}: line {start} does not start a FASTQ record ('@' header, "
                        "sequence, '+', qualities); is this a FASTQ file?"
                    )
                if len(seq) != len(qual):
                    raise FastqError(
                        f"{path}: record at line {start} has {len(seq)} bases but {len(qual)} "
                        "quality values; the file is damaged."
                    )
                yield start, header, seq, qual
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise FastqError(
            f"{path}: the gzip stream is broken after line {line_no} ({error}); the file is "
            "truncated or damaged. Copy or download it again."
        ) from None
    except UnicodeDecodeError:
        raise FastqError(f"{path}: not a text FASTQ file (binary content).") from None


def _read_id(header: str) -> str:
    name = header[1:].split(maxsplit=1)[0] if len(header) > 1 else ""
    if name.endswith(("/1", "/2")):
        name = name[:-2]
    return name


def check_fastq_pair(
    r1: str | os.PathLike, r2: str | os.PathLike, sample: str, min_length: int = 1
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
    for rec1, rec2 in zip_longest(_records(r1), _records(r2)):
        if rec1 is None or rec2 is None:
            shorter, longer = (r1, r2) if rec1 is None else (r2, r1)
            raise FastqError(
                f"sample {sample}: {shorter} ends after {pairs} reads but {longer} has more; "
                "R1 and R2 must hold the same reads in the same order."
            )
        if _read_id(rec1[1]) != _read_id(rec2[1]):
            raise FastqError(
                f"sample {sample}: read {pairs + 1} has ID {_read_id(rec1[1])!r} in {r1} "
                f"(line {rec1[0]}) but {_read_id(rec2[1])!r} in {r2} (line {rec2[0]}); the files "
                "are not mates of each other, or one was re-sorted."
            )
        pairs += 1
        len1 += len(rec1[2])
        len2 += len(rec2[2])
        for qual in (rec1[3], rec2[3]):
            if qual:
                codes = qual.encode()
                qmin, qmax = min(qmin, min(codes)), max(qmax, max(codes))
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
