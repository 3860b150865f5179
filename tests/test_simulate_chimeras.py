"""Chimera shares: capped so two genera can always parent them, total chimeric share kept."""

from __future__ import annotations

import numpy as np
import pytest

from otuflow.simulate import chimeras
from otuflow.simulate.chimeras import PARENT_SKEW, _cap_shares, make_chimeras
from otuflow.simulate.cohort import (
    _STREAM_CHIMERAS,
    _STREAM_COMMUNITY,
    _STREAM_MODEL,
    _STREAM_TEMPLATES,
    _rng,
)
from otuflow.simulate.community import GROUPS, build_model, sample_profile
from otuflow.simulate.sequences import evolve_templates
from otuflow.simulate.taxonomy import build_species


def test_cap_shares_by_hand():
    # 0.02 is clipped to 0.015 and its excess 0.005 goes to the other share.
    np.testing.assert_allclose(_cap_shares(np.array([0.02, 0.01]), 0.03, 0.015), [0.015, 0.015])
    # Excess shared in proportion to the free shares: 0.006 -> 2:1.
    np.testing.assert_allclose(_cap_shares(np.array([0.016, 0.002, 0.001]), 0.019, 0.01),
                               [0.01, 0.006, 0.003])
    # Every share full: more chimeras of at most the cap, the last one with the rest.
    np.testing.assert_allclose(_cap_shares(np.array([0.025]), 0.025, 0.01), [0.01, 0.01, 0.005])
    untouched = np.array([0.01, 0.02])
    assert _cap_shares(untouched, 0.03, 0.05) is untouched


def test_sample_dominated_by_one_genus_gets_chimeras_it_can_parent():
    """Seed 1, 67/67/66 samples: sample S67 used to fail ("too few abundant species")."""
    seed = 1
    species = build_species()
    templates = evolve_templates(species, _rng(seed, _STREAM_TEMPLATES))
    model = build_model(species, _rng(seed, _STREAM_MODEL))
    genus = np.array([s.genus for s in species])
    g, k = GROUPS.index("Opioid-S"), 66
    abundance = sample_profile(model, GROUPS[g], _rng(seed, _STREAM_COMMUNITY, g, k))
    rng = _rng(seed, _STREAM_CHIMERAS, g, k)
    fraction = float(rng.uniform(*chimeras.CHIMERA_FRACTION))
    pool = abundance * (1.0 - fraction)

    made = make_chimeras("S67", templates, list(genus), pool, fraction, rng)

    assert sum(c.abundance for c in made) == pytest.approx(fraction, rel=1e-12)
    index = {sid: i for i, sid in enumerate(templates.ids)}
    for c in made:
        a, b = index[c.parent_a], index[c.parent_b]
        assert genus[a] != genus[b]
        assert min(pool[a], pool[b]) >= PARENT_SKEW * c.abundance * (1 - 1e-12)
    assert len({(c.parent_a, c.parent_b) for c in made}) == len(made)
