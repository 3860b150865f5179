"""End to end: a reduced simulated cohort through the backbone, checked against its ground truth."""

from __future__ import annotations

import subprocess

import pandas as pd
import pytest

from conftest import require_tools, run_snakemake, write_config
from otuflow.fastx import read_fasta
from otuflow.simulate import simulate_cohort

pytestmark = [pytest.mark.slow, pytest.mark.external]

BACKBONE = ("groups.tsv", "qc/read_tracking.tsv", "otu/otu_table.biom", "otu/otus.fasta")


@pytest.fixture(scope="module")
def cohort_run(tmp_path_factory):
    require_tools("vsearch", "cutadapt")
    root = tmp_path_factory.mktemp("cohort")
    cohort = simulate_cohort(root / "cohort", seed=11, samples_per_group=(3, 3, 3),
                             pairs_per_sample=2000)  # fmt: skip
    out = root / "results"
    # reference-based chimera removal (--uchime_ref) after the de novo step, against the true
    # species: exercises the option and must not remove real OTUs
    config = write_config(
        root / "config.yaml",
        samples=str(cohort / "samples.tsv"),
        outdir=str(out),
        chimera={"reference": str(cohort / "truth" / "species.fasta")},
        taxonomy={"reference_fasta": str(cohort / "reference" / "reference.fasta"),
                  "reference_taxonomy": str(cohort / "reference" / "taxonomy.tsv")},
    )  # fmt: skip
    run_snakemake(config, *[str(out / target) for target in BACKBONE])
    return cohort, out


def _best_hits(query, db, tmp_path):
    """Best global-alignment hit of every query sequence in db: {query: (target, identity)}."""
    hits = tmp_path / "hits.tsv"
    subprocess.run(
        ["vsearch", "--usearch_global", str(query), "--db", str(db), "--id", "0.5",
         "--maxaccepts", "0", "--maxrejects", "0", "--maxhits", "1", "--strand", "plus",
         "--userout", str(hits), "--userfields", "query+target+id", "--quiet"],
        check=True,
    )  # fmt: skip
    table = pd.read_csv(hits, sep="\t", names=["query", "target", "id"], dtype={"query": str})
    return {row.query: (row.target, row.id) for row in table.itertuples()}


def test_groups_are_derived_from_clinical_fields(cohort_run):
    cohort, out = cohort_run
    derived = pd.read_csv(out / "groups.tsv", sep="\t", index_col="sample")["group"]
    truth = pd.read_csv(cohort / "truth" / "groups.tsv", sep="\t", index_col=0).iloc[:, 0]
    assert derived.to_dict() == truth.to_dict()
    assert set(derived) == {"Control", "Opioid-S", "Opioid-T"}


def test_reads_survive_every_step(cohort_run):
    _, out = cohort_run
    tracking = pd.read_csv(out / "qc" / "read_tracking.tsv", sep="\t")
    assert (tracking["input"] == 2000).all()
    assert (tracking["pct_merged"] > 90).all()
    # >= 90 % of merged, filtered reads map to OTUs (chimeric reads, ~3 %, may not)
    assert tracking["mapped"].sum() >= 0.9 * tracking["filtered"].sum()
    assert tracking["warning"].isna().all()


def test_otus_match_the_true_species(cohort_run, tmp_path):
    cohort, out = cohort_run
    abundance = pd.read_csv(cohort / "truth" / "species_abundance.tsv", sep="\t",
                            index_col="species_id")  # fmt: skip
    samples = [c for c in abundance.columns if c not in ("genus", "species")]
    mean = abundance[samples].mean(axis=1)
    present = mean[mean > 0]
    otus = {r.header: r.sequence for r in read_fasta(out / "otu" / "otus.fasta")}
    # the number of non-chimeric OTUs is within 15 % of the number of true species present
    assert abs(len(otus) - len(present)) <= 0.15 * len(present), (len(otus), len(present))

    # every species with >= 0.5 % mean abundance has an OTU centroid >= 97 % identical to it
    truth = tmp_path / "species.fasta"
    truth.write_text("".join(f">{h.split()[0]}\n{s}\n" for h, s, _ in
                             read_fasta(cohort / "truth" / "species.fasta")))  # fmt: skip
    hits = _best_hits(truth, out / "otu" / "otus.fasta", tmp_path)
    for species in present[present >= 0.005].index:
        assert species in hits and hits[species][1] >= 97.0, (species, hits.get(species))

    # no OTU is a planted chimera: every OTU's closest true sequence is a species, not a chimera
    chimeras = [(h.split()[0], s) for h, s, _ in read_fasta(cohort / "truth" / "chimeras.fasta")]
    assert chimeras, "the simulated cohort should contain chimeras"
    both = tmp_path / "species_and_chimeras.fasta"
    both.write_text(truth.read_text() + "".join(f">{h}\n{s}\n" for h, s in chimeras))
    otu_hits = _best_hits(out / "otu" / "otus.fasta", both, tmp_path)
    assert set(otu_hits) == set(otus)
    for otu, (target, identity) in otu_hits.items():
        assert not target.startswith("chim"), (otu, target, identity)
        assert identity >= 97.0, (otu, target, identity)


def test_otu_table_agrees_with_the_fasta_and_tracking(cohort_run):
    _, out = cohort_run
    table = pd.read_csv(out / "otu" / "otu_table.tsv", sep="\t", index_col="OTU_ID")
    ids = [r.header for r in read_fasta(out / "otu" / "otus.fasta")]
    assert list(table.index) == ids == [f"OTU_{i}" for i in range(1, len(ids) + 1)]
    tracking = pd.read_csv(out / "qc" / "read_tracking.tsv", sep="\t", index_col="sample")
    assert table.sum().to_dict() == tracking["mapped"].to_dict()
