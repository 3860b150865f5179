"""The backbone on real MiSeq reads (../shared/data/miseq-sop-v4-subset), set up by config alone."""

from __future__ import annotations

import subprocess

import pandas as pd
import pytest

from conftest import require_tools, run_snakemake, write_config

pytestmark = [pytest.mark.slow, pytest.mark.external]


def test_real_v4_reads_merge_filter_and_map(tmp_path, shared_data):
    require_tools("vsearch", "cutadapt")
    data = shared_data / "miseq-sop-v4-subset"
    sheet = tmp_path / "samples.tsv"
    sheet.write_text(
        "sample\tr1\tr2\tgroup\n"
        f"sam1\t{data / 'sam1F.fastq.gz'}\t{data / 'sam1R.fastq.gz'}\tControl\n"
        f"sam2\t{data / 'sam2F.fastq.gz'}\t{data / 'sam2R.fastq.gz'}\tOpioid-S\n"
    )
    out = tmp_path / "results"
    # Only configuration differs from the V3-V4 default: V4 primers (not in these reads, so no
    # primer trimming), quality trimming before the long 2x250 overlap, a V4 length window.
    config = write_config(
        tmp_path / "config.yaml",
        samples=str(sheet),
        outdir=str(out),
        primers={
            "trim": False,
            "forward": "GTGCCAGCMGCCGCGGTAA",
            "reverse": "GGACTACHVGGGTWTCTAAT",
            "quality_cutoff": 20,
        },
        merge={"max_diffs": 20},
        filter={"min_length": 240, "max_length": 260, "max_ee": 1.0},
        # Real 16S reference (SINTAX headers), cut to the V4 region with the same primers.
        taxonomy={
            "reference_fasta": str(shared_data / "rdp-16s-ten-per-genus" / "ten_16s.100.fa.gz"),
            "reference_taxonomy": "",
        },
        diversity={"rarefaction_floor": 500, "nmds_starts": 2},
    )
    # --notemp keeps the filtered reads (temporary in a normal run) for the mapping check below
    run_snakemake(config, "--notemp")
    tracking = pd.read_csv(out / "qc" / "read_tracking.tsv", sep="\t", index_col="sample")
    assert list(tracking.index) == ["sam1", "sam2"]
    assert (tracking["input"] == 1500).all()  # PROVENANCE.md: 1,500 pairs per sample
    assert (tracking["with_primers"] == 1500).all()
    assert (tracking["pct_merged"] > 80).all()
    assert (tracking["pct_filtered"] > 70).all()
    # nearly every read that passed the filter belongs to an OTU
    assert (tracking["mapped"] >= 0.97 * tracking["filtered"]).all()
    assert (tracking["warning"].isna()).all()

    table = pd.read_csv(out / "otu" / "otu_table.tsv", sep="\t", index_col="OTU_ID")
    assert list(table.columns) == ["sam1", "sam2"]
    assert table.sum().tolist() == tracking["mapped"].tolist()
    # DADA2's tutorial finds tens of sequence variants in these two samples, not hundreds
    assert 5 <= len(table) <= 60
    # OTUs are numbered by decreasing abundance
    assert table.index[0] == "OTU_1"
    assert table.sum(axis=1).iloc[0] == table.sum(axis=1).max()
    lengths = [len(line) for line in (out / "otu" / "otus.fasta").read_text().split("\n")[1::2]]
    assert all(240 <= n <= 260 for n in lengths if n)
    # The workflow maps the cohort's distinct sequences once and counts each sample's reads from
    # its dereplicated reads; mapping every filtered read one by one must give the same counts.
    for sample in ("sam1", "sam2"):
        filtered = out / "work" / "filtered" / f"{sample}.fasta"
        direct = tmp_path / f"{sample}.direct.tsv"
        subprocess.run(["vsearch", "--usearch_global", str(filtered), "--db",
                        str(out / "otu" / "otus.fasta"), "--id", "0.97", "--strand", "plus",
                        "--maxaccepts", "8", "--maxrejects", "32", "--otutabout", str(direct),
                        "--threads", "1", "--quiet"], check=True)  # fmt: skip
        direct_counts = pd.read_csv(direct, sep="\t", index_col=0)[sample]
        workflow_counts = table[sample][table[sample] > 0]
        assert direct_counts.sort_index().to_dict() == workflow_counts.sort_index().to_dict()
        uniques = (out / "work" / "derep" / f"{sample}.fasta").read_text().count(">")
        assert uniques < filtered.read_text().count(">")  # the derep input really is smaller

    # taxonomy for every OTU; mouse gut V4: all Bacteria, mostly Bacteroidetes and Firmicutes
    # (the RDP training set names phyla the pre-2021 way)
    taxonomy = pd.read_csv(out / "taxonomy" / "otu_taxonomy.tsv", sep="\t", index_col="OTU_ID")
    assert list(taxonomy.index) == list(table.index)
    assert (taxonomy["domain"] == "Bacteria").all()
    reads_per_phylum = table.sum(axis=1).groupby(taxonomy["phylum"]).sum()
    assert reads_per_phylum[["Bacteroidetes", "Firmicutes"]].sum() >= 0.8 * table.to_numpy().sum()
    genus = pd.read_csv(out / "taxonomy" / "genus_table.tsv", sep="\t", index_col=0)
    assert genus.sum().tolist() == table.sum().tolist()

    # two samples, one per group: every group comparison is skipped with its reason, no crash
    summary = pd.read_csv(out / "differential" / "summary.tsv", sep="\t")
    assert summary["skipped"].str.contains("< 2").any()
    alpha = pd.read_csv(out / "alpha" / "alpha_diversity.tsv", sep="\t", index_col=0)
    assert list(alpha.index) == ["sam1", "sam2"]
