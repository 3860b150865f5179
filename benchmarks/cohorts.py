"""Helpers the benchmark scripts share: simulated cohorts, their configs, the machine, RESULTS.md.

benchmarks/scale.py, asv.py and race.py import this module (run as scripts, ``benchmarks/`` is
on ``sys.path``), so a cohort is simulated, configured and run the same way in every benchmark.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
#: Blocks of benchmarks/RESULTS.md that one benchmark writes and the others keep (start, end).
BLOCKS = {
    "asv": ("<!-- asv-benchmark -->", "<!-- /asv-benchmark -->"),
    "race": ("<!-- race-benchmark -->", "<!-- /race-benchmark -->"),
    # race.py --block race-table: otuflow up to the table against the bare tools, raced apart
    # on more cohorts (mothur would take hours on the largest)
    "race-table": ("<!-- race-table-benchmark -->", "<!-- /race-table-benchmark -->"),
    "mapping": ("<!-- mapping-benchmark -->", "<!-- /mapping-benchmark -->"),
    # written by hand: issue 15's targets against the runs above
    "issue-15": ("<!-- issue-15 -->", "<!-- /issue-15 -->"),
}


def group_sizes(samples: int) -> tuple[int, int, int]:
    """Split a cohort size over Control, Opioid-S and Opioid-T as evenly as possible."""
    base, rest = divmod(samples, 3)
    return tuple(base + (i < rest) for i in range(3))


def simulate(cohort: Path, samples: int, pairs: int, seed: int) -> Path:
    """Simulate a cohort with ``otuflow simulate`` (groups as :func:`group_sizes`); its folder."""
    sizes = ",".join(map(str, group_sizes(samples)))
    subprocess.run([sys.executable, "-m", "otuflow", "simulate", "--out", str(cohort), "--seed",
                    str(seed), "--samples-per-group", sizes, "--pairs-per-sample", str(pairs)],
                   check=True, capture_output=True)  # fmt: skip
    return cohort


def write_config(cohort: Path, outdir: Path, pairs: int, path: Path) -> Path:
    """Config for a simulated cohort: the repository defaults with its samples and reference."""
    config = {
        "samples": str(cohort / "samples.tsv"),
        "outdir": str(outdir),
        "taxonomy": {"reference_fasta": str(cohort / "reference" / "reference.fasta"),
                     "reference_taxonomy": str(cohort / "reference" / "taxonomy.tsv")},
        # ~90 % of pairs map; a floor at half the depth keeps every sample
        "diversity": {"rarefaction_floor": max(1, pairs // 2)},
    }  # fmt: skip
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def resolved_config(path: Path) -> dict:
    """A config file with the schema's defaults filled in, as the workflow sees it."""
    from snakemake.utils import validate

    config = yaml.safe_load(path.read_text())
    validate(config, str(SCHEMA))
    return config


def workflow_env() -> dict[str, str]:
    """Environment for the workflow: this Python's folder (snakemake, cutadapt) first on PATH."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def snakemake_command(configfile: Path, cores: int, *extra: str) -> list[str]:
    """``snakemake`` command line running the repository's workflow with ``configfile``."""
    return [sys.executable, "-m", "snakemake", *extra, "--snakefile", str(REPO / "Snakefile"),
            "--directory", str(REPO), "--cores", str(cores), "--configfile", str(configfile)]


def tool_version(command: list[str], pattern: str) -> str:
    """First match of ``pattern`` (one group) in a program's version output, or ``?``."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    found = re.search(pattern, result.stdout + result.stderr)
    return found.group(1) if found else "?"


def machine() -> str:
    """One line describing this machine."""
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.M)
        cpu = names[0] if names else cpu
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    vsearch = tool_version(["vsearch", "--version"], r"vsearch v([\d.]+)")
    import snakemake as snakemake_package

    return (f"{platform.node()}: {os.cpu_count()} cores ({cpu}), {memory:.0f} GiB RAM, "
            f"{platform.platform()}, Python {platform.python_version()}, "
            f"Snakemake {snakemake_package.__version__}, vsearch {vsearch}")  # fmt: skip


def write_block(results: Path, name: str, block: str) -> None:
    """Put ``block`` (markers included) in place of the ``name`` block of ``results``.

    Appended the first time; the rest of the file is kept as it is.
    """
    start, end = BLOCKS[name]
    text = results.read_text() if results.is_file() else ""
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    results.write_text(text)


def keep_blocks(results: Path, text: str) -> str:
    """``text`` followed by every block of :data:`BLOCKS` that ``results`` holds now."""
    old = results.read_text() if results.is_file() else ""
    for start, end in BLOCKS.values():
        if start in old and end in old:
            block = start + old.split(start, 1)[1].split(end, 1)[0] + end
            text = text.rstrip("\n") + "\n\n" + block + "\n"
    return text
