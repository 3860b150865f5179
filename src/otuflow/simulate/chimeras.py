"""PCR chimeras: two parents from the sample joined at one breakpoint in the middle third."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from otuflow.simulate.sequences import GAP, TemplateSet

CHIMERA_FRACTION = (0.02, 0.04)
"""Range of the chimeric share of each sample's template pool."""
CHIMERAS_PER_SAMPLE = (5, 10)
"""Range of the number of distinct chimeras per sample (inclusive)."""
PARENT_SKEW = 3.0
"""Each parent is at least this many times as abundant as the chimera (UCHIME uses 2)."""
_MIN_DIFFS = 3  # a chimera must differ from each parent at this many columns at least


@dataclass(frozen=True)
class Chimera:
    """One chimeric template.

    Attributes
    ----------
    chimera_id : str
        ID such as ``chim_C01_03``.
    parent_a, parent_b : str
        Species IDs of the 5' (forward primer side) and 3' parent.
    breakpoint : int
        Number of bases of ``parent_a`` at the start of the primer-trimmed chimera; ``parent_b``
        supplies the rest.
    insert : str
        Primer-trimmed chimeric amplicon.
    amplicon : str
        Full amplicon: ``parent_a``'s 341F site + insert + ``parent_b``'s 805R site.
    abundance : float
        Fraction of the sample's template pool.
    """

    chimera_id: str
    parent_a: str
    parent_b: str
    breakpoint: int
    insert: str
    amplicon: str
    abundance: float


def make_chimeras(
    sample: str,
    templates: TemplateSet,
    genus_of: list[str],
    pool: np.ndarray,
    fraction: float,
    rng: np.random.Generator,
) -> list[Chimera]:
    """Draw the chimeras of one sample.

    Parents are drawn in proportion to abundance from species at least :data:`PARENT_SKEW`
    times as abundant as the chimera, from two different genera (chimeras of near-identical
    congeners are indistinguishable from sequencing noise).

    Parameters
    ----------
    sample : str
        Sample ID (used in chimera IDs).
    templates : TemplateSet
        All species templates with their alignment (rows in ``templates.ids`` order).
    genus_of : list of str
        Genus of each template row.
    pool : numpy.ndarray
        Abundance of each species in the sample's pool (already scaled by ``1 - fraction``).
    fraction : float
        Total chimeric share of the pool.
    rng : numpy.random.Generator
        The sample's chimera stream.

    Returns
    -------
    list of Chimera
        Abundances sum to ``fraction``.
    """
    ids = templates.ids
    genus = np.array(genus_of)
    count = int(rng.integers(CHIMERAS_PER_SAMPLE[0], CHIMERAS_PER_SAMPLE[1] + 1))
    shares = rng.dirichlet(np.full(count, 2.0)) * fraction
    shares = _cap_shares(shares, fraction, _share_cap(pool, genus))
    used: set[tuple[int, int]] = set()
    out = []
    for k, share in enumerate(shares):
        eligible = pool >= PARENT_SKEW * share
        if len(set(genus[eligible])) < 2:  # only if the pool has fewer than two genera
            raise RuntimeError(f"{sample}: chimeras need species of two genera in the sample")
        for _ in range(1000):
            a = int(rng.choice(len(pool), p=_normalise(pool * eligible)))
            others = eligible & (genus != genus[a])
            b = int(rng.choice(len(pool), p=_normalise(pool * others)))
            if (min(a, b), max(a, b)) not in used:
                break
        used.add((min(a, b), max(a, b)))
        insert, breakpoint = _join(templates.alignment[a], templates.alignment[b], rng)
        ta, tb = templates.templates[ids[a]], templates.templates[ids[b]]
        out.append(
            Chimera(
                chimera_id=f"chim_{sample}_{k + 1:02d}",
                parent_a=ids[a],
                parent_b=ids[b],
                breakpoint=breakpoint,
                insert=insert,
                amplicon=ta.forward_site + insert + tb.reverse_site,
                abundance=float(share),
            )
        )
    return out


def _share_cap(pool: np.ndarray, genus: np.ndarray) -> float:
    """Largest chimera share that two genera can still parent (PARENT_SKEW times as abundant)."""
    best_per_genus = sorted((pool[genus == g].max() for g in set(genus)), reverse=True)
    if len(best_per_genus) < 2:
        return 0.0
    # A hair below the exact bound, so that PARENT_SKEW * share <= parent survives rounding.
    return float(best_per_genus[1]) / PARENT_SKEW * (1 - 1e-9)


def _cap_shares(shares: np.ndarray, fraction: float, cap: float) -> np.ndarray:
    """Clip shares at ``cap`` and give the excess to the others; add chimeras if all are full.

    In a sample dominated by one genus the drawn share of a chimera can exceed what the second
    genus can parent; the chimeric fraction is kept and spread over more, smaller chimeras.
    """
    if cap <= 0 or shares.max() <= cap:
        return shares
    shares = shares.copy()
    while True:
        over = shares > cap
        excess = float((shares[over] - cap).sum())
        shares[over] = cap
        free = shares < cap
        if excess <= 1e-12 * fraction:  # rounding left over from the last redistribution
            return shares
        if not free.any():
            extra = int(np.ceil(excess / cap - 1e-12))
            tail = np.full(extra, cap)
            tail[-1] = excess - cap * (extra - 1)
            return np.concatenate([shares, tail])
        shares[free] += excess * shares[free] / shares[free].sum()


def _normalise(weights: np.ndarray) -> np.ndarray:
    return weights / weights.sum()


def _join(row_a: np.ndarray, row_b: np.ndarray, rng: np.random.Generator) -> tuple[str, int]:
    """Cut two aligned parents at a homologous column in the middle third of parent A."""
    cols_a = np.flatnonzero(row_a != GAP)
    length = len(cols_a)
    for _ in range(100):
        cut = int(rng.integers(-(-length // 3), 2 * length // 3 + 1))
        column = cols_a[cut]
        joined = np.concatenate([row_a[:column], row_b[column:]])
        diff_a = np.count_nonzero(joined != row_a)
        diff_b = np.count_nonzero(joined != row_b)
        if diff_a >= _MIN_DIFFS and diff_b >= _MIN_DIFFS:
            return joined[joined != GAP].tobytes().decode(), cut
    raise RuntimeError("parents too similar to form a distinguishable chimera")
