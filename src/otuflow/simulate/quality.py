"""MiSeq-like Phred quality profiles and substitution errors consistent with them."""

from __future__ import annotations

import numpy as np

PHRED_RANGE = (2, 41)
"""Smallest and largest quality score written (Phred+33: ``#`` to ``J``)."""
# Mean-profile shape per mate: Q(x) = start - linear * x - cubic * x**3, x = position / (len - 1).
_PROFILE = {1: (37.5, 0.8, 7.5), 2: (36.5, 1.5, 11.0)}
_LOW_TAIL = {1: 0.05, 2: 0.08}  # fraction of reads whose quality collapses towards the 3' end
_DIP_RATE = 0.004  # isolated low-quality calls per base
_BASES = np.frombuffer(b"ACGT", dtype=np.uint8)
_INDEX = np.full(256, 255, dtype=np.uint8)
_INDEX[_BASES] = np.arange(4, dtype=np.uint8)


def phred_scores(n_reads: int, length: int, mate: int, rng: np.random.Generator) -> np.ndarray:
    """Draw per-base Phred scores for ``n_reads`` reads of one mate.

    The mean declines from ~37 at the start to ~29 (R1) or ~24 (R2) at base 250; each read has
    its own offset and decline, bases vary around it, a few bases dip, and some reads end in a
    low-quality tail (decaying to ~Q8).

    Parameters
    ----------
    n_reads, length : int
        Matrix shape.
    mate : int
        1 or 2 (R2 is worse, as on the MiSeq).
    rng : numpy.random.Generator
        Random source.

    Returns
    -------
    numpy.ndarray
        ``uint8`` Phred scores in :data:`PHRED_RANGE`, shape ``(n_reads, length)``.
    """
    start, linear, cubic = _PROFILE[mate]
    x = np.arange(length) / max(length - 1, 1)
    decline = linear * x + cubic * x**3
    first = np.zeros(length)
    first[:3] = (3.0, 2.0, 1.0)[: min(3, length)]  # the first cycles read a little worse
    offset = rng.normal(0.0, 1.2, size=(n_reads, 1))
    steepness = rng.lognormal(0.0, 0.3, size=(n_reads, 1))
    q = start + offset - steepness * decline[None, :] - first[None, :]
    q = q + rng.normal(0.0, 2.0, size=(n_reads, length))
    dips = rng.random((n_reads, length)) < _DIP_RATE
    q = np.where(dips, q - rng.uniform(10, 25, size=(n_reads, length)), q)
    tail = rng.random(n_reads) < _LOW_TAIL[mate]
    tail_start = rng.integers(int(0.6 * length), length, size=n_reads)
    pos = np.arange(length)[None, :]
    into = (pos - tail_start[:, None]).clip(min=0)
    falling = np.maximum(8.0, q - 3.0 * into) + rng.normal(0.0, 3.0, size=q.shape)
    q = np.where(tail[:, None] & (into > 0), np.minimum(q, falling), q)
    return np.clip(np.rint(q), *PHRED_RANGE).astype(np.uint8)


def error_probability(phred: np.ndarray) -> np.ndarray:
    """Probability that a base call is wrong, ``10 ** (-Q / 10)``."""
    return 10.0 ** (-np.asarray(phred, dtype=float) / 10.0)


def add_substitution_errors(
    bases: np.ndarray, phred: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Replace each base by one of the three others with probability ``10 ** (-Q / 10)``.

    Parameters
    ----------
    bases : numpy.ndarray
        ``uint8`` ASCII A/C/G/T matrix (error-free reads).
    phred : numpy.ndarray
        Phred scores of the same shape.
    rng : numpy.random.Generator
        Random source.

    Returns
    -------
    numpy.ndarray
        A new matrix with the errors.
    """
    wrong = rng.random(bases.shape) < error_probability(phred)
    shift = rng.integers(1, 4, size=bases.shape, dtype=np.uint8)
    mutated = _BASES[(_INDEX[bases] + shift) % 4]
    return np.where(wrong, mutated, bases)
