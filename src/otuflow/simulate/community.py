"""Per-sample true community profiles with planted genus-level group differences."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from otuflow.simulate.taxonomy import Species

GROUPS = ("Control", "Opioid-S", "Opioid-T")


@dataclass(frozen=True)
class PlantedEffect:
    """A genus whose mean relative abundance differs between groups by design.

    Attributes
    ----------
    genus : str
        Genus name.
    means : tuple of float
        Mean relative abundance of the genus in Control, Opioid-S, Opioid-T.
    test_groups, reference_groups : tuple of str
        The contrast the effect is planted in (``test`` vs ``reference``).
    """

    genus: str
    means: tuple[float, float, float]
    test_groups: tuple[str, ...]
    reference_groups: tuple[str, ...]

    def mean_of(self, groups: tuple[str, ...]) -> float:
        """Mean over ``groups`` (all groups in a contrast share one mean)."""
        return float(np.mean([self.means[GROUPS.index(g)] for g in groups]))

    @property
    def fold_change(self) -> float:
        """Mean in the test groups divided by the mean in the reference groups."""
        return self.mean_of(self.test_groups) / self.mean_of(self.reference_groups)

    @property
    def direction(self) -> str:
        """``up`` or ``down`` in the test groups."""
        return "up" if self.fold_change > 1 else "down"


_OPIOID = ("Opioid-S", "Opioid-T")
PLANTED_EFFECTS = (
    PlantedEffect("Lactobacillus", (0.003, 0.024, 0.024), _OPIOID, ("Control",)),
    PlantedEffect("Anaerostipes", (0.030, 0.005, 0.005), _OPIOID, ("Control",)),
    PlantedEffect("Monoglobus", (0.020, 0.0033, 0.0033), _OPIOID, ("Control",)),
    PlantedEffect("Megamonas", (0.004, 0.004, 0.032), ("Opioid-T",), ("Control", "Opioid-S")),
    PlantedEffect(
        "Rikenellaceae_RC9_gut_group", (0.024, 0.024, 0.004), ("Opioid-T",), ("Control", "Opioid-S")
    ),
)
"""The only genera with a systematic group effect; all others are drawn alike in every group."""

_PLANTED_SIGMA = 0.5  # log-normal spread of a planted genus between samples
_GENUS_SIGMA = 0.8  # log-normal spread of every other genus between samples
_SPECIES_SIGMA = 1.0  # spread of the species split within a genus
# Mean weight (before normalisation) of the unplanted genera; dominants first.
_GENUS_WEIGHT = {
    "Bacteroides": 25.0, "Faecalibacterium": 10.0, "Prevotella": 0.3, "Alistipes": 4.0,
    "Parabacteroides": 2.5, "Subdoligranulum": 3.0, "Ruminococcus": 3.0, "Oscillibacter": 0.8,
    "Blautia": 4.0, "Roseburia": 3.0, "Agathobacter": 4.0, "Dorea": 1.2, "Fusicatenibacter": 1.5,
    "Coprococcus": 1.5, "Eubacterium_hallii_group": 1.5, "Lachnoclostridium": 0.8,
    "Christensenellaceae_R-7_group": 1.0, "Streptococcus": 1.0, "Enterococcus": 0.3,
    "Dialister": 1.5, "Veillonella": 0.5, "Escherichia-Shigella": 1.0, "Klebsiella": 0.4,
    "Sutterella": 0.8, "Bifidobacterium": 2.5, "Collinsella": 1.2, "Akkermansia": 1.5,
    "Desulfovibrio": 0.3, "Methanobrevibacter": 0.4,
}  # fmt: skip
# Prevotella is bimodal, as in "Prevotella enterotype" guts: dominant in about a third of samples.
_PREVOTELLA_HIGH = (0.35, 30.0)
SPECIES_PER_SAMPLE = (30, 60)
"""Allowed number of species present in one sample (inclusive)."""


@dataclass(frozen=True)
class CommunityModel:
    """Cohort-wide parameters shared by all samples (independent of group sizes).

    Attributes
    ----------
    species : tuple of Species
        All species, reference-only ones included (they never get abundance).
    prevalence : numpy.ndarray
        Probability that each species is present in a sample (0 for reference-only species).
    species_weight : numpy.ndarray
        Mean weight of each species within its genus.
    """

    species: tuple[Species, ...]
    prevalence: np.ndarray
    species_weight: np.ndarray

    @property
    def genus_names(self) -> list[str]:
        """Genus names in first-seen order."""
        return list(dict.fromkeys(s.genus for s in self.species))


def build_model(species: tuple[Species, ...], rng: np.random.Generator) -> CommunityModel:
    """Draw the cohort-wide prevalences and within-genus species weights.

    Parameters
    ----------
    species : tuple of Species
        All species.
    rng : numpy.random.Generator
        Random source for the cohort-wide stream.

    Returns
    -------
    CommunityModel
    """
    in_cohort = np.array([s.in_cohort for s in species])
    prevalence = np.where(in_cohort, rng.uniform(0.5, 0.95, size=len(species)), 0.0)
    first = np.array([i == 0 or species[i - 1].genus != s.genus for i, s in enumerate(species)])
    prevalence[first & in_cohort] = np.maximum(prevalence[first & in_cohort], 0.9)
    weight = rng.lognormal(0.0, 0.7, size=len(species)) * np.where(first, 2.0, 1.0)
    return CommunityModel(species=species, prevalence=prevalence, species_weight=weight)


def sample_profile(model: CommunityModel, group: str, rng: np.random.Generator) -> np.ndarray:
    """True relative abundance of every species in one sample of ``group``.

    Planted genera get a log-normal fraction around their group mean; all other genera share
    the rest with weights that do not depend on the group.

    Parameters
    ----------
    model : CommunityModel
        Cohort-wide parameters.
    group : str
        One of :data:`GROUPS`.
    rng : numpy.random.Generator
        The sample's own random stream.

    Returns
    -------
    numpy.ndarray
        Abundance per species (model order), summing to 1; zero for absent species.
    """
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}; expected one of {', '.join(GROUPS)}")
    species = model.species
    genus = np.array([s.genus for s in species])
    for _ in range(1000):
        present = rng.random(len(species)) < model.prevalence
        if SPECIES_PER_SAMPLE[0] <= present.sum() <= SPECIES_PER_SAMPLE[1]:
            break
    planted = {e.genus: e for e in PLANTED_EFFECTS}
    for name in planted:  # a planted genus is always there, so its effect is measurable
        members = np.flatnonzero(genus == name)
        if not present[members].any():
            present[members[0]] = True

    genus_fraction = {}
    for name, effect in planted.items():
        mean = effect.means[GROUPS.index(group)]
        genus_fraction[name] = mean * rng.lognormal(-(_PLANTED_SIGMA**2) / 2, _PLANTED_SIGMA)
    others = [g for g in model.genus_names if g not in planted and g in _GENUS_WEIGHT]
    weights = np.array([_GENUS_WEIGHT[g] for g in others])
    prevotella = others.index("Prevotella")
    if rng.random() < _PREVOTELLA_HIGH[0]:
        weights[prevotella] = _PREVOTELLA_HIGH[1]
    weights = weights * rng.lognormal(0.0, _GENUS_SIGMA, size=len(others))
    weights *= np.array([present[genus == g].any() for g in others])
    remainder = 1.0 - sum(genus_fraction.values())
    for name, w in zip(others, weights / weights.sum() * remainder, strict=True):
        genus_fraction[name] = w

    abundance = np.zeros(len(species))
    split = model.species_weight * rng.lognormal(0.0, _SPECIES_SIGMA, size=len(species)) * present
    for name, fraction in genus_fraction.items():
        members = genus == name
        if fraction <= 0:
            continue
        abundance[members] = fraction * split[members] / split[members].sum()
    return abundance / abundance.sum()
