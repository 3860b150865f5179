"""The simulated gut taxa: real SILVA 138.1 lineages, 1-4 species per genus, stable species IDs."""

from __future__ import annotations

from dataclasses import dataclass

RANK_PREFIXES = ("d__", "p__", "c__", "o__", "f__", "g__", "s__")
"""SILVA-style rank prefixes, domain to species."""

# (domain, phylum, class, order, family, genus) as in SILVA 138.1, then the species.
# A species name ending in "*" exists only in the reference database, never in a sample; the last
# five genera are reference-only altogether, as a real database holds many taxa absent from a gut.
_FIRMICUTES_CLOSTRIDIA = ("Bacteria", "Firmicutes", "Clostridia")
_LACHNO = (*_FIRMICUTES_CLOSTRIDIA, "Lachnospirales", "Lachnospiraceae")
_RUMINO = (*_FIRMICUTES_CLOSTRIDIA, "Oscillospirales", "Ruminococcaceae")
_BACTEROIDALES = ("Bacteria", "Bacteroidota", "Bacteroidia", "Bacteroidales")
_LACTOBACILLALES = ("Bacteria", "Firmicutes", "Bacilli", "Lactobacillales")
_NEGATIVICUTES = ("Bacteria", "Firmicutes", "Negativicutes", "Veillonellales-Selenomonadales")
_GAMMA = ("Bacteria", "Proteobacteria", "Gammaproteobacteria")
_ACTINO = ("Bacteria", "Actinobacteriota")

_TABLE: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = (
    ((*_BACTEROIDALES, "Bacteroidaceae"), "Bacteroides",
     ("Bacteroides_fragilis", "Bacteroides_uniformis", "Bacteroides_ovatus",
      "Bacteroides_thetaiotaomicron")),
    ((*_BACTEROIDALES, "Prevotellaceae"), "Prevotella",
     ("Prevotella_copri", "Prevotella_stercorea", "Prevotella_sp1*")),
    ((*_BACTEROIDALES, "Rikenellaceae"), "Alistipes",
     ("Alistipes_putredinis", "Alistipes_onderdonkii", "Alistipes_finegoldii")),
    ((*_BACTEROIDALES, "Rikenellaceae"), "Rikenellaceae_RC9_gut_group",
     ("Rikenellaceae_RC9_gut_group_sp1", "Rikenellaceae_RC9_gut_group_sp2")),
    ((*_BACTEROIDALES, "Tannerellaceae"), "Parabacteroides",
     ("Parabacteroides_distasonis", "Parabacteroides_merdae")),
    (_RUMINO, "Faecalibacterium", ("Faecalibacterium_prausnitzii", "Faecalibacterium_sp1")),
    (_RUMINO, "Subdoligranulum", ("Subdoligranulum_variabile",)),
    (_RUMINO, "Ruminococcus", ("Ruminococcus_bromii", "Ruminococcus_callidus")),
    ((*_FIRMICUTES_CLOSTRIDIA, "Oscillospirales", "Oscillospiraceae"), "Oscillibacter",
     ("Oscillibacter_sp1",)),
    (_LACHNO, "Blautia", ("Blautia_obeum", "Blautia_wexlerae", "Blautia_luti")),
    (_LACHNO, "Anaerostipes", ("Anaerostipes_hadrus", "Anaerostipes_caccae")),
    (_LACHNO, "Roseburia",
     ("Roseburia_intestinalis", "Roseburia_inulinivorans", "Roseburia_faecis")),
    (_LACHNO, "Agathobacter", ("Agathobacter_rectalis",)),
    (_LACHNO, "Dorea", ("Dorea_longicatena", "Dorea_formicigenerans")),
    (_LACHNO, "Fusicatenibacter", ("Fusicatenibacter_saccharivorans",)),
    (_LACHNO, "Coprococcus", ("Coprococcus_comes", "Coprococcus_eutactus")),
    (_LACHNO, "Eubacterium_hallii_group", ("Eubacterium_hallii",)),
    (_LACHNO, "Lachnoclostridium", ("Lachnoclostridium_sp1",)),
    ((*_FIRMICUTES_CLOSTRIDIA, "Monoglobales", "Monoglobaceae"), "Monoglobus",
     ("Monoglobus_pectinilyticus", "Monoglobus_sp1")),
    ((*_FIRMICUTES_CLOSTRIDIA, "Christensenellales", "Christensenellaceae"),
     "Christensenellaceae_R-7_group",
     ("Christensenellaceae_R-7_group_sp1", "Christensenellaceae_R-7_group_sp2")),
    ((*_LACTOBACILLALES, "Lactobacillaceae"), "Lactobacillus",
     ("Lactobacillus_gasseri", "Lactobacillus_acidophilus", "Lactobacillus_crispatus*")),
    ((*_LACTOBACILLALES, "Streptococcaceae"), "Streptococcus",
     ("Streptococcus_salivarius", "Streptococcus_parasanguinis", "Streptococcus_mutans*")),
    ((*_LACTOBACILLALES, "Enterococcaceae"), "Enterococcus",
     ("Enterococcus_faecalis", "Enterococcus_faecium")),
    ((*_NEGATIVICUTES, "Selenomonadaceae"), "Megamonas",
     ("Megamonas_funiformis", "Megamonas_hypermegale")),
    ((*_NEGATIVICUTES, "Veillonellaceae"), "Dialister", ("Dialister_invisus",)),
    ((*_NEGATIVICUTES, "Veillonellaceae"), "Veillonella",
     ("Veillonella_parvula", "Veillonella_atypica", "Veillonella_dispar*")),
    ((*_GAMMA, "Enterobacterales", "Enterobacteriaceae"), "Escherichia-Shigella",
     ("Escherichia_coli",)),
    ((*_GAMMA, "Enterobacterales", "Enterobacteriaceae"), "Klebsiella",
     ("Klebsiella_pneumoniae", "Klebsiella_oxytoca")),
    ((*_GAMMA, "Burkholderiales", "Sutterellaceae"), "Sutterella",
     ("Sutterella_wadsworthensis",)),
    ((*_ACTINO, "Actinobacteria", "Bifidobacteriales", "Bifidobacteriaceae"), "Bifidobacterium",
     ("Bifidobacterium_longum", "Bifidobacterium_adolescentis", "Bifidobacterium_bifidum",
      "Bifidobacterium_breve*")),
    ((*_ACTINO, "Coriobacteriia", "Coriobacteriales", "Coriobacteriaceae"), "Collinsella",
     ("Collinsella_aerofaciens",)),
    (("Bacteria", "Verrucomicrobiota", "Verrucomicrobiae", "Verrucomicrobiales",
      "Akkermansiaceae"), "Akkermansia", ("Akkermansia_muciniphila",)),
    (("Bacteria", "Desulfobacterota", "Desulfovibrionia", "Desulfovibrionales",
      "Desulfovibrionaceae"), "Desulfovibrio", ("Desulfovibrio_piger",)),
    (("Archaea", "Euryarchaeota", "Methanobacteria", "Methanobacteriales",
      "Methanobacteriaceae"), "Methanobrevibacter", ("Methanobrevibacter_smithii",)),
    # Reference-only genera.
    (("Bacteria", "Fusobacteriota", "Fusobacteriia", "Fusobacteriales", "Fusobacteriaceae"),
     "Fusobacterium", ("Fusobacterium_nucleatum*", "Fusobacterium_varium*")),
    ((*_GAMMA, "Pasteurellales", "Pasteurellaceae"), "Haemophilus",
     ("Haemophilus_parainfluenzae*",)),
    (("Bacteria", "Firmicutes", "Bacilli", "Staphylococcales", "Staphylococcaceae"),
     "Staphylococcus", ("Staphylococcus_aureus*", "Staphylococcus_epidermidis*")),
    ((*_FIRMICUTES_CLOSTRIDIA, "Clostridiales", "Clostridiaceae"), "Clostridium_sensu_stricto_1",
     ("Clostridium_perfringens*", "Clostridium_butyricum*")),
    ((*_ACTINO, "Coriobacteriia", "Coriobacteriales", "Eggerthellaceae"), "Eggerthella",
     ("Eggerthella_lenta*",)),
)  # fmt: skip


@dataclass(frozen=True)
class Species:
    """One simulated species.

    Attributes
    ----------
    species_id : str
        Stable ID used in every output (``sp001`` ...), also the reference FASTA ID.
    name : str
        Species name without prefix, e.g. ``Bacteroides_fragilis``.
    lineage : tuple of str
        Seven names, domain to species, without rank prefixes.
    in_cohort : bool
        False for species that only exist in the reference database.
    """

    species_id: str
    name: str
    lineage: tuple[str, ...]
    in_cohort: bool

    @property
    def genus(self) -> str:
        """Genus name (sixth rank)."""
        return self.lineage[5]

    @property
    def lineage_string(self) -> str:
        """SILVA-style lineage, ``d__Bacteria;p__...;s__Genus_species``."""
        return ";".join(p + n for p, n in zip(RANK_PREFIXES, self.lineage, strict=True))


def build_species() -> tuple[Species, ...]:
    """Return every simulated species in table order, with IDs ``sp001``, ``sp002``, ...

    Returns
    -------
    tuple of Species
        About 75 species in 39 genera; five genera and a few species are reference-only.
    """
    out = []
    for ranks, genus, names in _TABLE:
        for name in names:
            clean = name.rstrip("*")
            out.append(
                Species(
                    species_id=f"sp{len(out) + 1:03d}",
                    name=clean,
                    lineage=(*ranks, genus, clean),
                    in_cohort=not name.endswith("*"),
                )
            )
    return tuple(out)


def genera(species: tuple[Species, ...]) -> list[str]:
    """Genus names in first-seen order."""
    return list(dict.fromkeys(s.genus for s in species))
