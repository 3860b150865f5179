"""Software versions: parsing the tools' real version outputs, the Python environment's record,
and every installed tool's version command run as the workflow's version rules run it."""

from __future__ import annotations

import os
import platform
import re
import shlex
import shutil
import subprocess

import numpy as np
import pytest

from conftest import VENV_BIN
from otuflow.software import (
    NOT_INSTALLED,
    PACKAGES,
    PYTHON_KEY,
    TOOLS,
    VersionError,
    parse_tool_version,
    python_versions,
    read_versions,
    write_python_versions,
)

#: What the version commands print (stdout and stderr, as the version rules record them).
REAL_OUTPUTS = {
    "vsearch": (
        "vsearch v2.22.1_linux_x86_64, 23.5GB RAM, 2 cores\n"
        "https://github.com/torognes/vsearch\n\n"
        "Rognes T, Flouri T, Nichols B, Quince C, Mahe F (2016)\n"
        "VSEARCH: a versatile open source tool for metagenomics\n"
        "PeerJ 4:e2584 doi: 10.7717/peerj.2584 https://doi.org/10.7717/peerj.2584\n",
        "2.22.1",
    ),
    "cutadapt": ("5.2\n", "5.2"),
    "mafft": ("v7.505 (2022/Apr/10)\n", "7.505"),
    "fasttree": (
        "Detailed usage for FastTree 2.1.11 Double precision (No SSE3):\n"
        "FastTree [-nt] [-n 100] [-quote] [-pseudo | -pseudo 1.0]\n",
        "2.1.11",
    ),
}


@pytest.mark.parametrize("key", sorted(REAL_OUTPUTS))
def test_versions_are_parsed_from_real_outputs(key):
    text, version = REAL_OUTPUTS[key]
    assert parse_tool_version(key, text) == version


def test_vsearch_version_is_found_after_its_citation():
    # With stdout and stderr in one file the citation (stdout) may come first; its year is no
    # version.
    text = "Rognes T, Flouri T (2016)\nPeerJ 4:e2584\nvsearch v2.22.1_linux_x86_64, 2 cores\n"
    assert parse_tool_version("vsearch", text) == "2.22.1"


@pytest.mark.parametrize(
    "key, text, quoted",
    [
        ("mafft", "/bin/sh: 1: mafft: not found\n", "mafft: not found"),
        ("fasttree", "", "no output"),
        ("vsearch", "Fatal error: Invalid option\nmore\n", "Fatal error: Invalid option"),
        ("cutadapt", "Traceback (most recent call last):\n", "Traceback"),
    ],
)
def test_output_without_a_version_is_a_clear_error(key, text, quoted):
    tool = TOOLS[key]
    with pytest.raises(VersionError) as info:
        parse_tool_version(key, text)
    message = str(info.value)
    assert message.startswith(f"{tool.name}: no version in the output of")
    assert " ".join(tool.command) in message and quoted in message


def _write_tool_outputs(folder) -> dict:
    files = {}
    for key, (text, _) in REAL_OUTPUTS.items():
        files[key] = folder / f"{key}.txt"
        files[key].write_text(text)
    return files


def test_read_versions_round_trip(tmp_path):
    files = _write_tool_outputs(tmp_path)
    files[PYTHON_KEY] = tmp_path / "python.txt"
    write_python_versions(files[PYTHON_KEY], extra={"snakemake": "9.27.1"})
    versions = read_versions(files)
    tools = [TOOLS[key].name for key in TOOLS]
    assert list(versions) == [*tools, "Python", *PACKAGES, "snakemake"]
    assert [versions[name] for name in tools] == [REAL_OUTPUTS[k][1] for k in TOOLS]
    assert versions["Python"] == platform.python_version()
    assert versions["numpy"] == np.__version__
    assert versions["snakemake"] == "9.27.1"
    assert versions["otuflow"] != NOT_INSTALLED
    # Only the records given are read.
    assert read_versions({"mafft": files["mafft"]}) == {"MAFFT": "7.505"}


def test_a_package_that_is_not_installed_is_recorded_as_such(tmp_path):
    assert python_versions(["numpy", "no-such-package-xyz"]) == {
        "Python": platform.python_version(), "numpy": np.__version__,
        "no-such-package-xyz": NOT_INSTALLED,
    }  # fmt: skip


def test_read_versions_fails_on_a_record_without_a_version(tmp_path):
    (tmp_path / "fasttree.txt").write_text("FastTree: command not found\n")
    with pytest.raises(VersionError, match="FastTree: no version"):
        read_versions({"fasttree": tmp_path / "fasttree.txt"})


@pytest.mark.external
@pytest.mark.parametrize("key", list(TOOLS))
def test_installed_tool_reports_its_version_as_the_workflow_records_it(key, tmp_path):
    tool = TOOLS[key]
    # The workflow puts the bin folder of the Python that runs it (the venv's) first on PATH.
    path = os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")])
    if shutil.which(tool.command[0], path=path) is None:
        pytest.skip(f"{tool.command[0]} is not installed")
    record = tmp_path / f"{key}.txt"
    # The version rule's shell command: empty stdin, stdout and stderr into the record.
    result = subprocess.run(
        f"{shlex.join(tool.command)} < /dev/null > {shlex.quote(str(record))} 2>&1",
        shell=True, timeout=60, env={**os.environ, "PATH": path},
    )  # fmt: skip
    assert result.returncode == 0, record.read_text()[-2000:]
    version = read_versions({key: record})[tool.name]
    assert re.fullmatch(r"\d+(\.\d+)+\S*", version), version
    assert version in record.read_text()
