"""How well exact sequence variants match a simulated cohort's truth (its ``truth/`` folder).

Used by the ASV tests and by benchmarks/asv.py to score otuflow's UNOISE3 ASVs and DADA2's
variants the same way: a true species counts as recovered when a variant is identical to its
primer-trimmed amplicon (``truth/species.fasta``); a variant is spurious when it is not within
one edit (substitution, insertion or deletion) of any true amplicon or simulated chimera
(``truth/chimeras.fasta``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from otuflow.fastx import read_fasta


def within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are equal or differ by one substitution, insertion or deletion.

    Parameters
    ----------
    a, b : str
        Sequences (compared as given; upper-case them first if needed).

    Returns
    -------
    bool
    """
    if a == b:
        return True
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    if abs(len(a) - len(b)) != 1:
        return False
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


@dataclass(frozen=True)
class VariantRecovery:
    """Variants scored against the truth.

    Attributes
    ----------
    expected : list of str
        True species above the abundance floor in at least one sample.
    missing : list of str
        Expected species no variant is identical to.
    spurious : list of str
        Variants not within one edit of a true amplicon or chimera.
    spurious_read_share : float
        Share of the table's reads on spurious variants.
    chimeric : list of str
        Variants identical to a simulated chimera.
    """

    expected: list[str]
    missing: list[str]
    spurious: list[str]
    spurious_read_share: float
    chimeric: list[str]

    @property
    def sensitivity(self) -> float:
        """Share of expected species recovered exactly."""
        return 1 - len(self.missing) / len(self.expected) if self.expected else 1.0


def _sequences(path: Path) -> dict[str, str]:
    return {r.header.split()[0].split(";")[0]: r.sequence.upper() for r in read_fasta(path)}


def score_variants(
    truth: str | Path, variants: str | Path, table: pd.DataFrame, floor: float = 0.005
) -> VariantRecovery:
    """Score variant sequences and their read counts against a simulated cohort's truth.

    Parameters
    ----------
    truth : path
        The cohort's ``truth`` folder (``species.fasta``, ``chimeras.fasta``,
        ``species_abundance.tsv``).
    variants : path
        FASTA of the variants (ID = first word of the header, before any ``;size=``).
    table : pandas.DataFrame
        Reads per variant (rows, same IDs) and sample (columns).
    floor : float
        Relative abundance a species must exceed in at least one sample to be expected.

    Returns
    -------
    VariantRecovery
    """
    truth = Path(truth)
    species = _sequences(truth / "species.fasta")
    chimeras = _sequences(truth / "chimeras.fasta")
    found = _sequences(Path(variants))
    abundance = pd.read_csv(truth / "species_abundance.tsv", sep="\t", index_col=0)
    samples = [c for c in abundance.columns if c not in ("genus", "species")]
    expected = list(abundance.index[abundance[samples].max(axis=1) > floor])
    sequences = set(found.values())
    missing = [sp for sp in expected if species[sp] not in sequences]
    true_sequences = [*species.values(), *chimeras.values()]
    spurious = [v for v, seq in found.items()
                if not any(within_one_edit(seq, t) for t in true_sequences)]  # fmt: skip
    chimeric = [v for v, seq in found.items() if seq in set(chimeras.values())]
    total = float(table.to_numpy().sum())
    share = float(table.reindex(spurious).fillna(0).to_numpy().sum()) / total if total else 0.0
    return VariantRecovery(expected, missing, spurious, share, chimeric)
