"""Paired 2 x 250 MiSeq reads from a template pool, and gzip FASTQ output."""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass

import numpy as np

from otuflow.iupac import reverse_complement
from otuflow.simulate.quality import add_substitution_errors, phred_scores

READ_LENGTH = 250
ADAPTER_TAIL_R1 = "ACACTCTTTCCCTACACGACGCTCTTCCGATCT"
"""3' end of the Illumina adapter before the forward primer (quoted in the model study)."""
ADAPTER_TAIL_R2 = "CGGTCTCGGCATTCCTGCTGAACCGCTCTTCCGATCT"
"""3' end of the Illumina adapter before the reverse primer (quoted in the model study)."""
SPACER_FRACTION = 0.5
"""Fraction of reads with a 1-3 nt heterogeneity spacer before the primer (others have none)."""
SPACER_LENGTH = (1, 3)
ADAPTER_FRACTION = 0.04
"""Fraction of reads that start inside the adapter, i.e. carry its last bases before the spacer."""
ADAPTER_SUFFIX_LENGTH = (3, 20)
# What a read sees after running off the far end of a short amplicon (never reached with
# V3-V4 amplicons of ~450 nt, but keeps every read exactly READ_LENGTH long).
_READ_THROUGH = {1: "AGATCGGAAGAGCACACGTCTGAACTCCAGTCAC", 2: "AGATCGGAAGAGCGTCGTGTAGGGAAAGAGTGT"}
_BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


@dataclass(frozen=True)
class ReadPairs:
    """Simulated read pairs of one sample.

    Attributes
    ----------
    template : numpy.ndarray
        Index of the source template of each pair.
    prefix1, prefix2 : list of str
        Error-free bases before the primer in R1 / R2 (adapter suffix + spacer; may be empty).
    r1, r2 : numpy.ndarray
        ``uint8`` ASCII bases, shape ``(n, READ_LENGTH)``, sequencing errors included.
    q1, q2 : numpy.ndarray
        Phred scores, same shape.
    """

    template: np.ndarray
    prefix1: list[str]
    prefix2: list[str]
    r1: np.ndarray
    r2: np.ndarray
    q1: np.ndarray
    q2: np.ndarray


def draw_prefixes(n: int, adapter_tail: str, rng: np.random.Generator) -> list[str]:
    """Bases a read shows before the primer: optional adapter suffix, then optional spacer.

    Parameters
    ----------
    n : int
        Number of reads.
    adapter_tail : str
        Adapter 3' end whose suffix may appear.
    rng : numpy.random.Generator
        Random source.

    Returns
    -------
    list of str
        One prefix per read ("" for most).
    """
    spacer_len = np.where(
        rng.random(n) < SPACER_FRACTION,
        rng.integers(SPACER_LENGTH[0], SPACER_LENGTH[1] + 1, size=n),
        0,
    )
    adapter_len = np.where(
        rng.random(n) < ADAPTER_FRACTION,
        rng.integers(ADAPTER_SUFFIX_LENGTH[0], ADAPTER_SUFFIX_LENGTH[1] + 1, size=n),
        0,
    )
    spacer_bases = _BASES[rng.integers(4, size=(n, SPACER_LENGTH[1]))]
    return [
        (adapter_tail[len(adapter_tail) - a :] if a else "")
        + spacer_bases[i, :s].tobytes().decode()
        for i, (a, s) in enumerate(zip(adapter_len.tolist(), spacer_len.tolist(), strict=True))
    ]


def _assemble(strands: list[str], mate: int, choice: np.ndarray, prefixes: list[str]) -> np.ndarray:
    """Error-free reads: prefix, then the template strand, cut or padded to READ_LENGTH."""
    pad = _READ_THROUGH[mate] + "A" * READ_LENGTH
    table = np.frombuffer(
        "".join((s + pad)[:READ_LENGTH] for s in strands).encode(), dtype=np.uint8
    ).reshape(len(strands), READ_LENGTH)
    width = max([len(p) for p in prefixes] + [1])
    prefix_table = np.frombuffer(
        "".join(p.ljust(width, "N") for p in prefixes).encode(), dtype=np.uint8
    ).reshape(len(prefixes), width)
    shift = np.array([len(p) for p in prefixes])[:, None]
    pos = np.arange(READ_LENGTH)[None, :] - shift
    from_template = table[choice[:, None], pos.clip(min=0)]
    from_prefix = prefix_table[
        np.arange(len(prefixes))[:, None], np.arange(READ_LENGTH).clip(max=width - 1)[None, :]
    ]
    return np.where(pos >= 0, from_template, from_prefix)


def simulate_pairs(
    amplicons: list[str], weights: np.ndarray, n_pairs: int, rng: np.random.Generator
) -> ReadPairs:
    """Draw ``n_pairs`` read pairs from a pool of amplicons.

    R1 reads the forward strand from the 5' end of 341F; R2 reads the reverse strand from the
    5' end of 805R. Each read may start with an adapter suffix and/or a spacer.

    Parameters
    ----------
    amplicons : list of str
        Full amplicons (with primer sites), forward strand.
    weights : numpy.ndarray
        Pool fraction of each amplicon (sums to 1).
    n_pairs : int
        Number of pairs.
    rng : numpy.random.Generator
        The sample's read stream.

    Returns
    -------
    ReadPairs
    """
    choice = rng.choice(len(amplicons), size=n_pairs, p=weights)
    prefix1 = draw_prefixes(n_pairs, ADAPTER_TAIL_R1, rng)
    prefix2 = draw_prefixes(n_pairs, ADAPTER_TAIL_R2, rng)
    true1 = _assemble(amplicons, 1, choice, prefix1)
    true2 = _assemble([reverse_complement(a) for a in amplicons], 2, choice, prefix2)
    q1 = phred_scores(n_pairs, READ_LENGTH, 1, rng)
    q2 = phred_scores(n_pairs, READ_LENGTH, 2, rng)
    r1 = add_substitution_errors(true1, q1, rng)
    r2 = add_substitution_errors(true2, q2, rng)
    return ReadPairs(choice, prefix1, prefix2, r1, r2, q1, q2)


def read_names(n_pairs: int, rng: np.random.Generator) -> list[str]:
    """Illumina-style read IDs ``SIM:1:FC:1:1:x:y`` (unique; shared by both mates)."""
    y = rng.integers(1000, 30000, size=n_pairs)
    return [f"SIM:1:FC:1:1:{1000 + i}:{int(v)}" for i, v in enumerate(y)]


def write_fastq_gz(
    path: str | os.PathLike, names: list[str], bases: np.ndarray, phred: np.ndarray, mate: int
) -> None:
    """Write one mate's reads as gzip FASTQ (Phred+33), reproducibly (gzip mtime 0, no name).

    Parameters
    ----------
    path : path-like
        Output file.
    names : list of str
        Read IDs (without ``@``).
    bases, phred : numpy.ndarray
        Base and quality matrices, one row per read.
    mate : int
        1 or 2, written as ``<mate>:N:0:1`` after the ID.
    """
    seq = bases.tobytes()
    qual = (phred + 33).astype(np.uint8).tobytes()
    width = bases.shape[1]
    chunks = []
    for i, name in enumerate(names):
        lo, hi = i * width, (i + 1) * width
        chunks.append(b"@%s %d:N:0:1\n%s\n+\n%s\n" % (name.encode(), mate, seq[lo:hi], qual[lo:hi]))
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz,
    ):
        gz.write(b"".join(chunks))
