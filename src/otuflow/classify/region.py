"""Primer-based extraction of the amplified region (e.g. V3-V4) from reference sequences.

Primers are given 5'->3' as ordered (the reverse primer on the opposite strand) and may contain
IUPAC codes. A primer base matches a reference base when their IUPAC base sets intersect, so an
``N`` or other ambiguity in the reference never counts as a mismatch. The forward primer site is
the position with the fewest mismatches (leftmost on ties); the reverse primer's reverse
complement is then searched downstream of it the same way. Both must be found with at most
``max_mismatch`` mismatches over the full primer length. Sequences in which no site pair is found
are retried reverse-complemented (the region is then returned in forward orientation).
By default the primer sites are excluded, as after primer trimming of the reads.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from otuflow.classify.kmers import reverse_complement

_IUPAC = {
    "A": "A", "C": "C", "G": "G", "T": "T", "U": "T", "R": "AG", "Y": "CT", "S": "CG",
    "W": "AT", "K": "GT", "M": "AC", "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG",
    "N": "ACGT",
}
_BIT = {"A": 1, "C": 2, "G": 4, "T": 8}
_MASK = np.zeros(256, dtype=np.uint8)
for _code, _bases in _IUPAC.items():
    _m = sum(_BIT[b] for b in _bases)
    _MASK[ord(_code)] = _m
    _MASK[ord(_code.lower())] = _m
_CHUNK_BASES = 4_000_000


class PrimerError(ValueError):
    """A primer contains characters that are not IUPAC nucleotide codes."""


def primer_mask(primer: str) -> np.ndarray:
    """Return the per-position IUPAC bit masks (A=1, C=2, G=4, T=8) of a primer."""
    primer = primer.strip()
    if not primer:
        raise PrimerError("empty primer")
    bad = [c for c in primer if _MASK[ord(c)] == 0 if ord(c) < 256]
    if bad or any(ord(c) >= 256 for c in primer):
        raise PrimerError(f"primer {primer!r} contains non-IUPAC characters {sorted(set(bad))}")
    return _MASK[np.frombuffer(primer.encode("ascii"), dtype=np.uint8)]


def mismatch_profile(seq_mask: np.ndarray, pmask: np.ndarray) -> np.ndarray:
    """Mismatch count of the primer at every start position of a base-mask array."""
    n = seq_mask.size - pmask.size + 1
    if n <= 0:
        return np.zeros(0, dtype=np.int16)
    mism = np.zeros(n, dtype=np.int16)
    for i, pm in enumerate(pmask):
        mism += (seq_mask[i : i + n] & pm) == 0
    return mism


def _best_sites(mism, seq_start, seq_end, plen, min_pos, max_mismatch, n_seqs):
    """Per sequence, (position, found) of the best admissible primer site."""
    pos = np.full(n_seqs, -1, dtype=np.int64)
    cand = np.flatnonzero(mism <= max_mismatch)
    if cand.size == 0:
        return pos
    seq_of = np.searchsorted(seq_start, cand, side="right") - 1
    ok = (cand + plen <= seq_end[seq_of]) & (cand >= min_pos[seq_of])
    cand, seq_of = cand[ok], seq_of[ok]
    if cand.size == 0:
        return pos
    order = np.lexsort((cand, mism[cand], seq_of))
    cand, seq_of = cand[order], seq_of[order]
    first = np.r_[True, seq_of[1:] != seq_of[:-1]]
    pos[seq_of[first]] = cand[first]
    return pos


def _extract_chunk(seqs, fmask, rmask, max_mismatch, keep_primers):
    joined = "".join(s + "!" * max(fmask.size, rmask.size) for s in seqs)  # '!' never matches
    smask = _MASK[np.frombuffer(joined.encode("ascii", "replace"), dtype=np.uint8)]
    lengths = np.array([len(s) + max(fmask.size, rmask.size) for s in seqs], dtype=np.int64)
    seq_start = np.r_[0, np.cumsum(lengths)[:-1]]
    seq_end = seq_start + np.array([len(s) for s in seqs], dtype=np.int64)
    n = len(seqs)
    fpos = _best_sites(mismatch_profile(smask, fmask), seq_start, seq_end, fmask.size,
                       seq_start, max_mismatch, n)
    found_f = fpos >= 0
    min_rev = np.where(found_f, fpos + fmask.size, np.iinfo(np.int64).max // 2)
    rpos = _best_sites(mismatch_profile(smask, rmask), seq_start, seq_end, rmask.size,
                       min_rev, max_mismatch, n)
    out, found = [], []
    for i, s in enumerate(seqs):
        if fpos[i] < 0 or rpos[i] < 0:
            out.append("")
            found.append(False)
            continue
        a = fpos[i] - seq_start[i]
        b = rpos[i] - seq_start[i]
        out.append(s[a : b + rmask.size] if keep_primers else s[a + fmask.size : b])
        found.append(True)
    return out, found


def extract_regions(
    sequences: Sequence[str],
    forward: str,
    reverse: str,
    *,
    max_mismatch: int = 2,
    keep_primers: bool = False,
) -> tuple[list[str], list[bool]]:
    """Cut the region between two primers out of every sequence.

    Parameters
    ----------
    sequences : sequence of str
        Reference sequences (DNA, IUPAC codes allowed).
    forward, reverse : str
        Primers 5'->3' (IUPAC); ``reverse`` binds the opposite strand.
    max_mismatch : int
        Maximum mismatches per primer.
    keep_primers : bool
        Include the primer sites in the returned region.

    Returns
    -------
    regions : list of str
        The region (empty string where not found).
    found : list of bool
        Whether both primer sites were found (in either orientation).
    """
    if max_mismatch < 0:
        raise ValueError("max_mismatch must be >= 0")
    fmask = primer_mask(forward)
    rmask = primer_mask(reverse_complement(reverse.strip().upper()))
    regions: list[str] = [""] * len(sequences)
    found: list[bool] = [False] * len(sequences)
    for orientation in ("forward", "reverse"):
        todo = [i for i in range(len(sequences)) if not found[i]]
        start = 0
        while start < len(todo):
            stop, size = start, 0
            while stop < len(todo) and (size < _CHUNK_BASES or stop == start):
                size += len(sequences[todo[stop]])
                stop += 1
            idx = todo[start:stop]
            seqs = [sequences[i].upper() for i in idx]
            if orientation == "reverse":
                seqs = [reverse_complement(s) for s in seqs]
            cut, ok = _extract_chunk(seqs, fmask, rmask, max_mismatch, keep_primers)
            for i, c, k in zip(idx, cut, ok, strict=True):
                if k:
                    regions[i], found[i] = c, True
            start = stop
    return regions, found
