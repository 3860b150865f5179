"""8-mer word extraction with the RDP Classifier's encoding.

Bases are coded A=0, T/U=1, G=2, C=3 (as ``GoodWordIterator`` in RDP's ReadSeq library) and a word
is the base-4 number of its eight codes, first base most significant, so word indices are the same
as in the RDP Classifier's training files. Any other character (N, IUPAC codes, gaps) breaks the
word: words overlapping it are skipped, exactly like RDP's "good words".
"""

from __future__ import annotations

import numpy as np

WORD_SIZE = 8
N_WORDS = 4**WORD_SIZE
_INVALID = 255

_CODE = np.full(256, _INVALID, dtype=np.uint8)
for _chars, _code in (("Aa", 0), ("TtUu", 1), ("Gg", 2), ("Cc", 3)):
    for _c in _chars:
        _CODE[ord(_c)] = _code

_COMPLEMENT = bytes.maketrans(
    b"ACGTUMRWSYKVHDBNacgtumrwsykvhdbn", b"TGCAAKYWSRMBDHVNtgcaakywsrmbdhvn"
)


def reverse_complement(seq: str) -> str:
    """Return the reverse complement of a DNA/RNA string (IUPAC codes complemented)."""
    return seq.encode("ascii").translate(_COMPLEMENT)[::-1].decode("ascii")


def encode(seq: str | bytes) -> np.ndarray:
    """Return the per-base codes (0-3, 255 for anything else) of a sequence as uint8."""
    raw = seq.encode("ascii") if isinstance(seq, str) else seq
    return _CODE[np.frombuffer(raw, dtype=np.uint8)]


def words_from_codes(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (word index, start position) of every valid overlapping 8-mer in a code array.

    Parameters
    ----------
    codes : numpy.ndarray
        Output of :func:`encode` (possibly several sequences joined by an invalid separator,
        so that no word spans two sequences).

    Returns
    -------
    words : numpy.ndarray of uint32
        Word indices in sequence order, repeats included (RDP's ``getWordIndexArr``).
    starts : numpy.ndarray of int64
        0-based start position of each word in ``codes``.
    """
    n = codes.size - WORD_SIZE + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.int64)
    invalid = codes == _INVALID
    bad = np.concatenate(([0], np.cumsum(invalid, dtype=np.int64)))
    valid = (bad[WORD_SIZE:] - bad[:-WORD_SIZE]) == 0
    c = np.where(invalid, 0, codes).astype(np.uint32)
    words = np.zeros(n, dtype=np.uint32)
    for k in range(WORD_SIZE):
        words <<= 2
        words |= c[k : k + n]
    starts = np.flatnonzero(valid)
    return words[starts], starts


def sequence_words(seq: str) -> np.ndarray:
    """Return the word indices of all valid overlapping 8-mers of ``seq`` (repeats included)."""
    return words_from_codes(encode(seq))[0]


def reverse_complement_words() -> np.ndarray:
    """Return an array mapping every word index to the index of its reverse complement."""
    w = np.arange(N_WORDS, dtype=np.int64)
    rc = np.zeros(N_WORDS, dtype=np.int64)
    for _ in range(WORD_SIZE):
        # complement in this coding is code ^ 1 (A<->T, G<->C)
        rc = (rc << 2) | ((w & 3) ^ 1)
        w >>= 2
    return rc
