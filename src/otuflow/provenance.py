"""Provenance of a run: resolved config, input checksums, reference MD5s, software versions.

``provenance.json`` holds only what is fixed by the inputs, the code and the installed software, so
two runs on the same inputs write the same bytes; the moment of the run and the state of the
working tree go to a separate ``run_info.json``.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
from collections.abc import Mapping
from pathlib import Path

from otuflow.atomic import atomic_path
from otuflow.digest import file_digest


def describe_file(path: str | os.PathLike, algorithm: str = "sha256") -> dict:
    """Absolute path, size and digest of a file.

    Parameters
    ----------
    path : path-like
        File to describe.
    algorithm : str
        Digest algorithm; the key in the result is its name.

    Returns
    -------
    dict
        ``{"path": ..., "bytes": ..., algorithm: ...}``.
    """
    path = Path(path)
    return {
        "path": str(path.resolve()),
        "bytes": path.stat().st_size,
        algorithm: file_digest(path, algorithm),
    }


def git_state(directory: str | os.PathLike) -> tuple[str | None, bool | None]:
    """Commit checked out in ``directory`` and whether tracked files differ from it.

    Parameters
    ----------
    directory : path-like
        A folder inside a git work tree.

    Returns
    -------
    (str or None, bool or None)
        Commit hash and "dirty" flag; ``(None, None)`` outside a git work tree or without git.
    """

    def git(*args: str) -> str | None:
        try:
            result = subprocess.run(
                ["git", "-C", str(directory), *args], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return result.stdout.strip() if result.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return None, None
    status = git("status", "--porcelain", "--untracked-files=no")
    return commit, (bool(status) if status is not None else None)


def collect_provenance(
    config: Mapping,
    sample_sheet: str | os.PathLike,
    reads: Mapping[str, Mapping[str, str]],
    references: Mapping[str, str],
    code_dir: str | os.PathLike,
    software: Mapping[str, str],
) -> dict:
    """Everything needed to tell whether two runs used the same inputs, settings and software.

    Parameters
    ----------
    config : mapping
        The resolved configuration (after schema validation filled in the defaults).
    sample_sheet : path-like
        The sample sheet used.
    reads : mapping
        Sample ID -> {"group": ..., "r1": path, "r2": path}, in sheet order.
    references : mapping
        Role (e.g. ``"reference_fasta"``) -> path of each reference file used; hashed with MD5,
        the checksum SILVA publishes.
    code_dir : path-like
        The workflow's folder, for the git commit.
    software : mapping
        Name -> version of every tool and package the rules ran
        (:func:`otuflow.software.read_versions`).

    Returns
    -------
    dict
        JSON-serialisable record: ``otuflow`` (version, git commit), ``seed``, ``config``,
        ``sample_sheet`` and ``samples`` (SHA-256 of every file), ``references`` (MD5),
        ``software`` versions and ``platform``.
    """
    from otuflow import __version__

    commit, _ = git_state(code_dir)
    samples = {}
    for sample, row in reads.items():
        samples[sample] = {
            "group": row.get("group"),
            "r1": describe_file(row["r1"]),
            "r2": describe_file(row["r2"]),
        }
    return {
        "otuflow": {"version": __version__, "git_commit": commit},
        "seed": config.get("seed"),
        "config": json.loads(json.dumps(config, default=str)),
        "sample_sheet": describe_file(sample_sheet),
        "samples": samples,
        "references": {role: describe_file(path, "md5") for role, path in references.items()},
        "software": dict(software),
        "platform": f"{platform.system()} {platform.machine()}",
    }


def run_info(code_dir: str | os.PathLike) -> dict:
    """What differs between runs on the same inputs: the time and the work tree's state.

    Parameters
    ----------
    code_dir : path-like
        The workflow's folder.

    Returns
    -------
    dict
        ``written_at`` (UTC, ISO 8601), ``git_dirty`` (tracked files edited since the commit)
        and ``host``.
    """
    _, dirty = git_state(code_dir)
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    return {"written_at": now.isoformat(), "git_dirty": dirty, "host": platform.node()}


def write_json(record: Mapping, path: str | os.PathLike) -> None:
    """Write a record as indented JSON through a temporary file (no partial file on a crash).

    Parameters
    ----------
    record : mapping
        JSON-serialisable data.
    path : path-like
        Destination.
    """
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
