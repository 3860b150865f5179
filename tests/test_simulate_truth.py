"""Scoring variants against a simulated truth (otuflow.simulate.truth), on hand-made cases."""

from __future__ import annotations

import pandas as pd
import pytest

from otuflow.simulate.truth import score_variants, within_one_edit


@pytest.mark.parametrize(("a", "b", "expected"), [
    ("ACGT", "ACGT", True), ("ACGT", "ACCT", True), ("ACGT", "AGCT", False),
    ("ACGT", "ACT", True), ("ACGT", "ACGTA", True), ("ACGT", "TACGT", True),
    ("ACGT", "AC", False), ("ACGT", "TCGA", False), ("ACGT", "CGTA", False),
])  # fmt: skip
def test_within_one_edit(a, b, expected):
    assert within_one_edit(a, b) is expected
    assert within_one_edit(b, a) is expected


def test_score_variants_by_hand(tmp_path):
    truth = tmp_path / "truth"
    truth.mkdir()
    (truth / "species.fasta").write_text(">sp1 x\nAAAACCCC\n>sp2\nGGGGTTTT\n>sp3\nACACACAC\n")
    (truth / "chimeras.fasta").write_text(">chim_1 parent_a=sp1\nAAAATTTT\n")
    pd.DataFrame({"genus": ["A", "B", "C"], "species": ["a", "b", "c"], "S1": [0.9, 0.097, 0.003],
                  "S2": [0.5, 0.5, 0.004]}, index=pd.Index(["sp1", "sp2", "sp3"],
                                                          name="species_id")
                 ).to_csv(truth / "species_abundance.tsv", sep="\t")  # fmt: skip
    variants = tmp_path / "asvs.fasta"
    # ASV_1 = sp1; ASV_2 one substitution from sp2 (an error, not spurious); ASV_3 = the chimera;
    # ASV_4 far from everything (spurious). sp2 itself is missing; sp3 is below the floor.
    variants.write_text(">ASV_1;size=9\nAAAACCCC\n>ASV_2\nGGGGTTTA\n>ASV_3\nAAAATTTT\n"
                        ">ASV_4\nCTCTCTCT\n")  # fmt: skip
    table = pd.DataFrame({"S1": [80, 10, 5, 5], "S2": [50, 40, 5, 5]},
                         index=["ASV_1", "ASV_2", "ASV_3", "ASV_4"])  # fmt: skip
    score = score_variants(truth, variants, table)
    assert score.expected == ["sp1", "sp2"]
    assert score.missing == ["sp2"] and score.sensitivity == 0.5
    assert score.spurious == ["ASV_4"] and score.spurious_read_share == pytest.approx(10 / 200)
    assert score.chimeric == ["ASV_3"]
