"""Shared fixtures: paths to the repository, the shared data and the external tools."""

from __future__ import annotations

import os
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


def write_config(path: Path, **sections) -> Path:
    """Write a YAML config file from keyword sections."""
    path.write_text(yaml.safe_dump(sections, sort_keys=False))
    return path
