"""The demo workflow through profiles/slurm on a real single-node SLURM cluster started here.

The cluster (a private munged, slurmctld and slurmd) is started by the module fixture and
stopped in its ``finally``; snakemake runs under ``timeout -s KILL``. Results must be
byte-identical to a local run of the same cohort and config.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from slurm.cluster import LocalSlurmCluster, SlurmUnavailable, ensure_installed

from conftest import REPO, require_tools, run_snakemake, write_config
from otuflow.simulate import simulate_cohort

pytestmark = [pytest.mark.slow, pytest.mark.external]

SLURM_TIMEOUT_S = 900
SAMPLES = ["C01", "C02", "S01", "S02", "T01", "T02"]
# Threads of the local run (conftest's run_snakemake uses --cores 2); the SLURM run caps threads
# to the same with --max-threads, so multi-threaded tools see the same thread counts.
THREADS = 2
# Main results compared byte for byte (every other file the runs write is compared too).
TARGETS = (
    "groups.tsv", "qc/read_tracking.tsv", "otu/otus.fasta", "otu/otu_table.tsv",
    "otu/otu_table.biom", "phylogeny/otus.tree", "taxonomy/otu_taxonomy.tsv",
    "taxonomy/genus_table.tsv", "taxonomy/phylum_table.tsv", "alpha/alpha_diversity.tsv",
    "alpha/alpha_tests.tsv", "beta/permanova.tsv", "beta/ordination_pcoa_braycurtis.tsv",
    "beta/ordination_nmds_unweighted_unifrac.tsv", "differential/summary.tsv",
)  # fmt: skip
# Logs and Snakemake benchmark files hold run times, dates and host details: never identical.
NOT_COMPARED = ("logs", "benchmarks")


@pytest.fixture(scope="module")
def cluster():
    """A running single-node cluster; stopped (jobs cancelled, daemons ended) afterwards."""
    try:
        ensure_installed()
    except SlurmUnavailable as reason:
        pytest.skip(f"no local SLURM cluster: {reason}")
    # A short path: slurmd puts Unix sockets of job steps in its spool folder.
    folder = Path(tempfile.mkdtemp(prefix="otuflow-slurm-"))
    # Twice as many CPUs as cores: most of a tiny job's time is Snakemake starting up.
    instance = LocalSlurmCluster(folder, cpus=2 * (os.cpu_count() or 1))
    try:
        instance.start()
        yield instance
    finally:
        instance.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    require_tools("vsearch", "cutadapt", "mafft", "FastTree")
    root = tmp_path_factory.mktemp("slurm_cohort")
    folder = simulate_cohort(root / "cohort", seed=5, samples_per_group=(2, 2, 2),
                             pairs_per_sample=500)  # fmt: skip
    return root, folder


def _config(root: Path, cohort: Path, name: str) -> Path:
    """A reduced config (few permutations and starts) writing to root/name."""
    return write_config(
        root / f"{name}.yaml",
        samples=str(cohort / "samples.tsv"),
        outdir=str(root / name),
        taxonomy={"reference_fasta": str(cohort / "reference" / "reference.fasta"),
                  "reference_taxonomy": str(cohort / "reference" / "taxonomy.tsv")},
        diversity={"rarefaction_floor": 200, "nmds_starts": 2, "permutations": 99,
                   "beta_metrics": ["unweighted_unifrac", "braycurtis"],
                   "rarefaction_curve_steps": 4, "rarefaction_curve_iterations": 2},
        differential={"permutations": 100},
    )  # fmt: skip


def _slurm_snakemake(cluster, configfile: Path, root: Path, *extra: str):
    """Run snakemake through profiles/slurm against the test cluster, killed after a timeout."""
    command = [
        "timeout", "-s", "KILL", str(SLURM_TIMEOUT_S),
        sys.executable, "-m", "snakemake", "--profile", str(REPO / "profiles" / "slurm"),
        "--snakefile", str(REPO / "Snakefile"), "--directory", str(REPO),
        "--configfile", str(configfile),
        # no accounting here: sacct has nothing, squeue reports states (kept by MinJobAge)
        "--slurm-status-command", "squeue", "--slurm-no-account",
        "--slurm-init-seconds-before-status-checks", "1", "--seconds-between-status-checks", "2",
        "--slurm-logdir", str(root / "slurm_logs"), "--max-threads", str(THREADS),
        *extra,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, env=cluster.env)


def _outputs(root: Path, name: str) -> list[str]:
    return [str(root / name / target) for target in TARGETS]


def _jobs_of_the_run(cluster) -> dict[str, str]:
    """State of every job the test cluster has seen, by job ID."""
    result = subprocess.run(["squeue", "-h", "--states=all", "-o", "%i %T"], env=cluster.env,
                            capture_output=True, text=True, check=True)  # fmt: skip
    return dict(line.split() for line in result.stdout.splitlines())


def test_dry_run_through_the_profile_plans_one_job_per_sample(cluster, cohort):
    root, folder = cohort
    config = _config(root, folder, "dry")
    result = _slurm_snakemake(cluster, config, root, "-n", *_outputs(root, "dry"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    log = result.stdout + result.stderr
    # each sample's read chain is one job; one job maps the cohort's distinct sequences
    assert sorted(re.findall(r"rule process_reads:.*?sample=(\w+)", log, re.S)) == SAMPLES
    assert len(re.findall(r"rule map_distinct:", log)) == 1
    assert "Group job otu_picking" in log
    assert not _jobs_of_the_run(cluster), "a dry run must not submit jobs"
    # the same jobs as a local dry run (grouping changes how jobs are submitted, not which)
    local = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", *_outputs(root, "dry"), "--snakefile",
         str(REPO / "Snakefile"), "--directory", str(REPO), "--cores", "2", "--configfile",
         str(config)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    totals = [re.search(r"^total\s+(\d+)$", text, re.M) for text in (log, local.stdout)]
    assert totals[0] and totals[1] and totals[0].group(1) == totals[1].group(1)


@pytest.fixture(scope="module")
def local_and_slurm_runs(cluster, cohort):
    root, folder = cohort
    local = _config(root, folder, "local")
    run_snakemake(local, *_outputs(root, "local"))
    slurm = _config(root, folder, "slurm")
    result = _slurm_snakemake(cluster, slurm, root, *_outputs(root, "slurm"))
    assert result.returncode == 0, (
        f"exit {result.returncode} (-9: killed after {SLURM_TIMEOUT_S} s)\n"
        + result.stdout[-3000:] + result.stderr[-6000:]
    )
    return root, result.stdout + result.stderr


def test_every_job_ran_as_a_slurm_job(cluster, local_and_slurm_runs):
    _, log = local_and_slurm_runs
    submitted = re.findall(r"submitted with SLURM jobid (\d+)", log)
    # a read-processing job per sample, and the cohort steps
    assert len(submitted) >= len(SAMPLES) + 5, log[-3000:]
    states = _jobs_of_the_run(cluster)
    assert {states.get(job) for job in submitted} == {"COMPLETED"}, states
    # clustering ran with the profile's 8 threads, capped to the node's CPUs by --max-threads
    threads = re.search(r"vsearch --cluster_size .*?--threads (\d+)", log)
    assert threads and int(threads.group(1)) == min(8, THREADS)


def test_slurm_results_are_byte_identical_to_the_local_run(local_and_slurm_runs):
    root, _ = local_and_slurm_runs
    files = {}
    for name in ("local", "slurm"):
        out = root / name
        files[name] = {
            str(path.relative_to(out)): path.read_bytes().replace(str(out).encode(), b"OUT")
            for path in sorted(out.rglob("*"))
            if path.is_file() and path.relative_to(out).parts[0] not in NOT_COMPARED
        }
    assert set(files["local"]) == set(files["slurm"])
    assert set(TARGETS) <= set(files["local"])
    different = [f for f in files["local"] if files["local"][f] != files["slurm"][f]]
    assert not different, different
