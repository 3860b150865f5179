"""The exported results open, as written, in QIIME 2, phyloseq/GUniFrac (R) and mothur.

Each test runs the real client (the Debian builds `make test` installs) on the files of the
``export/`` folder, for the demo run and for a small run on real V3-V4 MiSeq reads
(../shared/data/dadaist2-v3v4), and checks what the client read against otuflow's own tables:
the same samples, OTUs, counts and taxa, and for phyloseq and GUniFrac the same UniFrac
distances as otuflow's to 1e-9.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import biom
import numpy as np
import pandas as pd
import pytest

from conftest import SHARED_DATA, real_v3v4_sheet, require_tools, run_snakemake, write_config
from otuflow.plan import EXPORT_FILES, RESULT_FILES

pytestmark = [pytest.mark.slow, pytest.mark.external]

RUNS = ("demo", "real V3-V4")


@pytest.fixture(scope="module")
def v3v4_results(tmp_path_factory) -> Path:
    """A minimal run on the three real V3-V4 samples (primers on the reads, trimmed): only the
    exported files and the tables the tests compare with, no figures or report."""
    data = SHARED_DATA / "dadaist2-v3v4"
    if not data.is_dir():
        pytest.skip(f"shared data not found at {data}")
    require_tools("vsearch", "cutadapt", "mafft", "FastTree")
    root = tmp_path_factory.mktemp("v3v4")
    sheet = real_v3v4_sheet(root / "samples.tsv")
    out = root / "results"
    config = write_config(
        root / "config.yaml",
        samples=str(sheet),
        outdir=str(out),
        taxonomy={
            "reference_fasta": str(SHARED_DATA / "rdp-16s-ten-per-genus" / "ten_16s.100.fa.gz"),
            "reference_taxonomy": "",
        },
        diversity={"rarefaction_floor": 500, "nmds_starts": 2,
                   "beta_metrics": ["unweighted_unifrac", "weighted_normalized_unifrac"]},
    )  # fmt: skip
    metrics = ("unweighted_unifrac", "weighted_normalized_unifrac")
    targets = [str(out / RESULT_FILES[k]) for k in EXPORT_FILES]
    targets += [str(out / "beta" / f"{m}.tsv") for m in metrics]
    run_snakemake(config, *targets)
    return out


def _results(request, run: str) -> Path:
    if run == "demo":
        return request.getfixturevalue("demo_run")[2] / "results"
    return request.getfixturevalue("v3v4_results")


def _run(command: list[str], cwd: Path) -> str:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, f"{command}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def _otu_table(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / RESULT_FILES["otu_table"], sep="\t", index_col="OTU_ID")


def _taxonomy(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / RESULT_FILES["otu_taxonomy"], sep="\t", index_col="OTU_ID",
                       dtype=str, keep_default_na=False)  # fmt: skip


def _from_archive(archive_path: Path, name: str, destination: Path) -> Path:
    """Extract ``data/<name>`` of a QIIME 2 .qza/.qzv (a zip file) to ``destination``."""
    with zipfile.ZipFile(archive_path) as archive:
        member = next(n for n in archive.namelist() if n.endswith(f"/data/{name}"))
        target = destination / f"{archive_path.stem}-{Path(name).name}"
        target.write_bytes(archive.read(member))
        return target


def _qzv_csv(qzv: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(_from_archive(qzv, name, qzv.parent))


@pytest.mark.parametrize("run", RUNS)
def test_qiime2_imports_every_file_and_runs_summarize_and_barplot(run, request, tmp_path):
    require_tools("qiime")
    out = _results(request, run)
    q2 = out / "export" / "qiime2"
    table, taxonomy = _otu_table(out), _taxonomy(out)

    def qiime(*args: str) -> str:
        return _run(["qiime", *args], tmp_path)

    for kind, name, artifact in [
        ("FeatureTable[Frequency]", "feature-table.biom", "table"),
        ("FeatureData[Taxonomy]", "taxonomy.tsv", "taxonomy"),
        ("Phylogeny[Rooted]", "tree.nwk", "tree"),
        ("FeatureData[Sequence]", "dna-sequences.fasta", "sequences"),
        ("FeatureData[AlignedSequence]", "aligned-dna-sequences.fasta", "alignment"),
    ]:
        qiime("tools", "import", "--type", kind, "--input-path", str(q2 / name),
              "--output-path", f"{artifact}.qza")  # fmt: skip
    # The taxonomy QIIME 2 holds is ours, feature by feature (not the header taken as a feature).
    imported = pd.read_csv(_from_archive(tmp_path / "taxonomy.qza", "taxonomy.tsv", tmp_path),
                           sep="\t", index_col=0)  # fmt: skip
    assert list(imported.index) == list(table.index)
    assert imported["Taxon"].tolist() == taxonomy.loc[table.index, "taxonomy"].tolist()
    # Metadata: sample-id recognised, the group column categorical.
    columns = qiime("tools", "inspect-metadata", str(q2 / "sample-metadata.tsv"))
    assert "group" in columns and "categorical" in columns.split("group", 1)[1].split("\n")[0]
    # Every tip of the tree is a feature of the table (names read alike despite the "_").
    qiime("phylogeny", "filter-table", "--i-table", "table.qza", "--i-tree", "tree.qza",
          "--o-filtered-table", "in_tree.qza")  # fmt: skip
    kept = biom.load_table(str(_from_archive(tmp_path / "in_tree.qza", "feature-table.biom",
                                             tmp_path)))  # fmt: skip
    assert sorted(kept.ids("observation")) == sorted(table.index)

    qiime("feature-table", "summarize", "--i-table", "table.qza", "--m-sample-metadata-file",
          str(q2 / "sample-metadata.tsv"), "--o-visualization", "table.qzv")  # fmt: skip
    frequencies = _qzv_csv(tmp_path / "table.qzv", "sample-frequency-detail.csv")
    frequencies = frequencies.set_index(frequencies.columns[0]).iloc[:, 0]
    assert frequencies.sort_index().to_dict() == table.sum().sort_index().to_dict()

    qiime("taxa", "barplot", "--i-table", "table.qza", "--i-taxonomy", "taxonomy.qza",
          "--m-metadata-file", str(q2 / "sample-metadata.tsv"), "--o-visualization",
          "barplot.qzv")  # fmt: skip
    phyla = _qzv_csv(tmp_path / "barplot.qzv", "level-2.csv").set_index("index")
    expected = table.groupby(taxonomy.loc[table.index, "phylum"].replace("", None)).sum()
    for phylum, counts in expected.iterrows():
        column = next(c for c in phyla.columns if c.endswith(f";p__{phylum}"))
        assert phyla.loc[table.columns, column].tolist() == counts.tolist(), phylum


R_UNIFRAC = r"""
args <- commandArgs(trailingOnly = TRUE)
suppressPackageStartupMessages({library(phyloseq); library(ape); library(GUniFrac)})
source(file.path(args[1], "load_phyloseq.R"), chdir = TRUE)
stopifnot(!is.null(phy_tree(physeq, errorIfNULL = FALSE)), !is.null(refseq(physeq)))
write.table(data.frame(sample = sample_names(physeq), sample_data(physeq)$group),
            file.path(args[3], "samples.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)
write.table(as.data.frame(as(tax_table(physeq), "matrix")), file.path(args[3], "taxa.tsv"),
            sep = "\t", quote = FALSE, na = "")
rare <- as.matrix(read.delim(args[2], row.names = 1, check.names = FALSE))
rare <- rare[rowSums(rare) > 0, , drop = FALSE]
ps <- prune_samples(colnames(rare), physeq)
ps <- prune_taxa(rownames(rare), ps)
otu_table(ps) <- otu_table(rare[taxa_names(ps), sample_names(ps)], taxa_are_rows = TRUE)
write.table(as.matrix(UniFrac(ps, weighted = FALSE)), file.path(args[3], "phyloseq_uw.tsv"),
            sep = "\t", quote = FALSE)
write.table(as.matrix(UniFrac(ps, weighted = TRUE, normalized = TRUE)),
            file.path(args[3], "phyloseq_w.tsv"), sep = "\t", quote = FALSE)
tree <- read.tree(file.path(args[1], "tree.nwk"))
stopifnot(!any(grepl("'", tree$tip.label)))
gu <- GUniFrac(t(rare), tree, alpha = c(1))$unifracs
write.table(gu[, , "d_UW"], file.path(args[3], "gunifrac_uw.tsv"), sep = "\t", quote = FALSE)
"""


@pytest.mark.parametrize("run", RUNS)
def test_phyloseq_builds_the_object_and_its_unifrac_equals_ours(run, request, tmp_path):
    require_tools("Rscript")
    for package in ("phyloseq", "GUniFrac"):
        if not Path(f"/usr/lib/R/site-library/{package}").is_dir():
            pytest.skip(f"needs R package {package} (run `make test`, which installs it)")
    out = _results(request, run)
    script = tmp_path / "unifrac.R"
    script.write_text(R_UNIFRAC)
    _run(["Rscript", str(script), str(out / "export" / "phyloseq"),
          str(out / RESULT_FILES["rarefied"]), str(tmp_path)], tmp_path)  # fmt: skip
    table, taxonomy = _otu_table(out), _taxonomy(out)
    groups = pd.read_csv(out / RESULT_FILES["groups"], sep="\t", dtype=str)
    samples = pd.read_csv(tmp_path / "samples.tsv", sep="\t", dtype=str)
    assert samples.values.tolist() == groups[["sample", "group"]].values.tolist()
    taxa = pd.read_csv(tmp_path / "taxa.tsv", sep="\t", dtype=str, keep_default_na=False)
    assert sorted(taxa.index) == sorted(table.index)  # (phyloseq puts them in tree order)
    taxa = taxa.loc[table.index]
    assert taxa["Genus"].tolist() == taxonomy.loc[table.index, "genus"].tolist()
    assert taxa["Phylum"].tolist() == taxonomy.loc[table.index, "phylum"].tolist()

    def distances(name: str) -> pd.DataFrame:
        return pd.read_csv(tmp_path / name, sep="\t", index_col=0)

    for theirs, metric in [("phyloseq_uw.tsv", "unweighted_unifrac"),
                           ("phyloseq_w.tsv", "weighted_normalized_unifrac"),
                           ("gunifrac_uw.tsv", "unweighted_unifrac")]:  # fmt: skip
        ours = pd.read_csv(out / "beta" / f"{metric}.tsv", sep="\t", index_col=0)
        other = distances(theirs).loc[ours.index, ours.columns]
        assert ours.shape[0] >= 2
        np.testing.assert_allclose(other.to_numpy(), ours.to_numpy(), rtol=0, atol=1e-9,
                                   err_msg=f"{theirs} vs {metric}")  # fmt: skip


@pytest.mark.parametrize("run", RUNS)
def test_mothur_reads_the_shared_file_taxonomy_and_design(run, request, tmp_path):
    require_tools("mothur")
    out = _results(request, run)
    for key in ("mothur_shared", "mothur_taxonomy", "mothur_design"):
        shutil.copy(out / RESULT_FILES[key], tmp_path)
    names = pd.read_csv(out / RESULT_FILES["mothur_names"], sep="\t", dtype=str)
    sample_names = names[names["kind"] == "sample"].set_index("otuflow")["mothur"]
    group_names = names[names["kind"] == "group"].set_index("otuflow")["mothur"]
    group = pd.read_csv(out / RESULT_FILES["groups"], sep="\t", dtype=str).set_index("sample")
    first = group_names[group["group"].iloc[0]]
    log = _run(["mothur", "#summary.single(shared=otus.shared, calc=sobs-nseqs); "
                "make.biom(shared=otus.shared, constaxonomy=otus.cons.taxonomy); "
                f"get.groups(shared=otus.shared, design=otus.design, sets={first})"], tmp_path)
    assert "[ERROR]" not in log, log[-3000:]
    table, taxonomy = _otu_table(out), _taxonomy(out)
    summary = pd.read_csv(tmp_path / "otus.groups.summary", sep="\t", index_col="group")
    expected = pd.DataFrame({"sobs": (table > 0).sum(), "nseqs": table.sum()})
    expected.index = [sample_names[s] for s in expected.index]
    assert summary[["sobs", "nseqs"]].astype(int).sort_index().equals(expected.sort_index())
    document = json.loads((tmp_path / "otus.0.03.biom").read_text())
    genus = {r["id"]: r["metadata"]["taxonomy"] for r in document["rows"]}
    for otu in table.index:
        names_of = [n for n in taxonomy.loc[otu, ["domain", "phylum", "genus"]] if n]
        assert set(names_of) <= set(genus[otu]), otu
    picked = pd.read_csv(tmp_path / "otus.0.03.pick.shared", sep="\t")
    chosen = group.index[group["group"] == group["group"].iloc[0]]
    assert sorted(picked["Group"]) == sorted(sample_names[s] for s in chosen)
