"""Versions of the external tools and Python packages a run used, for the methods section."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path

from otuflow.atomic import atomic_path

NOT_FOUND = "not found"

#: Tool -> (command line, regex whose first group is the version). FastTree prints its version
#: on stderr when run without arguments (it then fails reading an empty stdin).
TOOLS: dict[str, tuple[tuple[str, ...], str]] = {
    "vsearch": (("vsearch", "--version"), r"vsearch v(\d+(?:\.\d+)+)"),
    "cutadapt": (("cutadapt", "--version"), r"^\s*(\d+(?:\.\d+)+\S*)"),
    "MAFFT": (("mafft", "--version"), r"v(\d+(?:\.\d+)+)"),
    "FastTree": (("FastTree",), r"FastTree [Vv]ersion (\d+(?:\.\d+)+)"),
}

#: Distribution names of the Python packages reported.
PACKAGES = ("snakemake", "scikit-bio", "biom-format", "numpy", "scipy", "pandas", "matplotlib")


def _which(program: str) -> str | None:
    # The venv's bin folder holds cutadapt/snakemake even when it is not on PATH.
    path = os.pathsep.join([os.environ.get("PATH", ""), str(Path(sys.executable).parent)])
    return shutil.which(program, path=path)


def tool_version(command: Sequence[str], pattern: str, timeout: float = 60) -> str:
    """Run ``command`` and return the version its output matches, or a short reason.

    Parameters
    ----------
    command : sequence of str
        Program and arguments; the program is looked up on PATH and in the venv.
    pattern : str
        Regular expression (multiline) whose first group is the version, searched in stdout
        then stderr.
    timeout : float
        Seconds before giving up.

    Returns
    -------
    str
        The version, ``"not found"`` when the program is missing, or ``"unknown (...)"``.
    """
    exe = _which(command[0])
    if exe is None:
        return NOT_FOUND
    try:
        res = subprocess.run([exe, *command[1:]], capture_output=True, text=True,
                             stdin=subprocess.DEVNULL, timeout=timeout, errors="replace")
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({type(exc).__name__})"
    for text in (res.stdout, res.stderr):
        m = re.search(pattern, text, re.MULTILINE)
        if m:
            return m.group(1)
    first = (res.stdout + res.stderr).strip().splitlines()[:1]
    return f"unknown ({first[0][:60]})" if first else "unknown (no output)"


def package_version(name: str) -> str:
    """Installed version of a Python distribution, or ``"not found"``."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return NOT_FOUND


def collect_tool_versions(
    tools: Mapping[str, tuple[Sequence[str], str]] | None = None,
    packages: Sequence[str] = PACKAGES,
) -> dict[str, str]:
    """Versions of the external tools, Python and the Python packages.

    Parameters
    ----------
    tools : mapping, optional
        Name -> (command, version regex); default :data:`TOOLS` (vsearch, cutadapt, MAFFT,
        FastTree).
    packages : sequence of str
        Python distributions (default :data:`PACKAGES`).

    Returns
    -------
    dict
        Name -> version in a fixed order: tools, ``Python``, ``otuflow``, packages. A missing
        tool or package is ``"not found"``, never an error.
    """
    tools = TOOLS if tools is None else tools
    out = {name: tool_version(cmd, pattern) for name, (cmd, pattern) in tools.items()}
    out["Python"] = platform.python_version()
    out["otuflow"] = package_version("otuflow")
    for name in packages:
        out[name] = package_version(name)
    return out


def write_versions(path: str | os.PathLike, versions: Mapping[str, str]) -> Path:
    """Write ``software<TAB>version`` lines (with a header) atomically; returns the path."""
    lines = ["software\tversion"] + [f"{k}\t{v}" for k, v in versions.items()]
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Path(path)


def read_versions(path: str | os.PathLike) -> dict[str, str]:
    """Read a file written by :func:`write_versions`."""
    out: dict[str, str] = {}
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    if not lines or lines[0] != "software\tversion":
        raise ValueError(f"{path}: line 1 must be the header 'software<TAB>version'")
    for i, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 2:
            raise ValueError(f"{path}, line {i}: expected 2 tab-separated fields, got {len(parts)}")
        out[parts[0]] = parts[1]
    return out
