"""IUPAC nucleotide codes: validation, reverse complements and primer matching."""

from __future__ import annotations

import re

IUPAC_BASES: dict[str, str] = {
    "A": "A", "C": "C", "G": "G", "T": "T", "U": "T",
    "R": "AG", "Y": "CT", "S": "CG", "W": "AT", "K": "GT", "M": "AC",
    "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT",
}  # fmt: skip

_COMPLEMENT = str.maketrans("ACGTURYSWKMBDHVN", "TGCAAYRSWMKVHDBN")


class PrimerError(ValueError):
    """A primer sequence that is not a valid IUPAC DNA string."""


def validate_primer(sequence: str, name: str = "primer") -> str:
    """Return the primer upper-cased, or raise if it has a non-IUPAC letter.

    Parameters
    ----------
    sequence : str
        Primer sequence, 5'→3'.
    name : str
        Name used in the error message (e.g. the config key).

    Returns
    -------
    str
        The upper-cased primer.

    Raises
    ------
    PrimerError
        If the primer is empty or holds a letter outside the IUPAC nucleotide code.
    """
    seq = sequence.strip().upper()
    if not seq:
        raise PrimerError(f"{name} is empty: give the primer sequence 5'->3'.")
    bad = sorted({c for c in seq if c not in IUPAC_BASES})
    if bad:
        raise PrimerError(
            f"{name} {sequence!r} has letters that are not IUPAC nucleotide codes: "
            f"{', '.join(map(repr, bad))}. Use A C G T and R Y S W K M B D H V N only."
        )
    return seq


def reverse_complement(sequence: str) -> str:
    """Reverse complement of a DNA sequence that may hold IUPAC ambiguity codes.

    Parameters
    ----------
    sequence : str
        DNA sequence (IUPAC letters allowed).

    Returns
    -------
    str
        The reverse complement, upper case.
    """
    return sequence.upper().translate(_COMPLEMENT)[::-1]


def primer_regex(primer: str) -> re.Pattern[str]:
    """Compile a regular expression that matches a primer exactly, ambiguity codes expanded.

    Parameters
    ----------
    primer : str
        Primer sequence with IUPAC codes.

    Returns
    -------
    re.Pattern
        Pattern matching any concrete sequence the primer stands for.
    """
    return re.compile("".join(f"[{IUPAC_BASES[c]}]" for c in validate_primer(primer)))
