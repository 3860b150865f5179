"""Community profiles, planted group effects and clinical values of the simulator."""

from __future__ import annotations

import numpy as np
import pytest

from otuflow.simulate.clinical import Clinical, clinical_record, group_of, sample_id
from otuflow.simulate.cohort import _rng
from otuflow.simulate.community import GROUPS, PLANTED_EFFECTS, build_model, sample_profile
from otuflow.simulate.taxonomy import build_species
from otuflow.simulate.writers import genus_matrix

SPECIES = build_species()
PLANTED = {e.genus: e for e in PLANTED_EFFECTS}


def _cohort(seed: int, sizes: tuple[int, int, int]):
    """Genus x sample truth exactly as ``simulate_cohort`` draws it (without reads)."""
    model = build_model(SPECIES, _rng(seed, 1))
    profiles, groups = [], []
    for g, group in enumerate(GROUPS):
        for k in range(sizes[g]):
            profiles.append(sample_profile(model, group, _rng(seed, 2, g, k)))
            groups.append(group)
    species_matrix = np.stack(profiles, axis=1)
    names, by_genus = genus_matrix(SPECIES, species_matrix)
    return species_matrix, names, by_genus, np.array(groups)


def _rule(opioid: str, dose: float, days: float) -> str:
    # Written out independently of the simulator's own rule.
    if opioid == "":
        return "Control"
    return "Opioid-T" if (days >= 7 and dose >= 30) else "Opioid-S"


def test_clinical_values_imply_group():
    records = {g: [clinical_record(g, k, _rng(1, 3, 0, k)) for k in range(30)] for g in GROUPS}
    for group, recs in records.items():
        for r in recs:
            assert _rule(r.opioid, r.dose_mg_day, r.days_on_opioid) == group == group_of(r)
            assert r.opioid == ("" if group == "Control" else "oxycodone")
    s, t = records["Opioid-S"], records["Opioid-T"]
    # Opioid-S mixes short courses, low doses and both; boundaries are on both sides.
    assert any(r.days_on_opioid < 7 and r.dose_mg_day >= 30 for r in s)
    assert any(r.days_on_opioid >= 7 and r.dose_mg_day < 30 for r in s)
    assert any(r.days_on_opioid < 7 and r.dose_mg_day < 30 for r in s)
    assert any(r.days_on_opioid == 7 and r.dose_mg_day < 30 for r in s[:5])
    assert any(r.dose_mg_day == 30 and r.days_on_opioid < 7 for r in s[:5])
    assert t[0] == Clinical("oxycodone", 30.0, 7)
    assert all(r.dose_mg_day == 0 and r.days_on_opioid == 0 for r in records["Control"])
    assert [sample_id(g, 0) for g in GROUPS] == ["C01", "S01", "T01"]
    assert sample_id("Opioid-S", 9) == "S10"


def test_group_of_boundaries_by_hand():
    assert group_of(Clinical("oxycodone", 30, 7)) == "Opioid-T"
    assert group_of(Clinical("oxycodone", 29.9, 7)) == "Opioid-S"
    assert group_of(Clinical("oxycodone", 30, 6)) == "Opioid-S"
    assert group_of(Clinical("", 0, 0)) == "Control"


def test_profiles_are_long_tailed_and_plausible():
    species_matrix, names, by_genus, groups = _cohort(42, (10, 10, 10))
    assert np.allclose(species_matrix.sum(axis=0), 1.0)
    present = (species_matrix > 0).sum(axis=0)
    assert present.min() >= 30 and present.max() <= 60
    absent = np.array([not s.in_cohort for s in SPECIES])
    assert (species_matrix[absent] == 0).all()
    top = [names[i] for i in by_genus.argmax(axis=0)]
    dominant = sum(t in {"Bacteroides", "Faecalibacterium", "Prevotella"} for t in top)
    assert dominant >= 0.8 * len(top)
    # Long tail: the rarer half of the species present holds < 15 % (an even community would
    # give 50 %), while the top genus typically holds > 20 %.
    for column in species_matrix.T:
        nonzero = np.sort(column[column > 0])
        assert nonzero[: len(nonzero) // 2].sum() < 0.15
    top_share = by_genus.max(axis=0)
    assert np.median(top_share) > 0.2 and top_share.min() > 0.08
    # Planted genera are present everywhere (so their effect is measurable).
    for genus in PLANTED:
        assert (by_genus[names.index(genus)] > 0).all()


def test_planted_effects_direction_and_size():
    _, names, by_genus, groups = _cohort(11, (150, 150, 150))
    for genus, effect in PLANTED.items():
        row = by_genus[names.index(genus)]
        means = [row[groups == g].mean() for g in GROUPS]
        test = row[np.isin(groups, effect.test_groups)].mean()
        ref = row[np.isin(groups, effect.reference_groups)].mean()
        fold = test / ref
        assert (fold > 1) == (effect.direction == "up")
        assert fold == pytest.approx(effect.fold_change, rel=0.25)
        assert 4 <= max(fold, 1 / fold) <= 10
        assert max(means) >= 0.005  # the enriched group has a measurable share
        assert means == pytest.approx(list(effect.means), rel=0.25)
    assert PLANTED["Lactobacillus"].direction == "up"
    assert PLANTED["Anaerostipes"].direction == PLANTED["Monoglobus"].direction == "down"
    assert PLANTED["Megamonas"].test_groups == ("Opioid-T",)


def test_no_other_genus_has_a_group_effect():
    _, names, by_genus, groups = _cohort(12, (200, 200, 200))
    checked = 0
    for name, row in zip(names, by_genus, strict=True):
        if name in PLANTED or row.sum() == 0:
            continue
        means = np.array([row[groups == g].mean() for g in GROUPS])
        assert means.max() / means.min() < 1.5, name
        checked += 1
    assert checked >= 25


def _welch_t(x: np.ndarray, in_a: np.ndarray) -> np.ndarray:
    a, b = x[:, in_a], x[:, ~in_a]
    se = np.sqrt(a.var(axis=1, ddof=1) / a.shape[1] + b.var(axis=1, ddof=1) / b.shape[1])
    return (a.mean(axis=1) - b.mean(axis=1)) / np.where(se > 0, se, np.inf)


def test_planted_effects_detectable_with_default_design():
    """Permutation t-test + BH on the true genus proportions of the default 7/10/8 cohort."""
    _, names, by_genus, groups = _cohort(42, (7, 10, 8))
    keep = by_genus.sum(axis=1) > 0
    names = [n for n, k in zip(names, keep, strict=True) if k]
    x = by_genus[keep]
    rng = np.random.default_rng(0)
    contrasts = (
        (("Opioid-S", "Opioid-T"), groups != "Control"),
        (("Opioid-T",), groups == "Opioid-T"),
    )
    for test_groups, in_a in contrasts:
        t = _welch_t(x, in_a)
        exceed = np.zeros(len(t))
        for _ in range(999):
            exceed += np.abs(_welch_t(x, rng.permutation(in_a))) >= np.abs(t)
        p = (exceed + 1) / 1000
        order = np.argsort(p)
        q = np.minimum.accumulate((p[order] * len(p) / np.arange(1, len(p) + 1))[::-1])[::-1]
        significant = {names[i] for i, qi in zip(order, q, strict=True) if qi < 0.05}
        wanted = {g for g, e in PLANTED.items() if e.test_groups == test_groups}
        assert wanted and wanted <= significant
