"""benchmarks/race.py: the bare-tools script's commands, parsing of the anchors' outputs, the
ratios and the RESULTS.md block."""

from __future__ import annotations

import copy
import io
import math
import shlex
import subprocess
import sys
from pathlib import PurePosixPath

import pandas as pd
import pytest

from conftest import REPO, VENV_BIN, require_tools
from otuflow.rule_args import cutadapt_adapter_args

sys.path.insert(0, str(REPO / "benchmarks"))
import cohorts  # noqa: E402
import race  # noqa: E402

WORK = PurePosixPath("/scratch/bare")


@pytest.fixture(scope="module")
def config() -> dict:
    """The repository's config.yaml as the workflow sees it (schema defaults filled in)."""
    return cohorts.resolved_config(REPO / "config.yaml")


def options(args: list[str]) -> dict[str, str | None]:
    """``--flag value`` / ``-f value`` pairs of a command line (flags without value: None)."""
    found, i = {}, 1
    while i < len(args):
        if args[i].startswith("-") and (i + 1 == len(args) or args[i + 1].startswith("-")):
            found[args[i]] = None
            i += 1
        elif args[i].startswith("-"):
            found[args[i]] = args[i + 1]
            i += 2
        else:
            i += 1
    return found


def test_sample_steps_carry_the_workflows_settings(config):
    trim, merge, filt, derep = race.sample_steps(config, "S1", "/r/S1_1.fq.gz", "/r/S1_2.fq.gz",
                                                 WORK)  # fmt: skip
    primers = config["primers"]
    assert trim.args[0] == "cutadapt"
    adapters = cutadapt_adapter_args(primers)
    start = trim.args.index(adapters[0])
    assert trim.args[start:start + len(adapters)] == adapters
    cut = options(trim.args)
    assert cut["-e"] == str(primers["max_error_rate"])
    assert cut["-q"] == cut["-Q"] == str(primers["quality_cutoff"])
    assert trim.args[-2:] == ["/r/S1_1.fq.gz", "/r/S1_2.fq.gz"]
    assert options(merge.args)["--fastq_mergepairs"] == cut["-o"]
    assert options(merge.args)["--reverse"] == cut["-p"]
    assert options(merge.args)["--fastq_minovlen"] == str(config["merge"]["min_overlap"])
    assert options(merge.args)["--fastq_maxdiffs"] == str(config["merge"]["max_diffs"])
    assert options(merge.args)["--relabel"] == "S1."
    f = options(filt.args)
    assert f["--fastq_filter"] == options(merge.args)["--fastqout"]
    assert (f["--fastq_maxee"], f["--fastq_minlen"], f["--fastq_maxlen"], f["--fastq_maxns"]) == (
        str(config["filter"]["max_ee"]), str(config["filter"]["min_length"]),
        str(config["filter"]["max_length"]), str(config["filter"]["max_ns"]))  # fmt: skip
    d = options(derep.args)
    assert d["--derep_fulllength"] == f["--fastaout"]
    assert d["--relabel"] == "S1.u" and "--sizeout" in d
    assert d["--output"] == str(WORK / "S1.derep.fasta")


def test_sample_steps_follow_a_changed_config(config):
    changed = copy.deepcopy(config)
    changed["merge"]["min_overlap"] = 23
    changed["filter"]["max_ee"] = 0.5
    changed["primers"]["require_both"] = False
    changed["primers"]["quality_cutoff"] = 20
    trim, merge, filt, _ = race.sample_steps(changed, "A", "a1", "a2", WORK)
    assert "--discard-untrimmed" not in trim.args
    assert options(trim.args)["-q"] == "20"
    assert options(merge.args)["--fastq_minovlen"] == "23"
    assert options(filt.args)["--fastq_maxee"] == "0.5"
    changed["primers"]["trim"] = False
    trim = race.sample_steps(changed, "A", "a1", "a2", WORK)[0]
    assert trim.args[trim.args.index("-a") + 1] == cutadapt_adapter_args(changed["primers"])[1]


def test_cohort_steps_pool_cluster_remove_chimeras_and_map(config):
    steps = race.cohort_steps(config, ["S1", "S2"], WORK, threads=2)
    assert steps[0] == race.Step(["cat", str(WORK / "S1.derep.fasta"),
                                  str(WORK / "S2.derep.fasta")], str(WORK / "pooled.fasta"))
    tools = [next(a for a in s.args[1:] if a.startswith("--")) for s in steps[1:-1]]
    assert tools == ["--derep_fulllength", "--cluster_size", "--uchime_denovo", "--sortbysize",
                     "--derep_fulllength", "--usearch_global"]  # fmt: skip
    derep, cluster, chimera, relabel, distinct, mapping = (options(s.args) for s in steps[1:-1])
    assert derep["--minuniquesize"] == str(config["dereplicate"]["min_size"])
    assert cluster["--id"] == str(config["cluster"]["identity"])
    assert cluster["--cluster_size"] == derep["--output"]
    assert chimera["--uchime_denovo"] == cluster["--centroids"]
    assert relabel["--sortbysize"] == chimera["--nonchimeras"] and relabel["--relabel"] == "OTU_"
    # every distinct sequence (no abundance floor) is searched once, for its best hit
    assert distinct["--derep_fulllength"] == str(WORK / "pooled.fasta")
    assert "--minuniquesize" not in distinct
    assert mapping["--usearch_global"] == distinct["--output"]
    assert mapping["--db"] == relabel["--output"] and mapping["--maxhits"] == "1"
    assert (mapping["--id"], mapping["--maxaccepts"], mapping["--maxrejects"]) == (
        str(config["mapping"]["identity"]), str(config["mapping"]["maxaccepts"]),
        str(config["mapping"]["maxrejects"]))  # fmt: skip
    assert mapping["--threads"] == "2"
    join = steps[-1]
    assert join.args[0] == "awk" and join.args[-2:] == [mapping["--userout"], distinct["--uc"]]
    assert join.stdout == str(WORK / "otu_table.tsv")


def test_join_hits_sums_each_samples_reads_by_the_hit_of_its_sequences(tmp_path):
    """The bare script's awk join on a hand-made --uc table and hits, against counts by hand."""
    require_tools("awk")
    hits = tmp_path / "hits.tsv"
    hits.write_text("A.u1;size=7\tOTU_1\nB.u2;size=2\tOTU_2\n")  # C.u1 has no hit
    uc = tmp_path / "distinct.uc"
    records = [  # S: first copy of a distinct sequence; H: the same sequence in another sample
        ["S", "0", "400", *"*****", "A.u1;size=5", "*"],
        ["H", "0", "400", "100.0", "+", "0", "0", "*", "B.u1;size=2", "A.u1;size=5"],
        ["S", "1", "400", *"*****", "B.u2;size=2", "*"],
        ["S", "2", "400", *"*****", "C.u1;size=9", "*"],
        ["C", "0", "2", *"*****", "A.u1;size=5", "*"],
    ]
    uc.write_text("".join("\t".join(r) + "\n" for r in records))
    result = subprocess.run(["awk", "-F", "\t", race.JOIN_HITS, str(hits), str(uc)],
                            capture_output=True, text=True, check=True)  # fmt: skip
    table = pd.read_csv(io.StringIO(result.stdout), sep="\t", index_col=0).sort_index()
    assert table.sort_index(axis=1).to_dict() == {"A": {"OTU_1": 5, "OTU_2": 0},
                                                  "B": {"OTU_1": 2, "OTU_2": 2}}


def test_cohort_steps_for_asvs_and_reference_chimeras(config):
    changed = copy.deepcopy(config)
    changed["features"] = "asv"
    changed["chimera"]["reference"] = "/ref/gold.fasta"
    steps = race.cohort_steps(changed, ["S1"], WORK, threads=1)
    flags = [s.args[1] for s in steps[1:]]
    assert flags == ["--derep_fulllength", "--cluster_unoise", "--uchime3_denovo",
                     "--uchime_ref", "--sortbysize", "--derep_fulllength", "--usearch_global",
                     "-F"]  # fmt: skip
    unoise = options(steps[2].args)
    assert unoise["--minsize"] == str(changed["denoise"]["min_size"])
    assert unoise["--unoise_alpha"] == str(changed["denoise"]["alpha"])
    assert options(steps[4].args)["--db"] == "/ref/gold.fasta"
    assert options(steps[5].args)["--relabel"] == "ASV_"
    changed["chimera"]["denovo"] = False
    changed["chimera"]["reference"] = ""
    flags = [s.args[1] for s in race.cohort_steps(changed, ["S1"], WORK, threads=1)[1:]]
    assert "--uchime3_denovo" not in flags and "--uchime_ref" not in flags


def test_bare_script_is_valid_bash_with_every_sample(config, tmp_path):
    sheet = pd.DataFrame({"sample": ["S 1", "S2"], "r1": ["/r/a 1.fq", "/r/b1.fq"],
                          "r2": ["/r/a 2.fq", "/r/b2.fq"]})  # fmt: skip
    text = race.bare_script(config, sheet, WORK, cores=2, path_dirs=["/venv/bin"])
    script = tmp_path / "bare.sh"
    script.write_text(text)
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    assert "export PATH=/venv/bin:" in text
    assert ">= 2 ))" in text  # two samples at a time
    for line in text.splitlines():
        if line.strip().startswith("cutadapt"):
            words = shlex.split(line.strip().removesuffix(" &&"))
            assert words[words.index("-o") - 2:words.index("-o")] == ["--minimum-length", "1"]
    assert "'/r/a 1.fq' '/r/a 2.fq'" in text


def test_render_step_sends_output_to_the_file_or_the_log():
    assert race.render_step(race.Step(["cat", "a b"], "/o/p"), "/l/x.log") == (
        "cat 'a b' > /o/p 2>> /l/x.log")
    assert race.render_step(race.Step(["vsearch", "--v"]), "/l/x.log") == (
        "vsearch --v >> /l/x.log 2>&1")


def entry(anchor: str, wall: float, cpu: float, rss: float = 100.0) -> race.Entry:
    return race.Entry(anchor, race.Usage(wall, cpu, rss))


def test_ratios_and_missing_anchors():
    entries = {"otuflow_table": entry("otuflow_table", 30, 40), "bare": entry("bare", 20, 32),
               "otuflow_full": entry("otuflow_full", 100, 150),
               "mothur": entry("mothur", 350, 300)}  # fmt: skip
    assert race.ratio(entries, "otuflow_table", "bare") == (1.5, 1.25)
    assert race.ratio(entries, "mothur", "otuflow_full") == (3.5, 2.0)
    assert all(math.isnan(v) for v in race.ratio(entries, "qiime2", "otuflow_full"))
    entries["qiime2"] = race.Entry("qiime2", note="failed")
    assert all(math.isnan(v) for v in race.ratio(entries, "qiime2", "otuflow_full"))


def test_peak_memory_from_gnu_time():
    assert race.parse_gnu_time_rss("204400\n") == 204400
    # a command killed by a signal makes GNU time write a status line first
    assert race.parse_gnu_time_rss("Command terminated by signal 9\n5120\n") == 5120
    with pytest.raises(race.AnchorFailed, match="no peak memory"):
        race.parse_gnu_time_rss("")


def test_measure_reports_the_commands_own_peak_memory(tmp_path):
    """Not this Python process's (copied into the child before the command starts)."""
    usage = race.measure(["true"], tmp_path / "log")
    assert usage.max_rss_mb < 20
    with pytest.raises(race.AnchorFailed, match="exited with 1"):
        race.measure(["false"], tmp_path / "log")


def test_usage_of_steps_adds_times_and_keeps_the_largest_memory():
    total = race.Usage(1.0, 2.0, 300.0) + race.Usage(4.0, 0.5, 120.0)
    assert total == race.Usage(5.0, 2.5, 300.0)


def test_cohort_table_rows_and_ratios():
    entries = {"otuflow_full": race.Entry("otuflow_full", race.Usage(100.4, 150.2, 251.0), 60,
                                          (55, 60), (20, 21, 2)),
               "bare": entry("bare", 20, 32),
               "otuflow_table": entry("otuflow_table", 30, 40),
               "qiime2": race.Entry("qiime2", note="failed: dada2")}  # fmt: skip
    lines = race.cohort_table(entries)
    full = next(line for line in lines if line.startswith("| otuflow, full"))
    assert [c.strip() for c in full.split("|")[2:-1]] == ["100", "150", "251", "60", "55/60",
                                                          "20/21 (+2)", ""]  # fmt: skip
    qiime = next(line for line in lines if line.startswith("| QIIME 2"))
    assert [c.strip() for c in qiime.split("|")[2:-1]] == ["-"] * 6 + ["failed: dada2"]
    anchors, ratios = lines[:lines.index("")], lines[lines.index(""):]
    assert not any(line.startswith("| mothur") for line in anchors)  # not run: no row
    table_ratio = next(line for line in ratios if line.startswith("| otuflow, up to"))
    assert table_ratio.endswith("| 1.50 | 1.25 |")
    mothur_ratio = next(line for line in ratios if line.startswith("| mothur"))
    assert mothur_ratio.endswith("| - | - |")


def test_mothur_outputs_are_parsed(tmp_path):
    shared = tmp_path / "x.dgc.shared"
    shared.write_text("label\tGroup\tnumOtus\tOtu01\tOtu02\tOtu03\n"
                      "0.03\tC01\t3\t5\t0\t2\n0.03\tS01\t3\t1\t7\t0\n")  # fmt: skip
    counts = race.read_mothur_shared(shared)
    assert list(counts.index) == ["Otu01", "Otu02", "Otu03"]
    assert counts.loc["Otu02", "S01"] == 7 and counts["C01"].sum() == 7
    rep = tmp_path / "x.rep.fasta"
    rep.write_text(">read_9\tOtu01|6|C01-S01\nacgt-ACG\n>read_2\tOtu02|7|S01\nTTGA\n")
    assert race.mothur_rep_sequences(rep) == {"Otu01": "ACGTACG", "Otu02": "TTGA"}
    cons = tmp_path / "x.cons.taxonomy"
    cons.write_text("OTU\tSize\tTaxonomy\n"
                    "Otu01\t6\td__Bacteria(100);p__Firmicutes(100);g__Blautia(97);\n"
                    "Otu02\t7\td__Bacteria(100);p__Firmicutes(100);g__Firmicutes_unclassified;\n"
                    "Otu03\t2\td__Bacteria(100);g__Dorea(100);\n")  # fmt: skip
    lineages = race.read_mothur_taxonomy(cons)
    # Otu03 holds reads only in C01; Otu02's genus is unclassified
    assert race.observed_genera(lineages, counts) == {"Blautia", "Dorea"}
    assert race.observed_genera(lineages, counts[["S01"]]) == {"Blautia"}


def test_qiime_outputs_are_parsed(tmp_path):
    import biom
    import numpy as np

    table = biom.Table(np.array([[3, 0], [1, 9]]), ["f1", "f2"], ["A", "B"])
    path = tmp_path / "feature-table.biom"
    with biom.util.biom_open(str(path), "w") as handle:
        table.to_hdf5(handle, "test")
    counts = race.read_biom_counts(path)
    assert counts.loc["f2", "B"] == 9 and counts.shape == (2, 2)
    taxonomy = tmp_path / "taxonomy.tsv"
    taxonomy.write_text("Feature ID\tTaxon\tConfidence\n"
                        "f1\td__Bacteria; p__Bacteroidota; g__Prevotella\t0.99\n"
                        "f2\td__Bacteria; p__Bacteroidota\t0.9\n")  # fmt: skip
    lineages = race.read_qiime_taxonomy(taxonomy)
    assert race.observed_genera(lineages, counts) == {"Prevotella"}


def test_genus_of_lineages_in_each_tools_format():
    assert race.genus_of("d__Bacteria; p__Bacteroidota; g__Prevotella") == "Prevotella"
    assert race.genus_of("d__Bacteria(100);g__Dorea(87.5);s__Dorea_x(60);") == "Dorea"
    assert race.genus_of("d__Bacteria;p__Firmicutes;") is None
    assert race.genus_of("d__Bacteria; g__") is None


def test_genus_recovery_against_the_truth(tmp_path):
    (tmp_path / "genus_abundance.tsv").write_text(
        "genus\tA\tB\nBlautia\t0.5\t0.2\nDorea\t0.001\t0.003\nPrevotella\t0.0\t0.497\n")
    # Dorea never reaches the floor, so it is not expected
    assert race.expected_genera(tmp_path) == {"Blautia", "Prevotella"}
    # Other was not simulated at all: a wrong name
    assert race.genus_recovery(tmp_path, {"Blautia", "Dorea", "Other"}) == (1, 2, 1)


def test_mothur_fastq_is_plain_with_names_unique_per_sample(tmp_path):
    import gzip

    source = tmp_path / "r1.fastq.gz"
    with gzip.open(source, "wt") as handle:
        handle.write("@SIM_1 1:N\nACGT\n+\n@III\n@SIM_2\nTTTT\n+SIM_2\nIIII\n")
    race.mothur_fastq(source, tmp_path / "out.fastq", "C01")
    # quality lines starting with "@" are left alone
    assert (tmp_path / "out.fastq").read_text().splitlines() == [
        "@C01_SIM_1 1:N", "ACGT", "+", "@III", "@C01_SIM_2", "TTTT", "+SIM_2", "IIII"]


def test_mothur_design_and_batch(config):
    design = race.mothur_design(pd.Series({"C01": "Control", "S01": "Opioid-S"}))
    assert design.splitlines() == ["group\ttreatment", "C01\tControl", "S01\tOpioid_S"]
    batch = race.mothur_batch(config, cores=2).splitlines()
    assert [line.split("(")[0] for line in batch] == [
        "make.contigs", "pcr.seqs", "screen.seqs", "unique.seqs", "chimera.vsearch", "cluster",
        "make.shared", "classify.seqs", "classify.otu", "get.oturep", "summary.single",
        "metastats"]  # fmt: skip
    assert f"minlength={config['filter']['min_length']}" in batch[2]
    assert "method=dgc, cutoff=0.03" in batch[5] and "method=wang" in batch[7]


def test_parse_cohort():
    assert race.parse_cohort("16x4000") == (16, 4000)
    for bad in ("16*4000", "2x100", "16x0"):
        with pytest.raises(Exception, match="16x4000"):
            race.parse_cohort(bad)


def test_results_blocks_are_kept_by_every_benchmark(tmp_path):
    results = tmp_path / "RESULTS.md"
    results.write_text("# Scaling\n\nold scale text\n")
    race_start, race_end = cohorts.BLOCKS["race"]
    asv_start, asv_end = cohorts.BLOCKS["asv"]
    cohorts.write_block(results, "asv", f"{asv_start}\nasv one\n{asv_end}")
    cohorts.write_block(results, "race", f"{race_start}\nrace one\n{race_end}")
    cohorts.write_block(results, "race", f"{race_start}\nrace two\n{race_end}")
    text = results.read_text()
    assert "old scale text" in text and "asv one" in text and "race two" in text
    assert "race one" not in text and text.count(race_start) == 1
    # scale.py rewrites the file from scratch and keeps both blocks
    kept = cohorts.keep_blocks(results, "# Scaling\n\nnew scale text\n")
    assert "new scale text" in kept and "asv one" in kept and "race two" in kept
    assert "old scale text" not in kept


@pytest.mark.slow
@pytest.mark.external
def test_bare_script_counts_equal_the_workflows_otu_table(demo_run, tmp_path):
    """The bare script, on the demo cohort with the demo's config, gives otuflow's counts."""
    require_tools("vsearch", "cutadapt")
    cohort, configfile, workdir = demo_run
    config = cohorts.resolved_config(configfile)
    sheet = pd.read_csv(cohort / "samples.tsv", sep="\t", dtype=str)
    for column in ("r1", "r2"):
        sheet[column] = [str(cohort / p) for p in sheet[column]]
    script = tmp_path / "bare.sh"
    script.write_text(race.bare_script(config, sheet, tmp_path / "bare", cores=2,
                                       path_dirs=[str(VENV_BIN)]))  # fmt: skip
    result = subprocess.run(["bash", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert race.same_counts(tmp_path / "bare" / "otu_table.tsv",
                            workdir / "results" / "otu" / "otu_table.tsv")


def test_a_second_race_goes_to_its_own_block_beside_the_race(tmp_path):
    """``--block race-table`` writes a second block and keeps the race block as it is."""
    results = tmp_path / "RESULTS.md"
    race_start, race_end = cohorts.BLOCKS["race"]
    cohorts.write_block(results, "race", f"{race_start}\nsmall cohorts\n{race_end}")
    entries = {"otuflow_table": entry("otuflow_table", 30, 40), "bare": entry("bare", 20, 32)}
    block = race.report("python benchmarks/race.py --block race-table", "2026-12-03 14:00", "vm",
                        "vsearch 2.22.1", [("200x20000", entries, (1.0, 1.5))],
                        {"mothur": "left out with --skip"}, block="race-table")  # fmt: skip
    large_start, large_end = cohorts.BLOCKS["race-table"]
    assert block.startswith(large_start) and block.endswith(large_end)
    assert "(200 x 20000)" in block.splitlines()[1]
    assert "| 1.50 | 1.25 |" in block
    cohorts.write_block(results, "race-table", block)
    text = results.read_text()
    assert "small cohorts" in text and text.count(large_start) == 1
    assert text.index(race_end) < text.index(large_start)
