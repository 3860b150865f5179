"""Genus accuracy: held-out real 16S sequences and the simulated demo cohort's ground truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from otuflow.classify.bayes import classify_sequences
from otuflow.classify.model import train
from otuflow.classify.pipeline import classify_fasta, train_from_files
from otuflow.classify.reference import load_prepared, prepare_reference, write_reference
from otuflow.classify.region import extract_regions

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FWD, REV = "CCTACGGGNGGCWGCAG", "GACTACHVGGGTATCTAATCC"


def test_held_out_genus_accuracy_v3_v4():
    """One sequence of every genus with >= 2 sequences is held out and classified (V3-V4)."""
    records = load_prepared(SHARED / "rdp-16s-ten-per-genus" / "ten_16s.100.fa.gz")
    rng = np.random.default_rng(2024)
    by_genus: dict[tuple, list[int]] = {}
    for i, r in enumerate(records):
        by_genus.setdefault(r.lineage[:6], []).append(i)
    held = sorted(int(rng.choice(v)) for v in by_genus.values() if len(v) >= 2)
    held_set = set(held)
    ref = [r for i, r in enumerate(records) if i not in held_set]
    model = train([r.seq for r in ref], [r.lineage for r in ref])
    regions, found = extract_regions([records[i].seq for i in held], FWD, REV)
    queries = [s for s, f in zip(regions, found, strict=True) if f]
    truth = [records[i].lineage[:6] for i, f in zip(held, found, strict=True) if f]
    res = classify_sequences(model, queries)
    pred = [tuple(model.lineages[k]) for k in res.leaf]
    ok = np.array([p == t for p, t in zip(pred, truth, strict=True)])
    n = len(queries)
    stats = {}
    for cut in (0.8, 0.5):
        assigned = res.confidence[:, 5] >= cut
        stats[cut] = ((assigned & ok).mean(), (assigned & ~ok).mean(), 1 - assigned.mean())
        print(f"\nheld-out V3-V4 (n={n}), cut-off {cut}: correct genus {stats[cut][0]:.3f}, "
              f"wrong {stats[cut][1]:.3f}, unassigned {stats[cut][2]:.3f}; "
              f"all-words correct {ok.mean():.3f}")
    assert n > 600
    assert ok.mean() >= 0.88
    assert stats[0.8][0] >= 0.80 and stats[0.8][1] <= 0.04
    assert stats[0.5][0] >= stats[0.8][0]


def test_demo_cohort_genera_assigned(tmp_path):
    """Every genus with >= 0.5 % mean abundance in the simulated cohort gets its true name."""
    simulate = pytest.importorskip("otuflow.simulate")
    cohort = simulate.simulate_cohort(tmp_path / "cohort", pairs_per_sample=5)
    records, report = prepare_reference(cohort / "reference" / "reference.fasta",
                                        cohort / "reference" / "taxonomy.tsv",
                                        primers=(FWD, REV), min_length=200, max_mismatch=2)
    assert report.dropped_no_primers == 0
    write_reference(records, tmp_path / "ref.fa", tmp_path / "ref.tsv")
    model = train_from_files(tmp_path / "ref.fa", tmp_path / "ref.tsv")
    species = pd.read_csv(cohort / "truth" / "species.tsv", sep="\t")
    table = classify_fasta(model, cohort / "truth" / "species.fasta", confidence=0.8)
    got = dict(zip(table["OTU_ID"], table["genus"], strict=True))
    abundance = pd.read_csv(cohort / "truth" / "genus_abundance.tsv", sep="\t",
                            index_col=0).mean(axis=1)
    major = set(abundance[abundance >= 0.005].index)
    assert major
    checked = 0
    for row in species.itertuples():
        if row.genus in major and row.in_cohort == "yes":
            assert got[row.species_id] == row.genus.replace(" ", "_"), row
            checked += 1
    assert checked >= len(major)
