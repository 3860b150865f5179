"""Evolve 16S-like V3-V4 templates along the taxonomy tree and build the primer-bearing amplicons.

Every sequence is a row of one true alignment (``uint8`` ASCII, ``-`` for gaps), so divergences
and chimera breakpoints are measured in homologous columns. The root holds conserved (C) and
variable (V) regions with site-specific rates; insertion slots (gap columns in the root) sit in
the variable regions, so indels change lengths between lineages only there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from otuflow.iupac import IUPAC_BASES, reverse_complement
from otuflow.simulate.taxonomy import Species

FWD_PRIMER = "CCTACGGGNGGCWGCAG"
"""341F, 5'->3'."""
REV_PRIMER = "GACTACHVGGGTATCTAATCC"
"""805R, 5'->3'; it binds the reverse strand, so amplicons end with its reverse complement."""

MIN_DIVERGENCE = 0.035
"""Smallest allowed difference between any two species over the primer-trimmed amplicon."""
MAX_WITHIN_GENUS = 0.05
"""Largest allowed difference between two species of one genus."""
INSERT_LENGTH = (400, 430)
"""Allowed primer-trimmed amplicon lengths (inclusive)."""
FLANK_LENGTH = (20, 60)
"""Reference flank kept on each side of the primer sites (inclusive)."""

GAP = ord("-")
_BASES = np.frombuffer(b"ACGT", dtype=np.uint8)
_BASE_FREQ = (0.24, 0.23, 0.32, 0.21)  # GC ~0.55, as in bacterial 16S V3-V4
# Root layout: ("flank" | "C" | "V", length). Insert = C+V regions = 412 nt.
_LAYOUT = (
    ("flank", 60), ("C", 32), ("V", 58), ("C", 92), ("V", 62),
    ("C", 70), ("V", 48), ("C", 50), ("flank", 60),
)  # fmt: skip
_SLOTS_PER_V, _SLOT_WIDTH = 3, 6
_CONSERVED_RATE = 0.12  # relative to a mean variable-site rate of 1
_GAMMA_SHAPE = 0.6
# Expected fraction of insert sites substituted on the edge leading to a node at this depth
# (1 = domain ... 6 = genus), and the expected number of indels on that edge.
_BRANCH = {1: 0.08, 2: 0.09, 3: 0.06, 4: 0.045, 5: 0.035, 6: 0.03}
_INDELS = {1: 2.0, 2: 2.0, 3: 1.5, 4: 1.0, 5: 0.7, 6: 0.5}
_SPECIES_BRANCH = (0.017, 0.024)
_SPECIES_INDELS = 0.3
_MAX_TRIES = 500


@dataclass(frozen=True)
class Template:
    """The 16S template of one species.

    Attributes
    ----------
    species_id : str
        Species ID.
    insert : str
        Primer-trimmed amplicon (what an OTU centroid should match).
    forward_site : str
        The 341F binding site as found in this species (degenerate positions resolved).
    reverse_site : str
        The forward-strand 805R site, i.e. reverse complement of the resolved primer.
    left_flank, right_flank : str
        Reference sequence outside the primer sites (20-60 nt each).
    """

    species_id: str
    insert: str
    forward_site: str
    reverse_site: str
    left_flank: str
    right_flank: str

    @property
    def amplicon(self) -> str:
        """Full PCR product, forward strand: 341F site + insert + rc(805R) site."""
        return self.forward_site + self.insert + self.reverse_site

    @property
    def fragment(self) -> str:
        """Reference fragment: flank + amplicon + flank."""
        return self.left_flank + self.amplicon + self.right_flank


@dataclass(frozen=True)
class TemplateSet:
    """Templates of all species plus their true alignment over the insert.

    Attributes
    ----------
    templates : dict of str to Template
        By species ID, in species order.
    alignment : numpy.ndarray
        ``uint8`` matrix (species x insert columns), ASCII bases and ``-``; row order as
        ``templates``.
    """

    templates: dict[str, Template]
    alignment: np.ndarray

    @property
    def ids(self) -> list[str]:
        """Species IDs in row order."""
        return list(self.templates)

    def divergence(self) -> np.ndarray:
        """Pairwise divergence matrix over the insert (see :func:`pairwise_divergence`)."""
        return pairwise_divergence(self.alignment, self.alignment)


def pairwise_divergence(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Fraction of differing alignment columns between every row of ``a`` and of ``b``.

    A column counts when at least one of the two rows has a base there; a base against a gap
    counts as a difference (like VSEARCH's default identity, internal gaps included).

    Parameters
    ----------
    a, b : numpy.ndarray
        ``uint8`` alignment rows of equal width, ``-`` for gaps.

    Returns
    -------
    numpy.ndarray
        Matrix ``len(a) x len(b)`` of divergences in [0, 1].
    """
    a3, b3 = a[:, None, :], b[None, :, :]
    used = (a3 != GAP) | (b3 != GAP)
    diff = (a3 != b3) & used
    return diff.sum(axis=2) / np.maximum(used.sum(axis=2), 1)


def resolve_degenerate(primer: str, rng: np.random.Generator) -> str:
    """Replace each IUPAC ambiguity code by one of the bases it stands for, drawn at random.

    Parameters
    ----------
    primer : str
        Primer with IUPAC codes.
    rng : numpy.random.Generator
        Random source.

    Returns
    -------
    str
        A concrete A/C/G/T sequence the primer matches.
    """
    out = []
    for code in primer:
        options = IUPAC_BASES[code]
        out.append(options[rng.integers(len(options))] if len(options) > 1 else options)
    return "".join(out)


class _Layout:
    """Column annotations of the root alignment (region kind, rate, insertion slot)."""

    def __init__(self, rng: np.random.Generator) -> None:
        kinds, slots, rates = [], [], []
        slot_id = 0
        for kind, length in _LAYOUT:
            if kind != "V":
                rate = _CONSERVED_RATE
                kinds += [kind] * length
                slots += [-1] * length
                rates += [rate] * length
                continue
            # Spread the insertion slots evenly through the variable region.
            cuts = np.linspace(0, length, _SLOTS_PER_V + 2)[1:-1].astype(int)
            previous = 0
            for cut in [*cuts, length]:
                n = cut - previous
                kinds += ["V"] * n
                slots += [-1] * n
                rates += list(rng.gamma(_GAMMA_SHAPE, 1 / _GAMMA_SHAPE, size=n))
                if cut != length:
                    kinds += ["V"] * _SLOT_WIDTH
                    slots += [slot_id] * _SLOT_WIDTH
                    rates += [1.0] * _SLOT_WIDTH
                    slot_id += 1
                previous = cut
        self.kind = np.array(kinds)
        self.slot = np.array(slots)
        self.rate = np.array(rates)
        self.n_slots = slot_id
        self.flank = self.kind == "flank"
        self.insert = ~self.flank
        first_insert = int(np.argmax(self.insert))
        self.left = np.arange(len(kinds)) < first_insert
        self.right = self.flank & ~self.left
        self.deletable = (self.kind == "V") & (self.slot < 0)

    def root(self, rng: np.random.Generator) -> np.ndarray:
        row = rng.choice(_BASES, size=len(self.kind), p=_BASE_FREQ)
        row[self.slot >= 0] = GAP
        return row


def _substitute(row: np.ndarray, cols: np.ndarray, rng: np.random.Generator) -> None:
    """Change each base in ``cols`` to a different base (transitions 60 %)."""
    index = np.searchsorted(_BASES, row[cols])  # A C G T -> 0 1 2 3
    transition = index ^ 2  # A<->G, C<->T
    transversions = np.array([[1, 3], [0, 2], [1, 3], [0, 2]])
    pick = transversions[index, rng.integers(2, size=len(cols))]
    new = np.where(rng.random(len(cols)) < 0.6, transition, pick)
    row[cols] = _BASES[new]


def _indel(row: np.ndarray, layout: _Layout, rng: np.random.Generator) -> None:
    length = int(rng.choice([1, 2, 3], p=[0.5, 0.3, 0.2]))
    if rng.random() < 0.5:
        slot = int(rng.integers(layout.n_slots))
        cols = np.flatnonzero((layout.slot == slot) & (row == GAP))
        if len(cols) >= length:
            row[cols[:length]] = rng.choice(_BASES, size=length, p=_BASE_FREQ)
        return
    cols = np.flatnonzero(layout.deletable & (row != GAP))
    start = int(rng.integers(len(cols) - length))
    chosen = cols[start : start + length]
    if len(set(layout.kind[chosen[0] : chosen[-1] + 1])) == 1:
        row[chosen] = GAP


def _mutate(
    parent: np.ndarray, layout: _Layout, fraction: float, indels: float, rng: np.random.Generator
) -> np.ndarray:
    """Copy ``parent`` and apply one edge's substitutions and indels; keep the length window."""
    for _ in range(_MAX_TRIES):
        row = parent.copy()
        for _ in range(rng.poisson(indels)):
            _indel(row, layout, rng)
        sites = np.flatnonzero(layout.insert & (row != GAP))
        k = int(round(fraction * len(sites)))
        weights = layout.rate[sites] / layout.rate[sites].sum()
        _substitute(row, rng.choice(sites, size=k, replace=False, p=weights), rng)
        flank = np.flatnonzero(layout.flank)
        hits = flank[rng.random(len(flank)) < fraction * _CONSERVED_RATE]
        _substitute(row, hits, rng)
        length = int(np.count_nonzero(row[layout.insert] != GAP))
        if INSERT_LENGTH[0] <= length <= INSERT_LENGTH[1]:
            return row
    raise RuntimeError("could not keep the insert length within bounds; check the layout")


def _to_str(row: np.ndarray) -> str:
    return row[row != GAP].tobytes().decode()


def evolve_templates(species: tuple[Species, ...], rng: np.random.Generator) -> TemplateSet:
    """Evolve one template per species along domain -> phylum -> ... -> genus -> species.

    Species are drawn one at a time and redrawn until they differ from every earlier species
    by at least :data:`MIN_DIVERGENCE` and from their congeners by at most
    :data:`MAX_WITHIN_GENUS`.

    Parameters
    ----------
    species : tuple of Species
        All species (reference-only ones included).
    rng : numpy.random.Generator
        Random source; the result depends only on its state.

    Returns
    -------
    TemplateSet
        Templates and their true insert alignment.
    """
    layout = _Layout(rng)
    nodes: dict[tuple[str, ...], np.ndarray] = {(): layout.root(rng)}
    for sp in species:
        for depth in range(1, 7):
            key = sp.lineage[:depth]
            if key not in nodes:
                fraction = _BRANCH[depth] * rng.uniform(0.8, 1.2)
                nodes[key] = _mutate(nodes[key[:-1]], layout, fraction, _INDELS[depth], rng)

    rows: list[np.ndarray] = []
    genus_of: list[str] = []
    for sp in species:
        parent = nodes[sp.lineage[:6]]
        for _ in range(_MAX_TRIES):
            fraction = rng.uniform(*_SPECIES_BRANCH)
            row = _mutate(parent, layout, fraction, _SPECIES_INDELS, rng)
            if _acceptable(row[layout.insert], sp.genus, rows, genus_of, layout):
                break
        else:
            raise RuntimeError(f"could not draw a distinct template for {sp.species_id}")
        rows.append(row)
        genus_of.append(sp.genus)

    templates = {}
    for sp, row in zip(species, rows, strict=True):
        left = _to_str(row[layout.left])
        right = _to_str(row[layout.right])
        templates[sp.species_id] = Template(
            species_id=sp.species_id,
            insert=_to_str(row[layout.insert]),
            forward_site=resolve_degenerate(FWD_PRIMER, rng),
            reverse_site=reverse_complement(resolve_degenerate(REV_PRIMER, rng)),
            left_flank=left[len(left) - int(rng.integers(FLANK_LENGTH[0], FLANK_LENGTH[1] + 1)) :],
            right_flank=right[: int(rng.integers(FLANK_LENGTH[0], FLANK_LENGTH[1] + 1))],
        )
    alignment = np.stack([row[layout.insert] for row in rows])
    return TemplateSet(templates=templates, alignment=alignment)


def _acceptable(
    insert: np.ndarray, genus: str, rows: list[np.ndarray], genus_of: list[str], layout: _Layout
) -> bool:
    if not rows:
        return True
    accepted = np.stack([r[layout.insert] for r in rows])
    d = pairwise_divergence(insert[None, :], accepted)[0]
    if d.min() < MIN_DIVERGENCE + 0.001:  # small margin: VSEARCH may align a little better
        return False
    same = np.array(genus_of) == genus
    return not same.any() or d[same].max() <= MAX_WITHIN_GENUS
