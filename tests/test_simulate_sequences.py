"""Templates of the simulator: taxonomy, primer sites, lengths and pairwise divergences."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from Bio import Align

from otuflow.iupac import primer_regex, reverse_complement
from otuflow.simulate.sequences import (
    FWD_PRIMER,
    REV_PRIMER,
    evolve_templates,
    pairwise_divergence,
    resolve_degenerate,
)
from otuflow.simulate.taxonomy import RANK_PREFIXES, build_species

SPECIES = build_species()


@pytest.fixture(scope="module")
def templates():
    return evolve_templates(SPECIES, np.random.default_rng(123))


def _lineage(name: str) -> str:
    return next(s.lineage_string.rsplit(";", 1)[0] for s in SPECIES if s.genus == name)


@pytest.mark.parametrize(
    ("genus", "expected"),
    [
        ("Bacteroides", "d__Bacteria;p__Bacteroidota;c__Bacteroidia;o__Bacteroidales;"
         "f__Bacteroidaceae;g__Bacteroides"),
        ("Faecalibacterium", "d__Bacteria;p__Firmicutes;c__Clostridia;o__Oscillospirales;"
         "f__Ruminococcaceae;g__Faecalibacterium"),
        ("Lactobacillus", "d__Bacteria;p__Firmicutes;c__Bacilli;o__Lactobacillales;"
         "f__Lactobacillaceae;g__Lactobacillus"),
        ("Prevotella", "d__Bacteria;p__Bacteroidota;c__Bacteroidia;o__Bacteroidales;"
         "f__Prevotellaceae;g__Prevotella"),
        ("Escherichia-Shigella", "d__Bacteria;p__Proteobacteria;c__Gammaproteobacteria;"
         "o__Enterobacterales;f__Enterobacteriaceae;g__Escherichia-Shigella"),
        ("Bifidobacterium", "d__Bacteria;p__Actinobacteriota;c__Actinobacteria;"
         "o__Bifidobacteriales;f__Bifidobacteriaceae;g__Bifidobacterium"),
        ("Streptococcus", "d__Bacteria;p__Firmicutes;c__Bacilli;o__Lactobacillales;"
         "f__Streptococcaceae;g__Streptococcus"),
        ("Blautia", "d__Bacteria;p__Firmicutes;c__Clostridia;o__Lachnospirales;"
         "f__Lachnospiraceae;g__Blautia"),
        ("Anaerostipes", "d__Bacteria;p__Firmicutes;c__Clostridia;o__Lachnospirales;"
         "f__Lachnospiraceae;g__Anaerostipes"),
        ("Megamonas", "d__Bacteria;p__Firmicutes;c__Negativicutes;"
         "o__Veillonellales-Selenomonadales;f__Selenomonadaceae;g__Megamonas"),
        ("Monoglobus", "d__Bacteria;p__Firmicutes;c__Clostridia;o__Monoglobales;"
         "f__Monoglobaceae;g__Monoglobus"),
        ("Rikenellaceae_RC9_gut_group", "d__Bacteria;p__Bacteroidota;c__Bacteroidia;"
         "o__Bacteroidales;f__Rikenellaceae;g__Rikenellaceae_RC9_gut_group"),
        ("Akkermansia", "d__Bacteria;p__Verrucomicrobiota;c__Verrucomicrobiae;"
         "o__Verrucomicrobiales;f__Akkermansiaceae;g__Akkermansia"),
        ("Methanobrevibacter", "d__Archaea;p__Euryarchaeota;c__Methanobacteria;"
         "o__Methanobacteriales;f__Methanobacteriaceae;g__Methanobrevibacter"),
    ],
)  # fmt: skip
def test_silva_lineages(genus, expected):
    assert _lineage(genus) == expected


def test_species_table_shape():
    genera = {s.genus for s in SPECIES}
    assert 60 <= len(SPECIES) <= 90
    assert 30 <= len(genera) <= 45
    per_genus = [sum(s.genus == g for s in SPECIES) for g in genera]
    assert min(per_genus) >= 1 and max(per_genus) <= 4
    assert len({s.species_id for s in SPECIES}) == len(SPECIES)
    # A real database holds taxa never seen in the samples: whole genera and single species.
    absent_genera = {g for g in genera if not any(s.in_cohort for s in SPECIES if s.genus == g)}
    assert len(absent_genera) >= 3
    assert any(not s.in_cohort and s.genus not in absent_genera for s in SPECIES)
    for s in SPECIES:
        parts = s.lineage_string.split(";")
        assert [p[:3] for p in parts] == list(RANK_PREFIXES)
        assert parts[6].startswith(f"s__{s.genus.split('_')[0].split('-')[0]}")
    # Each name belongs to exactly one rank and one parent (needed to train classifiers).
    parent = {}
    for s in SPECIES:
        for rank in range(1, 7):
            key = (rank, s.lineage[rank])
            assert parent.setdefault(key, s.lineage[rank - 1]) == s.lineage[rank - 1]


def test_resolved_primers_match_degenerate_primer():
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(200):
        site = resolve_degenerate(FWD_PRIMER, rng)
        assert set(site) <= set("ACGT") and primer_regex(FWD_PRIMER).fullmatch(site)
        seen.add(site)
    assert len(seen) == 8  # N x W = 4 x 2 variants, all drawn


def test_fragments_hold_primer_sites_once(templates):
    fwd, rev = primer_regex(FWD_PRIMER), primer_regex(reverse_complement(REV_PRIMER))
    for sid, t in templates.templates.items():
        frag = t.fragment
        assert set(frag) <= set("ACGT"), sid
        assert 20 <= len(t.left_flank) <= 60 and 20 <= len(t.right_flank) <= 60
        f_hits = [m.start() for m in fwd.finditer(frag)]
        r_hits = [m.start() for m in rev.finditer(frag)]
        assert f_hits == [len(t.left_flank)], sid
        assert r_hits == [len(frag) - len(t.right_flank) - len(REV_PRIMER)], sid
        # Nothing primer-like on the other strand either.
        rc = reverse_complement(frag)
        assert not fwd.search(rc) and not rev.search(rc)
        # The insert is what lies between the primer sites.
        assert frag[f_hits[0] + len(FWD_PRIMER) : r_hits[0]] == t.insert
        assert 400 <= len(t.insert) <= 430
        assert 440 <= len(t.amplicon) <= 470


def test_lengths_vary_between_lineages(templates):
    lengths = {len(t.insert) for t in templates.templates.values()}
    assert len(lengths) >= 5


def test_divergence_constraints(templates):
    d = templates.divergence()
    genus = np.array([s.genus for s in SPECIES])
    family = np.array([s.lineage[4] for s in SPECIES])
    phylum = np.array([s.lineage[1] for s in SPECIES])
    iu = np.triu_indices(len(SPECIES), 1)
    pair = d[iu]
    same_genus = (genus[:, None] == genus[None, :])[iu]
    same_family = (family[:, None] == family[None, :])[iu]
    same_phylum = (phylum[:, None] == phylum[None, :])[iu]
    assert pair.min() >= 0.035
    within = pair[same_genus]
    assert within.max() <= 0.05 and 0.035 <= within.mean() <= 0.05
    # Deeper splits diverge more, as on a real tree.
    between_genera = pair[same_family & ~same_genus].mean()
    between_families = pair[same_phylum & ~same_family].mean()
    between_phyla = pair[~same_phylum].mean()
    assert within.mean() < between_genera < between_families < between_phyla
    assert 0.15 <= between_phyla <= 0.40


def test_divergence_definition_by_hand():
    a = np.frombuffer(b"ACGT-ACGTA", dtype=np.uint8)[None, :]
    b = np.frombuffer(b"ACGTTACGAA", dtype=np.uint8)[None, :]
    c = np.frombuffer(b"ACGT-ACGT-", dtype=np.uint8)[None, :]
    # a vs b: one gap column and one mismatch in 10 used columns.
    assert pairwise_divergence(a, b)[0, 0] == pytest.approx(0.2)
    # a vs c: column 5 is a gap in both (not counted), the last column differs: 1 / 9.
    assert pairwise_divergence(a, c)[0, 0] == pytest.approx(1 / 9)


def test_close_pairs_stay_apart_under_optimal_alignment(templates):
    """Re-align every pair within a family from scratch (not the true alignment) and check."""
    aligner = Align.PairwiseAligner(
        mode="global", match_score=2, mismatch_score=-4, open_gap_score=-12,
        extend_gap_score=-2, end_gap_score=0,
    )  # fmt: skip
    inserts = {s.species_id: templates.templates[s.species_id].insert for s in SPECIES}
    family = {s.species_id: s.lineage[4] for s in SPECIES}
    closest = 0.0
    for x, y in itertools.combinations(inserts, 2):
        if family[x] != family[y]:
            continue
        aln = aligner.align(inserts[x], inserts[y])[0]
        counts = aln.counts()
        columns = counts.identities + counts.mismatches + counts.gaps
        # Drop terminal gaps like VSEARCH's default identity definition.
        top, bottom = aln[0], aln[1]
        ends = len(top) - len(top.strip("-")) + len(bottom) - len(bottom.strip("-"))
        identity = counts.identities / (columns - ends)
        closest = max(closest, identity)
    assert 0.94 <= closest <= 0.965


def test_templates_are_deterministic():
    a = evolve_templates(SPECIES, np.random.default_rng(5))
    b = evolve_templates(SPECIES, np.random.default_rng(5))
    c = evolve_templates(SPECIES, np.random.default_rng(6))
    assert [t.fragment for t in a.templates.values()] == [t.fragment for t in b.templates.values()]
    assert [t.fragment for t in a.templates.values()] != [t.fragment for t in c.templates.values()]
