"""The workflow layer as a user meets it: a config that stands alone, hostile paths, SINTAX.

* A config given with ``--configfile`` is the whole config: a required key it leaves out is an
  error (never the demo's value), an empty mapping stays empty.
* A cohort whose read paths, reference and output folder hold spaces, ``$(...)``, backticks, ``;``
  and quotes runs to the end from a plain shell (the venv not activated), executes nothing
  hidden in those names and writes nothing outside its output folder; a second run plans nothing.
  The same run uses SINTAX, 99 % OTUs, reference-based chimera removal and 99 permutations, and
  its report says so.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO, VENV_BIN, require_tools, run_in, write_config
from otuflow.checks import RunFolderError, check_run_folder, record_run_folder
from otuflow.simulate import simulate_cohort

HOSTILE = "a b $(touch INJECTED) `touch INJECTED_BT`; echo 'x' \"y\""


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    root = tmp_path_factory.mktemp("layer")
    return simulate_cohort(root / "cohort", seed=5, samples_per_group=(2, 2, 2),
                           pairs_per_sample=1000)  # fmt: skip


def _reference(cohort):
    return {"reference_fasta": str(cohort / "reference" / "reference.fasta"),
            "reference_taxonomy": str(cohort / "reference" / "taxonomy.tsv")}  # fmt: skip


def _dry_run(tmp_path, config):
    return run_in(tmp_path / "wd", config, "--dry-run", check=False)


# --- a config file is the whole config -------------------------------------------------------


@pytest.mark.parametrize(
    ("left_out", "message"),
    [
        ("samples", "missing key samples: the sample sheet"),
        ("outdir", "missing key outdir: the folder every result is written below"),
        ("taxonomy", "missing key taxonomy: a section naming the 16S reference"),
    ],
)
def test_a_required_key_left_out_is_an_error_not_the_demo_value(tmp_path, cohort, left_out,
                                                                 message):  # fmt: skip
    sections = {"samples": str(cohort / "samples.tsv"), "outdir": str(tmp_path / "out"),
                "taxonomy": _reference(cohort)}  # fmt: skip
    del sections[left_out]
    result = _dry_run(tmp_path, write_config(tmp_path / "my.yaml", **sections))
    assert result.returncode != 0
    text = result.stdout + result.stderr
    assert message in text, text[-3000:]
    assert "demo/" not in text  # no demo path slipped in
    assert not (tmp_path / "wd" / "results").exists() and not (REPO / "results").exists()


def test_a_local_reference_must_be_named(tmp_path, cohort):
    config = write_config(tmp_path / "my.yaml", samples=str(cohort / "samples.tsv"),
                          outdir=str(tmp_path / "out"), taxonomy={"method": "rdp"})  # fmt: skip
    result = _dry_run(tmp_path, config)
    assert result.returncode != 0
    text = result.stdout + result.stderr
    assert "missing key taxonomy.reference_fasta: your 16S reference FASTA" in text, text[-3000:]


def test_keys_left_out_take_the_schema_defaults_and_empty_mappings_stay_empty(tmp_path, cohort):
    base = {"samples": str(cohort / "samples.tsv"), "outdir": str(tmp_path / "out"),
            "taxonomy": _reference(cohort)}  # fmt: skip
    default = _dry_run(tmp_path, write_config(tmp_path / "a.yaml", **base))
    assert default.returncode == 0, default.stderr[-3000:]
    assert "metastats_Opioid_vs_Control.tsv" in default.stdout  # the schema's default pooling
    emptied = _dry_run(tmp_path, write_config(tmp_path / "b.yaml", **base,
                                              differential={"pooled": {}}))  # fmt: skip
    assert emptied.returncode == 0, emptied.stderr[-3000:]
    assert "Opioid_vs_Control" not in emptied.stdout
    assert "metastats_Opioid-S_vs_Control.tsv" in emptied.stdout


def test_without_a_configfile_the_repository_config_is_read(tmp_path, cohort):
    # no --configfile: config.yaml is read and --config overrides keys of it; its outdir
    # ("results", a key without default) is the one the plan uses
    reference = _reference(cohort)
    result = subprocess.run(
        [str(VENV_BIN / "snakemake"), "--snakefile", str(REPO / "Snakefile"), "--dry-run",
         "--cores", "1", "--config", f"samples={cohort / 'samples.tsv'}",
         f"taxonomy={{reference_fasta: {reference['reference_fasta']}, "
         f"reference_taxonomy: {reference['reference_taxonomy']}}}",
         f"clinical={{table: {cohort / 'clinical.tsv'}}}"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "results/otu/otu_table.tsv" in result.stdout
    assert not (tmp_path / "results").exists()


def test_an_output_folder_is_tied_to_the_folder_its_runs_start_in(tmp_path):
    out = tmp_path / "out"
    check_run_folder(out, tmp_path / "a")  # no run yet: any folder
    record_run_folder(out, tmp_path / "a")
    record_run_folder(out, tmp_path / "b")  # the first run's folder is kept
    check_run_folder(out, tmp_path / "a")
    with pytest.raises(RunFolderError, match=r"made by runs started in '.*/a', but this one "
                       r"starts in '.*/b'.*Run from '.*/a'"):  # fmt: skip
        check_run_folder(out, tmp_path / "b")


# --- hostile paths, from a plain shell, with SINTAX and a reference for chimeras --------------


def _tree(folder: Path, skip: tuple[Path, ...] = ()) -> set[str]:
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if not any(p == s or s in p.parents for s in skip)
    }


def _repo_untracked() -> set[str]:
    listing = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--ignored",
                              "--untracked-files=all"], capture_output=True, text=True)  # fmt: skip
    return {line[3:] for line in listing.stdout.splitlines()
            if not line[3:].startswith(("resources/cache/", ".snakemake/"))}  # fmt: skip


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory, cohort):
    require_tools("vsearch", "cutadapt", "mafft", "FastTree", "git")
    root = tmp_path_factory.mktemp("hostile")
    reads = root / f"reads {HOSTILE}"
    reads.mkdir()
    sheet = pd.read_csv(cohort / "samples.tsv", sep="\t", comment="#", dtype=str)
    for column in ("r1", "r2"):
        for i, name in enumerate(sheet[column]):
            target = reads / f"{sheet['sample'][i]}_{column} {HOSTILE}.fastq.gz"
            shutil.copy(cohort / name, target)
            sheet.loc[i, column] = str(target)
    sheet_path = root / f"samples {HOSTILE}.tsv"
    sheet.to_csv(sheet_path, sep="\t", index=False)
    reference = root / f"ref {HOSTILE}"
    shutil.copytree(cohort / "reference", reference)
    out = root / f"out {HOSTILE}"
    config = write_config(
        root / f"config {HOSTILE}.yaml", samples=str(sheet_path), outdir=str(out),
        taxonomy={"method": "sintax", "reference_fasta": str(reference / "reference.fasta"),
                  "reference_taxonomy": str(reference / "taxonomy.tsv")},
        cluster={"identity": 0.99},
        mapping={"identity": 0.99},
        chimera={"denovo": True, "reference": str(reference / "reference.fasta")},
        diversity={"rarefaction_floor": 500, "permutations": 99, "nmds_starts": 2,
                   "beta_metrics": ["unweighted_unifrac", "braycurtis"],
                   "rarefaction_curve_steps": 5, "rarefaction_curve_iterations": 2},
        differential={"permutations": 99},
    )  # fmt: skip
    workdir = root / "wd"
    before = _tree(root)
    repo_before = _repo_untracked()
    first = run_in(workdir, config, check=False)
    again = run_in(workdir, config, "--dry-run", check=False)
    return {"root": root, "out": out, "workdir": workdir, "first": first, "again": again,
            "config": config,
            "before": before, "repo_before": repo_before}  # fmt: skip


@pytest.mark.slow
@pytest.mark.external
def test_hostile_paths_run_to_the_end_and_execute_nothing(hostile_run):
    first = hostile_run["first"]
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-6000:]
    out = hostile_run["out"]
    assert (out / "report.html").is_file() and (out / "otu" / "otu_table.biom").is_file()
    for folder in (hostile_run["root"], REPO, hostile_run["workdir"], Path("/tmp")):
        assert not list(folder.glob("INJECTED*")), folder
    assert not [p for p in hostile_run["root"].rglob("INJECTED*")]


@pytest.mark.slow
@pytest.mark.external
def test_nothing_is_written_outside_the_output_folder(hostile_run):
    root, out, workdir = hostile_run["root"], hostile_run["out"], hostile_run["workdir"]
    after = _tree(root, skip=(out, workdir / ".snakemake"))
    assert after - hostile_run["before"] == {"wd"}, after - hostile_run["before"]
    assert _repo_untracked() == hostile_run["repo_before"]


@pytest.mark.slow
@pytest.mark.external
def test_a_second_run_plans_nothing(hostile_run):
    again = hostile_run["again"]
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Nothing to be done" in again.stdout + again.stderr


@pytest.mark.slow
@pytest.mark.external
def test_another_folder_cannot_take_over_the_output_folder(hostile_run, tmp_path):
    # from elsewhere Snakemake would not see the run's history: stop before any job
    other = run_in(tmp_path / "elsewhere", hostile_run["config"], "--dry-run", check=False)
    assert other.returncode != 0
    assert "was made by runs started in" in other.stdout + other.stderr
    assert str(hostile_run["workdir"]) in other.stdout + other.stderr


@pytest.mark.slow
@pytest.mark.external
def test_sintax_reference_chimeras_and_settings_reach_the_results(hostile_run):
    out = hostile_run["out"]
    taxonomy = pd.read_csv(out / "taxonomy" / "otu_taxonomy.tsv", sep="\t", index_col="OTU_ID")
    assert taxonomy["phylum"].notna().mean() > 0.9
    assert (out / "logs" / "sintax_search.log").is_file()
    assert (out / "logs" / "remove_chimeras_reference.log").is_file()
    record = json.loads((out / "provenance" / "provenance.json").read_text())
    assert record["config"]["cluster"]["identity"] == 0.99
    assert "chimera_reference" in record["references"]
    report = (out / "report.html").read_text()
    assert "SINTAX" in report and "naive Bayesian" not in report
    assert "99 %" in report and "97 %" not in report
    text = re.sub(r"data:[^\"]+", "", report)  # embedded figures are base64, not prose
    assert "999" not in text.split("References")[0]
    permanova = pd.read_csv(out / "beta" / "permanova.tsv", sep="\t")
    assert permanova["p"].dropna().min() >= 1 / 100  # 99 permutations: p >= 1/(99+1)
