"""Valid but extreme cohorts: empty and tiny samples, IDs pandas would misread, one group, a
reused output folder, and every read filtered away."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import REPO, require_tools, write_config
from conftest import fastq_records as _records
from conftest import write_fastq_records as _write
from otuflow.checks import setting_conflicts, stale_results
from otuflow.simulate import simulate_cohort
from otuflow.tracking import excluded_samples, read_tracking_table
from otuflow.tsv import read_tsv, write_tsv

# Pass the sample-ID pattern, but pandas' defaults read them as missing values or numbers.
ODD_IDS = ["NA", "null", "007", "None", "nan", "1e3"]
# 341F / 805R of the default config with one base chosen for each IUPAC code
FORWARD, REVERSE = "CCTACGGGAGGCAGCAG", "GACTACAAGGGTATCTAATCC"


def snakemake(config: Path, workdir: Path, *args: str):
    workdir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "snakemake", *args, "--snakefile", str(REPO / "Snakefile"),
        "--directory", str(workdir), "--cores", "2", "--configfile", str(config),
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, cwd=workdir)


def _unmergeable_pair(folder: Path, pairs: int = 300) -> tuple[Path, Path]:
    """Reads that carry both primers but whose mates never overlap: 0 reads after merging."""
    rng = np.random.default_rng(3)
    r1, r2 = [], []
    for i in range(pairs):
        a, b = ("".join(rng.choice(list("ACGT"), 230)) for _ in range(2))
        r1.append([f"@p{i} 1", FORWARD + a, "+", "I" * (len(FORWARD) + 230)])
        r2.append([f"@p{i} 2", REVERSE + b, "+", "I" * (len(REVERSE) + 230)])
    return _write(folder / "empty_R1.fastq", r1), _write(folder / "empty_R2.fastq", r2)


def _config(root: Path, cohort: Path, sheet: Path, out: Path, **sections) -> Path:
    differential = {"permutations": 19, **sections.pop("differential", {})}
    return write_config(
        root / "config.yaml", samples=str(sheet), outdir=str(out),
        taxonomy={"reference_fasta": str(cohort / "reference" / "reference.fasta"),
                  "reference_taxonomy": str(cohort / "reference" / "taxonomy.tsv")},
        diversity={"rarefaction_floor": 300, "permutations": 19, "nmds_starts": 1,
                   "nmds_max_starts": 2, "beta_metrics": ["braycurtis"],
                   "rarefaction_curve_steps": 2, "rarefaction_curve_iterations": 1},
        differential=differential, **sections,
    )  # fmt: skip


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    """2 samples per group, 600 read pairs each."""
    return simulate_cohort(tmp_path_factory.mktemp("extreme") / "cohort", seed=7,
                           samples_per_group=(2, 2, 2), pairs_per_sample=600)  # fmt: skip


def _without_primers(cohort: Path, folder: Path) -> tuple[Path, Path]:
    """Every pair of the six cohort samples (3,600), R1 replaced by random bases in all but 3 of
    20 pairs: 15 % carry the primers (minimum 20 %), yet the sample maps well over 300 reads."""
    rng = np.random.default_rng(11)
    r1, r2 = [], []
    for sample in ("C01", "C02", "S01", "S02", "T01", "T02"):
        r1 += _records(cohort / "reads" / f"{sample}_R1.fastq.gz")
        r2 += _records(cohort / "reads" / f"{sample}_R2.fastq.gz")
    for i, record in enumerate(r1):
        if i % 20 >= 3:
            record[1] = "".join(rng.choice(list("ACGT"), len(record[1])))
    return _write(folder / "noprimer_R1.fastq", r1), _write(folder / "noprimer_R2.fastq", r2)


@pytest.fixture(scope="module")
def extreme_run(cohort, tmp_path_factory):
    """The six cohort samples under odd IDs, plus TRUE (no read survives merging), tiny
    (60 pairs: below the minimum of mapped reads), empty (FASTQ files without reads) and
    noprimer (most pairs without the primers); then the same outdir reused for a smaller
    one-group cohort."""
    require_tools("vsearch", "cutadapt", "mafft", "FastTree")
    root = tmp_path_factory.mktemp("extreme-run")
    empty_r1, empty_r2 = _unmergeable_pair(root)
    for mate in ("R1", "R2"):
        records = _records(cohort / "reads" / f"S01_{mate}.fastq.gz")
        _write(root / f"tiny_{mate}.fastq", records[:60])
    with gzip.open(root / "empty_R1.fastq.gz", "wt"), gzip.open(root / "empty_R2.fastq.gz", "wt"):
        pass  # valid gzip streams of no reads
    noprimer_r1, noprimer_r2 = _without_primers(cohort, root)
    reads = {s: (cohort / "reads" / f"{s}_R1.fastq.gz", cohort / "reads" / f"{s}_R2.fastq.gz")
             for s in ("C01", "C02", "S01", "S02", "T01", "T02")}  # fmt: skip
    rows = [(new, *reads[old], group) for new, old, group in zip(
        ODD_IDS, reads, ["Control", "Control", "Opioid-S", "Opioid-S", "Opioid-T", "Opioid-T"],
        strict=True)]  # fmt: skip
    rows.insert(2, ("TRUE", empty_r1, empty_r2, "Control"))
    rows.insert(5, ("tiny", root / "tiny_R1.fastq", root / "tiny_R2.fastq", "Opioid-S"))
    rows.append(("empty", root / "empty_R1.fastq.gz", root / "empty_R2.fastq.gz", "Opioid-T"))
    rows.append(("noprimer", noprimer_r1, noprimer_r2, "Control"))
    sheet = root / "samples.tsv"
    sheet.write_text("sample\tr1\tr2\tgroup\n" + "".join("\t".join(map(str, r)) + "\n"
                                                          for r in rows))  # fmt: skip
    out = root / "results"
    first = snakemake(_config(root, cohort, sheet, out), root / "wd")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-6000:]
    snapshot = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    first_results = shutil.copytree(out, root / "first-results")  # the second run reuses out

    # The same outdir for a smaller cohort: two Control samples only (one group)
    small = root / "small.tsv"
    small.write_text("sample\tr1\tr2\tgroup\n" + "".join("\t".join(map(str, r)) + "\n"
                                                         for r in rows[:2]))  # fmt: skip
    second = snakemake(_config(root, cohort, small, out), root / "wd")
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-6000:]
    return out, first_results, [r[0] for r in rows], snapshot, second, first


@pytest.mark.slow
@pytest.mark.external
def test_odd_ids_stay_text_and_empty_and_tiny_samples_are_left_out(extreme_run):
    _, out, samples, snapshot, _, _ = extreme_run
    report = (out / "report.html").read_text()
    assert samples == ["NA", "null", "TRUE", "007", "None", "tiny", "nan", "1e3", "empty",
                       "noprimer"]  # fmt: skip
    assert "report.html" in snapshot
    # every ID column is read back as the text of the sheet, in sheet order
    groups = pd.read_csv(out / "groups.tsv", sep="\t", dtype=str, keep_default_na=False)
    assert groups["sample"].tolist() == samples
    tracking = read_tsv(out / "qc" / "read_tracking.tsv").set_index("sample")
    assert tracking.index.tolist() == samples
    assert tracking.loc["TRUE", "merged"] == 0 and tracking.loc["TRUE", "mapped"] == 0
    assert "excluded from the analyses: no reads left" in tracking.loc["TRUE", "warning"]
    assert 0 < tracking.loc["tiny", "mapped"] < 300
    assert ("excluded from the analyses: fewer mapped reads than 300 (min_mapped_reads 300)"
            in tracking.loc["tiny", "warning"])  # fmt: skip
    kept = [s for s in samples if s not in ("TRUE", "tiny", "empty", "noprimer")]
    assert (tracking.loc[kept, "mapped"] >= 300).all()
    excluded = read_tsv(out / "qc" / "excluded_samples.tsv")
    assert excluded["sample"].tolist() == ["TRUE", "tiny", "empty", "noprimer"]
    assert excluded["reason"].tolist()[:3] == ["no reads left", "fewer mapped reads than 300",
                                               "no reads in the input files"]  # fmt: skip
    primer_reason = excluded["reason"].iloc[3]
    assert re.fullmatch(r"only 1[0-5]\.\d% of read pairs carry the primers \(minimum 20%\)",
                        primer_reason), primer_reason  # fmt: skip
    otu_header = (out / "otu" / "otu_table.tsv").read_text().split("\n")[0].split("\t")
    assert otu_header == ["OTU_ID", *samples]
    # composition and differential abundance: the excluded samples are not replicates
    for rank in ("genus", "phylum"):
        rel = read_tsv(out / "composition" / f"{rank}_relative_abundance.tsv", index_col=0)
        assert rel.columns.tolist() == kept
        assert np.allclose(rel.sum(), 1.0) or np.allclose(rel.sum(), 100.0)
    counts = read_tsv(out / "differential" / "genus_counts.tsv", index_col=0)
    assert counts.columns.tolist() == kept
    summary = read_tsv(out / "differential" / "summary.tsv")
    assert summary["skipped"].isna().all()  # 2 samples per group remain: every test ran
    assert set(summary["comparison"]) == {"Opioid vs Control", "Opioid-S vs Control",
                                          "Opioid-T vs Control", "Opioid-S vs Opioid-T"}
    # alpha and beta diversity: both are below the rarefaction depth
    dropped = read_tsv(out / "alpha" / "rarefaction_dropped.tsv").set_index("sample")["reason"]
    assert dropped.index.tolist() == ["TRUE", "tiny", "empty", "noprimer"]
    assert dropped["noprimer"] == f"excluded from the analyses: {primer_reason}"
    alpha = read_tsv(out / "alpha" / "alpha_diversity.tsv", index_col=0)
    assert sorted(alpha.index) == sorted(kept)
    distances = read_tsv(out / "beta" / "braycurtis.tsv", index_col=0)
    assert distances.index.tolist() == distances.columns.tolist()
    assert sorted(distances.index) == sorted(kept)
    # the report says which samples were left out and why
    text = " ".join(re.sub(r"<[^>]+>", " ", report).split())
    assert ("4 sample(s) are left out of composition, differential abundance and alpha and beta "
            "diversity: TRUE (no reads left); tiny (fewer mapped reads than 300); empty (no reads "
            f"in the input files); noprimer ({primer_reason}).") in text  # fmt: skip


@pytest.mark.slow
@pytest.mark.external
def test_sample_without_reads_or_primers_is_left_out_and_the_run_finishes(extreme_run):
    """The empty FASTQ pair is announced before any job; the sample whose pairs mostly lack the
    primers is warned about at the primer check and left out although it maps enough reads."""
    _, out, _, _, _, first = extreme_run
    log = first.stdout + first.stderr
    before_jobs = log.split("Select jobs to execute")[0]
    assert (f"otuflow: sample empty: {out.parent / 'empty_R1.fastq.gz'} and "
            f"{out.parent / 'empty_R2.fastq.gz'} hold no reads; the sample is left out of every "
            "analysis") in before_jobs  # fmt: skip
    assert "WARNING: otuflow: sample noprimer is left out of every analysis: only 1" in log
    primers = read_tsv(out / "qc" / "primer_trimming.tsv").set_index("sample")
    assert primers.loc["empty", "pairs_in"] == 0
    assert primers.loc["noprimer", "pairs_in"] == 3600
    assert primers.loc["noprimer", "fraction"] < 0.2 <= primers.drop(["empty", "noprimer"])[
        "fraction"].min()  # fmt: skip
    tracking = read_tsv(out / "qc" / "read_tracking.tsv").set_index("sample")
    assert tracking.loc["empty", ["input", "merged", "mapped"]].tolist() == [0, 0, 0]
    assert tracking.loc["empty", "warning"] == (
        "no reads in the input; excluded from the analyses: no reads in the input files"
    )
    assert tracking.loc["noprimer", "mapped"] >= 300  # left out for its primers, not its depth
    assert "excluded from the analyses: only 1" in tracking.loc["noprimer", "warning"]
    assert "min_mapped_reads" not in tracking.loc["noprimer", "warning"]
    for table in (out / "composition" / "genus_relative_abundance.tsv",
                  out / "differential" / "genus_counts.tsv", out / "beta" / "braycurtis.tsv",
                  out / "alpha" / "rarefied_otu_table.tsv"):  # fmt: skip
        assert not {"empty", "noprimer"} & set(read_tsv(table, index_col=0).columns), table


@pytest.mark.slow
@pytest.mark.external
def test_one_group_runs_what_it_can_and_reused_outdir_shows_only_this_run(extreme_run):
    out, _, _, snapshot, second, _ = extreme_run
    log = second.stdout + second.stderr
    before_jobs = log.split("Select jobs to execute")[0]
    assert "every sample of" in before_jobs and "is in one group (Control)" in before_jobs
    assert "are left from an earlier run with other samples or comparisons" in before_jobs
    groups = read_tsv(out / "groups.tsv")
    assert groups["sample"].tolist() == ["NA", "null"]
    assert read_tsv(out / "otu" / "otu_table.tsv", index_col=0).columns.tolist() == ["NA", "null"]
    alpha = read_tsv(out / "alpha" / "alpha_diversity.tsv", index_col=0)
    assert alpha.index.tolist() == ["NA", "null"]
    tests = read_tsv(out / "alpha" / "alpha_tests.tsv")
    assert tests.loc[0, "skipped"] == "fewer than two groups"
    summary = read_tsv(out / "differential" / "summary.tsv")
    assert summary["comparison"].tolist()[-1] == "Kruskal-Wallis (all groups)"
    assert "at least two groups" in summary["skipped"].iloc[-1]
    kruskal = read_tsv(out / "differential" / "kruskal_wallis.tsv")
    assert kruskal.empty
    # the first run's comparison files are still there (never deleted), but not in the report
    stale = [f for f in snapshot if f.startswith("differential/metastats_")]
    assert stale and all((out / f).exists() for f in stale)
    report = (out / "report.html").read_text()
    for name in stale + [f for f in snapshot if f.startswith("figures/stamp_")]:
        assert Path(name).name not in report
    assert "Opioid" not in re.sub(r"<[^>]+>", " ", report).split("Methods")[0]


@pytest.mark.slow
@pytest.mark.external
def test_every_read_filtered_away_stops_at_the_first_cohort_step(cohort, tmp_path):
    require_tools("vsearch", "cutadapt")
    out = tmp_path / "results"
    config = _config(tmp_path, cohort, cohort / "samples.tsv", out,
                     filter={"min_length": 500, "max_length": 600})  # fmt: skip
    result = snakemake(config, tmp_path / "wd")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "no read of any sample passed pair merging and quality filtering" in output
    assert "filter: length 500-600 nt" in output
    assert "Error in rule dereplicate_pooled" in output
    assert not (out / "work" / "otus" / "centroids.fasta").exists()


# --- before any job: dry runs ---------------------------------------------------------------


def _dry(tmp_path, cohort, sheet_text=None, **sections):
    sheet = cohort / "samples.tsv"
    if sheet_text is not None:
        sheet = tmp_path / "samples.tsv"
        sheet.write_text(sheet_text)
    return snakemake(_config(tmp_path, cohort, sheet, tmp_path / "results", **sections),
                     tmp_path / "wd", "-n")  # fmt: skip


def _sheet(cohort, samples, group=None):
    table = read_tsv(cohort / "samples.tsv")
    rows = table.set_index("sample").loc[samples]
    return "sample\tr1\tr2\tgroup\n" + "".join(
        f"{s}\t{cohort / r.r1}\t{cohort / r.r2}\t{group or 'Control'}\n" for s, r in rows.iterrows()
    )


def test_one_sample_sheet_stops_before_any_job(tmp_path, cohort):
    result = _dry(tmp_path, cohort, _sheet(cohort, ["C01"]))
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "lists one sample (C01)" in output and "add samples to the sheet" in output
    assert "Job stats" not in output


def test_fewer_than_two_samples_with_reads_stop_before_any_job(tmp_path, cohort):
    for name in ("e_R1.fastq", "e_R2.fastq"):
        (tmp_path / name).write_text("")
    r1, r2 = tmp_path / "e_R1.fastq", tmp_path / "e_R2.fastq"
    sheet = _sheet(cohort, ["C01"]) + f"E\t{r1}\t{r2}\tOpioid-S\n"
    result = _dry(tmp_path, cohort, sheet)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"sample E: {r1} and {r2} hold no reads" in output
    assert "lists 1 sample(s) whose FASTQ files hold reads (no reads in: E)" in output
    assert "Job stats" not in output


def test_one_group_sheet_is_announced_before_any_job(tmp_path, cohort):
    result = _dry(tmp_path, cohort, _sheet(cohort, ["C01", "C02"]))
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stdout + result.stderr
    assert "every sample of" in output and "is in one group (Control)" in output


@pytest.mark.parametrize("sections,fragment", [
    ({"filter": {"min_length": 500, "max_length": 400}},
     "filter.min_length (500) is above filter.max_length (400)"),
    ({"differential": {"reference": "control"}},
     "differential.reference 'control' is not a group of groups.order"),
    ({"differential": {"pooled": {"Opioid": ["Opioid-S", "Opioid-X"]}}},
     "differential.pooled.Opioid: ['Opioid-X'] not a group of groups.order"),
])  # fmt: skip
def test_settings_that_cannot_work_together_stop_before_any_job(tmp_path, cohort, sections,
                                                                fragment):
    result = _dry(tmp_path, cohort, **sections)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Config problem(s)" in output and fragment in output


# --- units --------------------------------------------------------------------------------------


def test_read_tsv_keeps_ids_as_text(tmp_path):
    ids = ["NA", "null", "None", "nan", "1e3", "007", "TRUE", "N/A", "-1.5"]
    path = tmp_path / "t.tsv"
    path.write_text("OTU_ID\t" + "\t".join(ids) + "\nOTU_1\t" + "\t".join("1" * len(ids)) + "\n"
                    + "OTU_2\t" + "\t".join("2" * len(ids)) + "\n")  # fmt: skip
    table = read_tsv(path, index_col="OTU_ID")
    assert table.columns.tolist() == ids
    assert table.to_numpy().tolist() == [[1] * len(ids), [2] * len(ids)]
    frame = pd.DataFrame({"sample": ids, "group": ["TRUE"] * len(ids), "reads": range(len(ids)),
                          "note": [""] * len(ids)})  # fmt: skip
    write_tsv(frame, tmp_path / "s.tsv")
    back = read_tsv(tmp_path / "s.tsv")
    assert back["sample"].tolist() == ids and back["group"].tolist() == ["TRUE"] * len(ids)
    assert back["reads"].tolist() == list(range(len(ids)))
    assert back["note"].isna().all()  # an empty cell is still missing
    back = read_tsv(tmp_path / "s.tsv", index_col=0)
    assert back.index.tolist() == ids


def test_excluded_samples_lists_zero_and_tiny_samples():
    mapped = pd.Series({"a": 0, "b": 999, "c": 1000, "d": 25000})
    table = excluded_samples(mapped, 1000)
    assert table.to_dict("list") == {
        "sample": ["a", "b"], "mapped": [0, 999],
        "reason": ["no reads left", "fewer mapped reads than 1000"],
    }  # fmt: skip
    assert excluded_samples(mapped, 0).empty
    # an earlier step's reason (input, primer check) comes first, whatever the mapped reads
    earlier = {"a": "no reads in the input files", "d": "only 3.0% of read pairs carry the "
               "primers (minimum 20%)", "c": ""}  # fmt: skip
    table = excluded_samples(mapped, 1000, earlier)
    assert table.to_dict("list") == {
        "sample": ["a", "b", "d"], "mapped": [0, 999, 25000],
        "reason": ["no reads in the input files", "fewer mapped reads than 1000",
                   "only 3.0% of read pairs carry the primers (minimum 20%)"],
    }  # fmt: skip


def test_read_tracking_warns_about_excluded_samples(tmp_path):
    import json

    samples = ["NA", "b"]
    reports, merged, filtered = [], [], []
    for sample, n in zip(samples, (100, 2000), strict=True):
        report = tmp_path / f"{sample}.json"
        report.write_text(json.dumps({"read_counts": {"input": n, "output": n}}))
        (tmp_path / f"{sample}.m").write_text(f"{n}\n")
        (tmp_path / f"{sample}.f").write_text(f"{n}\n")
        reports.append(report)
        merged.append(tmp_path / f"{sample}.m")
        filtered.append(tmp_path / f"{sample}.f")
    otus = pd.DataFrame({"NA": [0, 0], "b": [1500, 300]}, index=["OTU_1", "OTU_2"])
    table = read_tracking_table(samples, reports, merged, filtered, otus, 0.5, 1000)
    warnings = dict(zip(table["sample"], table["warning"], strict=True))
    assert warnings["NA"] == ("lost 100% at mapping to OTUs; excluded from the analyses: no "
                              "reads left (min_mapped_reads 1000)")  # fmt: skip
    assert warnings["b"] == ""


def test_setting_conflicts_unit():
    config = {"filter": {"min_length": 380, "max_length": 480},
              "groups": {"order": ["Control", "Opioid-S", "Opioid-T"]},
              "differential": {"reference": "Control",
                               "pooled": {"Opioid": ["Opioid-S", "Opioid-T"]}}}  # fmt: skip
    assert setting_conflicts(config) == []
    config["filter"]["min_length"] = 481
    config["differential"]["reference"] = "Ctrl"
    problems = setting_conflicts(config)
    assert len(problems) == 2
    assert problems[0].startswith("filter.min_length (481) is above filter.max_length (480)")
    assert problems[1].startswith("differential.reference 'Ctrl' is not a group")


def test_stale_results_lists_only_files_the_run_does_not_make(tmp_path):
    for name in ("differential/metastats_A_vs_B.tsv", "differential/summary.tsv",
                 "figures/stamp_A_vs_B.png", "otu/otu_table.tsv"):  # fmt: skip
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    planned = [str(tmp_path / "differential/summary.tsv"), str(tmp_path / "otu/otu_table.tsv")]
    assert stale_results(tmp_path, planned, ("differential", "figures")) == [
        str(tmp_path / "differential/metastats_A_vs_B.tsv"),
        str(tmp_path / "figures/stamp_A_vs_B.png"),
    ]
