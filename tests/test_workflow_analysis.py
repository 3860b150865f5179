"""End to end on the demo cohort: taxonomy, diversity, differential abundance, figures, report.

The session's run of the whole workflow on the demo cohort (7 Control / 10 Opioid-S / 8 Opioid-T,
with `make demo`'s config), checked against the simulator's ground truth.
"""

from __future__ import annotations

import base64
import subprocess
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from conftest import PLANTED, metastats_calls

pytestmark = [pytest.mark.slow, pytest.mark.external]

METRICS = ["unweighted_unifrac", "weighted_unifrac", "weighted_normalized_unifrac", "braycurtis",
           "jaccard"]


@pytest.fixture(scope="module")
def demo(demo_run):
    cohort, _, workdir = demo_run
    return cohort, workdir / "results"


def _truth(cohort, name):
    return pd.read_csv(cohort / "truth" / name, sep="\t", index_col=0)


def test_every_issue_output_exists(demo):
    _, out = demo
    expected = [
        "phylogeny/otus.tree", "alpha/alpha_diversity.tsv", "alpha/alpha_tests.tsv",
        "beta/permanova.tsv", "taxonomy/otu_taxonomy.tsv", "taxonomy/genus_table.tsv",
        "taxonomy/phylum_table.tsv", "report.html", "differential/summary.tsv",
        "differential/metastats_Opioid_vs_Control.tsv", "differential/stamp_Opioid_vs_Control.tsv",
        "differential/wilcoxon_Opioid_vs_Control.tsv",
    ]  # fmt: skip
    expected += [f"beta/{m}.tsv" for m in METRICS]
    expected += [f"beta/ordination_{k}_{m}.tsv" for m in METRICS for k in ("pcoa", "nmds")]
    for pair in ("Opioid-S_vs_Control", "Opioid-T_vs_Control", "Opioid-S_vs_Opioid-T"):
        expected += [f"differential/{t}_{pair}.tsv" for t in ("metastats", "stamp", "wilcoxon")]
    missing = [p for p in expected if not (out / p).is_file()]
    assert not missing


def test_true_genera_are_assigned_correctly(demo, tmp_path):
    """Every OTU of a true genus with >= 0.5 % mean abundance is classified to that genus."""
    cohort, out = demo
    species = _truth(cohort, "species.tsv")
    genus_abundance = _truth(cohort, "genus_abundance.tsv").mean(axis=1)
    hits = tmp_path / "hits.tsv"
    subprocess.run(
        ["vsearch", "--usearch_global", str(out / "otu" / "otus.fasta"), "--db",
         str(cohort / "truth" / "species.fasta"), "--id", "0.97", "--maxaccepts", "0",
         "--maxrejects", "0", "--maxhits", "1", "--userout", str(hits), "--userfields",
         "query+target", "--quiet"],
        check=True,
    )  # fmt: skip
    origin = pd.read_csv(hits, sep="\t", names=["otu", "species"], index_col="otu")["species"]
    origin = origin.str.split().str[0]
    taxonomy = pd.read_csv(out / "taxonomy" / "otu_taxonomy.tsv", sep="\t", index_col="OTU_ID")
    abundant = set(genus_abundance[genus_abundance >= 0.005].index)
    checked = 0
    for otu, sp in origin.items():
        true_genus = species.loc[sp, "genus"]
        if true_genus in abundant:
            assert taxonomy.loc[otu, "genus"] == true_genus, (otu, sp, taxonomy.loc[otu].to_dict())
            checked += 1
    assert checked >= len(abundant)
    genus_table = pd.read_csv(out / "taxonomy" / "genus_table.tsv", sep="\t", index_col=0)
    assert abundant <= set(genus_table.index)


def test_metastats_finds_the_planted_genera(demo):
    """The five planted genera reach q < 0.05 where planted; at most one false positive."""
    cohort, out = demo
    found, false_positives = metastats_calls(cohort, out)
    assert found == set(PLANTED), found
    assert len(false_positives) <= 1, false_positives


def test_alpha_and_beta_tables_are_complete(demo):
    _, out = demo
    alpha = pd.read_csv(out / "alpha" / "alpha_diversity.tsv", sep="\t", index_col=0)
    assert len(alpha) == 25 and {"chao1", "shannon_base2", "observed_otus"} <= set(alpha)
    assert (alpha["chao1"] >= alpha["observed_otus"]).all()
    tests = pd.read_csv(out / "alpha" / "alpha_tests.tsv", sep="\t")
    chao = tests[tests["metric"] == "chao1"]
    assert set(chao["comparison"]) >= {"all groups", "Opioid vs Control", "Opioid-S vs Opioid-T"}
    permanova = pd.read_csv(out / "beta" / "permanova.tsv", sep="\t")
    assert set(permanova["metric"]) == set(METRICS)
    overall = permanova[permanova["comparison"] == "all groups"]
    assert (overall["n"] == 25).all() and overall["pseudo_F"].notna().all()
    dm = pd.read_csv(out / "beta" / "unweighted_unifrac.tsv", sep="\t", index_col=0)
    assert dm.shape == (25, 25) and np.allclose(dm.to_numpy(), dm.to_numpy().T)
    assert np.allclose(np.diag(dm.to_numpy()), 0)
    # Both weighted UniFrac forms are written; the normalised one lies in [0, 1].
    raw = pd.read_csv(out / "beta" / "weighted_unifrac.tsv", sep="\t", index_col=0).to_numpy()
    norm = pd.read_csv(out / "beta" / "weighted_normalized_unifrac.tsv", sep="\t",
                       index_col=0).to_numpy()
    assert (norm >= 0).all() and (norm <= 1).all() and not np.allclose(raw, norm)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.targets = set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("src", "href") and value:
                self.targets.add(value)


def test_report_embeds_every_figure(demo):
    """The report is one file: every PNG the run drew is embedded byte for byte, and no link or
    image points outside the page."""
    _, out = demo
    html = (out / "report.html").read_text()
    parser = _Links()
    parser.feed(html)
    drawn = sorted([*out.glob("figures/*.png"), *out.glob("clinical/*.png")])
    assert len(drawn) >= 17
    embedded = [base64.b64decode(t.split(",", 1)[1]) for t in parser.targets
                if t.startswith("data:image/png;base64,")]  # fmt: skip
    assert sorted(embedded) == sorted(p.read_bytes() for p in drawn)
    assert [t for t in parser.targets if not t.startswith(("#", "data:"))] == []
    for word in ("PERMANOVA", "Metastats", "VSEARCH", "Chao1", "Opioid-T"):
        assert word.lower() in html.lower()


def test_beta_diversity_and_figures_each_ran_as_one_job_with_its_log_and_benchmark(demo):
    """Issue 15: every metric in one beta-diversity job, every figure in one figures job; each
    combined job keeps a log and a Snakemake benchmark of its own."""
    _, out = demo
    for job in ("beta_diversity", "figures"):
        benchmark = pd.read_csv(out / "benchmarks" / f"{job}.tsv", sep="\t")
        assert len(benchmark) == 1 and benchmark["s"].iloc[0] > 0
    assert not (out / "logs" / "beta_diversity").exists()  # no per-metric jobs
    assert not (out / "logs" / "figures").exists()  # no per-family jobs
    beta_log = (out / "logs" / "beta_diversity.log").read_text()
    assert [line[3:] for line in beta_log.splitlines() if line.startswith("== ")] == METRICS
    # the stacked PERMANOVA table is the per-metric tables one after the other
    stacked = pd.concat([pd.read_csv(out / "beta" / f"permanova_{m}.tsv", sep="\t")
                         for m in METRICS], ignore_index=True)  # fmt: skip
    pd.testing.assert_frame_equal(pd.read_csv(out / "beta" / "permanova.tsv", sep="\t"), stacked)
    drawn = {line.removeprefix("wrote ") for line in
             (out / "logs" / "figures.log").read_text().splitlines()}  # fmt: skip
    on_disk = {str(p.relative_to(out.parent)) for p in out.glob("figures/*")}
    assert len(on_disk) == 2 * (3 + 2 * len(METRICS) + 4 + 1 + 4)  # PNG + SVG of each figure
    assert drawn == on_disk
