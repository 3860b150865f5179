"""The software a run uses: each tool, the environment it runs in and how it reports its version.

The one source of tool versions. The workflow runs each tool's version command inside that
tool's own environment (conda or PATH) and keeps its raw output under
``provenance/versions/``; the provenance record and the report parse those files with
:func:`read_versions`, so what they show is what the rules ran.
"""

from __future__ import annotations

import os
import platform
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path


@dataclass(frozen=True)
class Tool:
    """An external program the workflow calls.

    Attributes
    ----------
    name : str
        Name shown in the report and the provenance record.
    env : str
        Its conda environment, ``envs/<env>.yaml``.
    command : tuple of str
        Command that prints the version and exits 0 (stdin is empty).
    pattern : str
        Regular expression (multiline) whose first group is the version.
    """

    name: str
    env: str
    command: tuple[str, ...]
    pattern: str


#: Key (file name under ``provenance/versions/``) -> tool.
TOOLS: dict[str, Tool] = {
    "vsearch": Tool("vsearch", "reads", ("vsearch", "--version"), r"vsearch v(\d+(?:\.\d+)+)"),
    "cutadapt": Tool("cutadapt", "reads", ("cutadapt", "--version"), r"^\s*(\d+(?:\.\d+)+\S*)"),
    "mafft": Tool("MAFFT", "mafft", ("mafft", "--version"), r"v(\d+(?:\.\d+)+)"),
    "fasttree": Tool("FastTree", "fasttree", ("FastTree", "-expert"), r"FastTree (\d+(?:\.\d+)+)"),
}

#: Key of the Python environment's record (Python, otuflow and the analysis packages).
PYTHON_KEY = "python"

#: Python distributions of the rules' Python environment whose versions are recorded.
PACKAGES = (
    "otuflow", "scikit-bio", "biom-format", "numpy", "scipy", "pandas", "matplotlib",
    "statsmodels", "pyyaml",
)  # fmt: skip

NOT_INSTALLED = "not installed"


class VersionError(ValueError):
    """A tool's recorded version output holds no version."""


def parse_tool_version(key: str, text: str) -> str:
    """The version in a tool's recorded output.

    Parameters
    ----------
    key : str
        Key of the tool in :data:`TOOLS`.
    text : str
        What the tool's version command printed (stdout and stderr).

    Raises
    ------
    VersionError
        If the output holds no version (the first line is quoted).
    """
    match = re.search(TOOLS[key].pattern, text, re.MULTILINE)
    if not match:
        first = text.strip().splitlines()[:1]
        raise VersionError(
            f"{TOOLS[key].name}: no version in the output of {' '.join(TOOLS[key].command)!r}"
            f" ({first[0][:80] if first else 'no output'})"
        )
    return match.group(1)


def python_versions(packages: Sequence[str] = PACKAGES) -> dict[str, str]:
    """Versions of Python and of ``packages`` in the running environment.

    A distribution that is not installed is recorded as ``"not installed"``.
    """
    versions = {"Python": platform.python_version()}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = NOT_INSTALLED
    return versions


def write_python_versions(
    path: str | os.PathLike, extra: Mapping[str, str] | None = None
) -> None:
    """Write :func:`python_versions` and ``extra`` as ``name<TAB>version`` lines.

    ``extra`` holds what runs outside the rules' environment, e.g. Snakemake's own version.
    """
    from otuflow.atomic import atomic_path

    versions = {**python_versions(), **(extra or {})}
    with atomic_path(path) as tmp:
        tmp.write_text("".join(f"{k}\t{v}\n" for k, v in versions.items()))


def read_versions(files: Mapping[str, str | os.PathLike]) -> dict[str, str]:
    """Software name -> version from the files the workflow recorded.

    Parameters
    ----------
    files : mapping
        Key -> file: the keys of :data:`TOOLS` (raw output of the version command) and
        :data:`PYTHON_KEY` (written by :func:`write_python_versions`).

    Returns
    -------
    dict
        The tools in :data:`TOOLS` order, then Python and the packages.
    """
    versions = {
        TOOLS[key].name: parse_tool_version(key, Path(files[key]).read_text(errors="replace"))
        for key in TOOLS
        if key in files
    }
    if PYTHON_KEY in files:
        for line in Path(files[PYTHON_KEY]).read_text().splitlines():
            name, _, version = line.partition("\t")
            versions[name] = version
    return versions
