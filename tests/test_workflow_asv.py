"""ASV mode (features: asv) end to end on the demo cohort, against the simulator's truth.

The demo cohort (seed 42, 7/10/8 samples x 5,000 pairs) with `make demo`'s config and
`features: asv`: UNOISE3 denoising (vsearch --cluster_unoise), UCHIME3 chimera removal, ASV_1...
named by abundance, then everything downstream unchanged. Measured when this test was written:
all 60 species above 0.5 % in some sample recovered as identical ASVs, no spurious ASV, 3
chimeric ASVs holding 0.08 % of the reads; the floors below leave room for none of that to slip.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml

from conftest import PLANTED, demo_config, metastats_calls, require_tools, run_in
from otuflow.fastx import read_fasta
from otuflow.simulate.truth import score_variants

pytestmark = [pytest.mark.slow, pytest.mark.external]


@pytest.fixture(scope="module")
def asv_run(tmp_path_factory):
    from otuflow.simulate import simulate_cohort

    require_tools("vsearch", "cutadapt", "mafft", "FastTree")
    root = tmp_path_factory.mktemp("asv")
    cohort = simulate_cohort(root / "cohort", seed=42, samples_per_group=(7, 10, 8),
                             pairs_per_sample=5000)  # fmt: skip
    config_path = demo_config(root / "config.yaml", cohort)
    config = yaml.safe_load(config_path.read_text())
    config["features"] = "asv"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    run_in(root / "wd", config_path)
    return cohort, root / "wd" / "results"


def test_every_abundant_species_is_an_identical_asv_and_nothing_spurious(asv_run):
    cohort, out = asv_run
    table = pd.read_csv(out / "otu" / "otu_table.tsv", sep="\t", index_col=0)
    score = score_variants(cohort / "truth", out / "otu" / "otus.fasta", table, floor=0.005)
    assert len(score.expected) >= 50  # the demo has about 60 such species
    assert score.missing == []
    assert score.spurious_read_share <= 0.01, score.spurious


def test_asvs_are_named_by_abundance(asv_run):
    _, out = asv_run
    names = [r.header for r in read_fasta(out / "otu" / "otus.fasta")]
    assert names == [f"ASV_{i}" for i in range(1, len(names) + 1)]
    table = pd.read_csv(out / "otu" / "otu_table.tsv", sep="\t", index_col=0)
    assert set(table.index) == set(names)
    taxonomy = pd.read_csv(out / "taxonomy" / "otu_taxonomy.tsv", sep="\t", index_col=0)
    assert list(taxonomy.index) == names
    tree = (out / "phylogeny" / "otus.tree").read_text()
    assert set(re.findall(r"ASV_\d+", tree)) == set(names)


def test_planted_genera_are_still_found(asv_run):
    cohort, out = asv_run
    found, false_positives = metastats_calls(cohort, out)
    assert found == set(PLANTED), found
    assert len(false_positives) <= 1, false_positives


def test_report_states_the_asv_mode(asv_run):
    _, out = asv_run
    text = " ".join(re.sub(r"<[^>]+>", " ", (out / "report.html").read_text()).split())
    assert re.search(r"\d+ ASVs \(exact sequence variants, UNOISE3\)", text)
    assert "vsearch --cluster_unoise" in text and "--uchime3_denovo" in text
    assert "OTUs at" not in text
