"""Shared fixtures: paths to the repository, the shared data and the external tools."""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

# The venv's bin folder (snakemake, cutadapt), searched beside PATH without being put on it: the
# workflow must find the venv's programs without an activated venv, as a user runs it.
VENV_BIN = Path(sys.executable).parent


def require_tools(*tools: str) -> None:
    """Skip the calling test, with the reason, when an external program is not installed."""
    search = os.pathsep.join([os.environ.get("PATH", ""), str(VENV_BIN)])
    missing = [t for t in tools if shutil.which(t, path=search) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (run `make test`, which installs them)")


@pytest.fixture
def shared_data() -> Path:
    """The ../shared/data folder CI places beside the clone."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


def snakemake_command(configfile: Path, *extra: str, cores: int = 2) -> list[str]:
    """The command line that runs this repository's workflow with a config file."""
    return [
        sys.executable, "-m", "snakemake", *extra, "--snakefile", str(REPO / "Snakefile"),
        "--directory", str(REPO), "--cores", str(cores), "--configfile", str(configfile),
        "--quiet", "progress",
    ]  # fmt: skip


def run_snakemake(configfile: Path, *extra: str, cores: int = 2, check: bool = True):
    """Run the workflow; on failure show its output in the assertion message."""
    result = subprocess.run(
        snakemake_command(configfile, *extra, cores=cores), capture_output=True, text=True
    )
    if check:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    return result


def fastq_records(path: Path) -> list[list[str]]:
    """The 4-line records of a gzipped FASTQ file."""
    lines = gzip.open(path, "rt").read().splitlines()
    return [lines[i : i + 4] for i in range(0, len(lines), 4)]


def write_fastq_records(path: Path, records) -> Path:
    """Write 4-line FASTQ records (plain text) to ``path``."""
    path.write_text("".join("\n".join(r) + "\n" for r in records))
    return path


def real_v3v4_sheet(path: Path) -> Path:
    """Sample sheet of the three real V3-V4 MiSeq samples in ../shared/data/dadaist2-v3v4
    (primers still on the reads): A01 and A02 Control, F99 Opioid-S (a "-" mothur refuses)."""
    data = SHARED_DATA / "dadaist2-v3v4"
    groups = {"A01": "Control", "A02": "Control", "F99": "Opioid-S"}
    path.write_text("sample\tr1\tr2\tgroup\n" + "".join(
        f"{s}\t{data / f'{s}_S0_L001_R1_001.fastq.gz'}\t{data / f'{s}_S0_L001_R2_001.fastq.gz'}"
        f"\t{g}\n" for s, g in groups.items()
    ))  # fmt: skip
    return path


def write_config(path: Path, **sections) -> Path:
    """Write a YAML config file from keyword sections."""
    path.write_text(yaml.safe_dump(sections, sort_keys=False))
    return path


def demo_config(path: Path, cohort: Path, outdir: str = "results") -> Path:
    """The repository's config.yaml (the demo's settings) pointed at a simulated ``cohort``.

    ``outdir`` is relative by default, so runs in different working directories write the same
    provenance record.
    """
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["samples"] = str(cohort / "samples.tsv")
    config["outdir"] = outdir
    config["taxonomy"]["reference_fasta"] = str(cohort / "reference" / "reference.fasta")
    config["taxonomy"]["reference_taxonomy"] = str(cohort / "reference" / "taxonomy.tsv")
    config["clinical"]["table"] = str(cohort / "clinical.tsv")
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def run_in(workdir: Path, configfile: Path, *extra: str, cores: int = 2, check: bool = True):
    """Run the workflow as a user does: the venv's snakemake by path (venv not activated, PATH
    without it), in its own working directory, with a config file."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PATH": os.pathsep.join(
        p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p) != VENV_BIN
    )}  # fmt: skip
    result = subprocess.run(
        # extra (options, targets) first: --configfile would take a following target as a file
        [str(VENV_BIN / "snakemake"), *extra, "--snakefile", str(REPO / "Snakefile"),
         "--cores", str(cores), "--configfile", str(configfile)],
        capture_output=True, text=True, cwd=workdir, env=env,
    )  # fmt: skip
    if check:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    return result


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """One run of the whole workflow on the demo cohort (`make demo`'s cohort and config).

    Returns the cohort folder, the config file and the working directory; results are in
    ``<workdir>/results``.
    """
    from otuflow.simulate import simulate_cohort

    require_tools("vsearch", "cutadapt", "mafft", "FastTree")
    root = tmp_path_factory.mktemp("demo")
    # exactly the cohort `make demo` simulates (otuflow simulate's defaults)
    cohort = simulate_cohort(root / "cohort", seed=42, samples_per_group=(7, 10, 8),
                             pairs_per_sample=5000)  # fmt: skip
    config = demo_config(root / "config.yaml", cohort)
    run_in(root / "wd-a", config, cores=2)
    return cohort, config, root / "wd-a"


# Files that differ between identical runs by design: logs, Snakemake benchmarks, and when and on
# which host the run happened.
VOLATILE_DIRS = ("logs", "benchmarks")
VOLATILE_FILES = ("provenance/run_info.json", ".otuflow-run-folder")


def result_files(out: Path) -> dict[str, bytes]:
    """Relative path -> bytes of every result file of a run (no logs, benchmarks or run_info)."""
    files = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if path.is_file() and rel.split("/")[0] not in VOLATILE_DIRS and rel not in VOLATILE_FILES:
            files[rel] = path.read_bytes()
    return files


def differences(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    """Files only in one of two :func:`result_files` listings, and files whose bytes differ."""
    return (
        [f"only in the first: {f}" for f in sorted(set(a) - set(b))]
        + [f"only in the second: {f}" for f in sorted(set(b) - set(a))]
        + [f"differs: {f}" for f in sorted(set(a) & set(b)) if a[f] != b[f]]
    )


def planned_jobs(dry_run_output: str) -> list[tuple[str, str]]:
    """(rule, sample wildcard or "") of every job a dry run lists."""
    jobs = []
    for block in re.split(r"\n(?=\[|rule |localrule )", dry_run_output):
        rule = re.search(r"^(?:local)?rule (\w+):", block, re.MULTILINE)
        if rule:
            sample = re.search(r"wildcards: .*?sample=([\w-]+)", block)
            jobs.append((rule.group(1), sample.group(1) if sample else ""))
    return jobs


# The genera the demo cohort's simulator makes differ between groups (its truth/planted_effects).
PLANTED = ["Lactobacillus", "Anaerostipes", "Monoglobus", "Megamonas",
           "Rikenellaceae_RC9_gut_group"]  # fmt: skip
DEMO_GROUP_SIZES = {"Control": 7, "Opioid-S": 10, "Opioid-T": 8}


def _side_mean(planted_row, names: str) -> float:
    groups = {"Opioid": ["Opioid-S", "Opioid-T"]}.get(names, [names])
    weights = [DEMO_GROUP_SIZES[g] for g in groups]
    return sum(w * planted_row[f"mean_{g}"] for w, g in zip(weights, groups, strict=True)) / sum(
        weights)


def metastats_calls(cohort: Path, out: Path) -> tuple[set[str], list[tuple[str, str]]]:
    """Planted genera Metastats calls at q < 0.05 in a comparison where their means differ by
    more than 1.5-fold, and every other call (genus, table) as a false positive."""
    import numpy as np
    import pandas as pd

    planted = pd.read_csv(cohort / "truth" / "planted_effects.tsv", sep="\t", index_col=0)
    found, false_positives = set(), []
    for path in sorted((out / "differential").glob("metastats_*_vs_*.tsv")):
        a, b = path.stem.removeprefix("metastats_").split("_vs_")
        table = pd.read_csv(path, sep="\t", index_col="genus")
        assert (table["p"] > 0).all()  # a permutation p-value of 0 is reported as a bound
        for genus in table.index[table["q"] < 0.05]:
            if genus in planted.index:
                ratio = _side_mean(planted.loc[genus], a) / _side_mean(planted.loc[genus], b)
                if abs(np.log(ratio)) > np.log(1.5):
                    found.add(genus)
                    continue
            false_positives.append((genus, path.stem))
    return found, false_positives
