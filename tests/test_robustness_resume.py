"""Nothing lost, nothing different: a run killed with SIGKILL resumes to the same bytes, and the
results do not depend on the number of cores.

Two whole runs of a small simulated cohort (6 samples x 1000 read pairs) into the same output path:

A. `--cores 2`, uninterrupted;
B. `--cores 1`, killed (SIGKILL to the whole process group) once some per-sample outputs exist,
   then resumed with `--rerun-incomplete` (after `--unlock`: SIGKILL leaves Snakemake's lock).

Every file under the output folder is compared byte for byte (logs, benchmarks and
provenance/run_info.json, which records when the run happened, excepted), so one comparison
covers "two runs agree", "1 core = 2 cores" and "resumed = uninterrupted". The vsearch steps,
whose rules ask for more threads than CI has cores, are also run directly with 1 and 4 threads.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import (
    REPO,
    differences,
    planned_jobs,
    require_tools,
    result_files,
    write_config,
)
from otuflow.simulate import simulate_cohort

pytestmark = [pytest.mark.slow, pytest.mark.external]

SETTINGS = {
    "diversity": {"rarefaction_floor": 500, "permutations": 99, "nmds_starts": 2,
                  "beta_metrics": ["unweighted_unifrac", "braycurtis"],
                  "rarefaction_curve_steps": 5, "rarefaction_curve_iterations": 2},
    "differential": {"permutations": 99},
}  # fmt: skip


def command(config: Path, workdir: Path, *args: str, cores: int) -> list[str]:
    """Snakemake command line for this repository's workflow in its own working directory."""
    return [
        sys.executable, "-m", "snakemake", *args, "--snakefile", str(REPO / "Snakefile"),
        "--directory", str(workdir), "--cores", str(cores), "--configfile", str(config),
        "--quiet", "progress",
    ]  # fmt: skip


def run(config: Path, workdir: Path, *args: str, cores: int = 2):
    workdir.mkdir(parents=True, exist_ok=True)
    return subprocess.run(command(config, workdir, *args, cores=cores), capture_output=True,
                          text=True, cwd=workdir)  # fmt: skip


def is_partial(rel: str) -> bool:
    """A temporary file of otuflow.atomic.atomic_path, which never has a final-looking name."""
    name = rel.rsplit("/", 1)[-1]
    return name.startswith(".") and ".partial-" in name


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    require_tools("vsearch", "cutadapt", "mafft", "FastTree")
    root = tmp_path_factory.mktemp("resume")
    cohort = simulate_cohort(root / "cohort", seed=3, samples_per_group=(2, 2, 2),
                             pairs_per_sample=1000)  # fmt: skip
    out = root / "results"
    config = write_config(
        root / "config.yaml", samples=str(cohort / "samples.tsv"), outdir=str(out),
        taxonomy={"reference_fasta": str(cohort / "reference" / "reference.fasta"),
                  "reference_taxonomy": str(cohort / "reference" / "taxonomy.tsv")},
        **SETTINGS,
    )  # fmt: skip

    first = run(config, root / "wd-a", cores=2)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-4000:]
    run_a = out.rename(root / "run-a")

    # B: 1 core, SIGKILL to snakemake and its jobs once some samples are through (the last output
    # of a sample's job is its dereplicated reads; the newest may belong to a running job)
    workdir = root / "wd-b"
    workdir.mkdir()
    with open(root / "killed.log", "w") as log:
        process = subprocess.Popen(command(config, workdir, cores=1), stdout=log, stderr=log,
                                   cwd=workdir, start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + 600
        while process.poll() is None and time.monotonic() < deadline:
            if len(list((out / "work" / "derep").glob("*.fasta"))) >= 4:
                break
            time.sleep(0.2)
        finished_early = process.poll() is not None
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert not finished_early, "the run ended before it could be interrupted"
    after_kill = result_files(out)
    # what Snakemake itself will refuse to trust (files of jobs that were running)
    check = run(config, workdir, "-n", cores=1)
    blocked = run(config, workdir, "--rerun-incomplete", cores=1)
    unlocked = run(config, workdir, "--unlock", cores=1)
    plan = run(config, workdir, "--dry-run", "--rerun-incomplete", cores=1)
    resumed = run(config, workdir, "--rerun-incomplete", cores=1)
    return {
        "run_a": run_a, "out": out, "after_kill": after_kill, "check": check,
        "blocked": blocked, "unlocked": unlocked, "plan": plan, "resumed": resumed,
    }  # fmt: skip


def test_kill_leaves_no_incomplete_file_that_looks_complete(runs):
    reference = result_files(runs["run_a"])
    after_kill = runs["after_kill"]
    assert 0 < len([f for f in after_kill if not is_partial(f)]) < len(reference)
    check_output = runs["check"].stdout + runs["check"].stderr
    for rel, content in after_kill.items():
        if is_partial(rel) or reference.get(rel) == content or rel not in reference:
            continue  # (not in a finished run: temporary reads, deleted once used)
        # a file that is not (yet) what a complete run writes must be flagged by Snakemake
        assert "IncompleteFilesException" in check_output, (rel, check_output[-3000:])
        assert str(runs["out"] / rel) in check_output, (rel, check_output[-3000:])
        assert "--rerun-incomplete" in check_output


def test_resume_after_kill_needs_unlock_then_completes(runs):
    blocked = runs["blocked"]
    assert blocked.returncode != 0
    assert "Directory cannot be locked" in blocked.stderr + blocked.stdout
    assert "--unlock" in blocked.stderr + blocked.stdout
    assert runs["unlocked"].returncode == 0
    resumed = runs["resumed"]
    assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr[-4000:]


def test_resume_redoes_only_the_unfinished_jobs(runs):
    reference = result_files(runs["run_a"])
    # A job killed after writing its output but before Snakemake recorded it as done has
    # correct bytes that Snakemake rightly does not trust (it lists them as incomplete): only
    # outputs it trusts count as finished.
    check = runs["check"].stdout + runs["check"].stderr
    # the paths Snakemake lists after "Incomplete files:" (the rest of its output names inputs too)
    untrusted = check.split("Incomplete files:", 1)[1] if "Incomplete files:" in check else ""
    finished = {rel for rel, content in runs["after_kill"].items()
                if reference.get(rel) == content and str(runs["out"] / rel) not in untrusted}
    planned = planned_jobs(runs["plan"].stdout)
    assert planned, runs["plan"].stdout[-3000:]
    per_sample_output = {"process_reads": "work/derep/{}.fasta"}  # the chain's last output
    checked = 0
    for rule, pattern in per_sample_output.items():
        for sample in ("C01", "C02", "S01", "S02", "T01", "T02"):
            if pattern.format(sample) in finished:
                assert (rule, sample) not in planned, (rule, sample)
                checked += 1
    assert checked >= 3  # the kill came after several samples were through


def test_resumed_one_core_run_equals_uninterrupted_two_core_run(runs):
    reference = result_files(runs["run_a"])
    resumed = {f: c for f, c in result_files(runs["out"]).items() if not is_partial(f)}
    assert not differences(reference, resumed), "\n".join(differences(reference, resumed))
    # the comparison covers the final results, not just intermediates
    for rel in ("otu/otu_table.biom", "otu/otus.fasta", "phylogeny/otus.tree",
                "taxonomy/otu_taxonomy.tsv", "alpha/alpha_tests.tsv", "beta/permanova.tsv",
                "differential/summary.tsv", "qc/read_tracking.tsv"):  # fmt: skip
        assert rel in reference, rel
    assert any(f.startswith("figures/") for f in reference)
    # leftovers of jobs killed while writing never carry a final name
    assert all(is_partial(f) for f in set(result_files(runs["out"])) - set(resumed))


def _run_tool(*args: str) -> None:
    subprocess.run(list(args), check=True, capture_output=True)


def test_thread_count_does_not_change_vsearch_output(runs, tmp_path):
    """Clustering asks for 4 threads, more than the test machine's cores: run the multi-threaded
    vsearch steps as the rules do with 1 and 4 threads. (MAFFT's --thread is covered by the
    1-core/2-core run comparison.)"""
    work = runs["run_a"] / "work"
    pooled, distinct = tmp_path / "pooled.fasta", tmp_path / "distinct.fasta"
    pooled.write_bytes(b"".join(p.read_bytes() for p in sorted((work / "derep").glob("*.fasta"))))
    _run_tool("vsearch", "--derep_fulllength", str(pooled), "--strand", "plus", "--sizein",
              "--sizeout", "--relabel_sha1", "--output", str(distinct), "--fasta_width", "0")
    outputs = {}
    for threads in ("1", "4"):
        folder = tmp_path / threads
        folder.mkdir()
        _run_tool("vsearch", "--cluster_size", str(work / "otus" / "uniques.fasta"), "--id", "0.97",
                  "--strand", "plus", "--sizein", "--sizeout", "--centroids",
                  str(folder / "centroids.fasta"), "--fasta_width", "0", "--threads", threads)
        # as denoise_asvs (features: asv) runs it
        _run_tool("vsearch", "--cluster_unoise", str(work / "otus" / "uniques.fasta"),
                  "--minsize", "8", "--unoise_alpha", "2", "--strand", "plus", "--sizein",
                  "--sizeout", "--centroids", str(folder / "denoised.fasta"), "--fasta_width",
                  "0", "--threads", threads)  # fmt: skip
        # as map_distinct runs it, on the cohort's distinct sequences (a temporary file)
        _run_tool("vsearch", "--usearch_global", str(distinct), "--db",
                  str(runs["run_a"] / "otu" / "otus.fasta"), "--id", "0.97", "--strand", "plus",
                  "--maxaccepts", "8", "--maxrejects", "32", "--maxhits", "1", "--userout",
                  str(folder / "hits.unsorted"), "--userfields", "query+target",
                  "--threads", threads)  # fmt: skip
        unsorted = folder / "hits.unsorted"
        (folder / "hits.tsv").write_bytes(b"".join(sorted(unsorted.read_bytes().splitlines(True))))
        unsorted.unlink()
        outputs[threads] = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert outputs["1"].keys() == {"centroids.fasta", "denoised.fasta", "hits.tsv"}
    assert outputs["1"]["denoised.fasta"].count(b">") > 0
    assert outputs["1"] == outputs["4"]
    assert outputs["1"]["centroids.fasta"] == (work / "otus" / "centroids.fasta").read_bytes()
    assert outputs["1"]["hits.tsv"] == (work / "mapped" / "distinct_hits.tsv").read_bytes()
