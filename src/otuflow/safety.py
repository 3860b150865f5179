"""Guards that keep the command line and the workflow from destroying user files.

Every ``otuflow`` command refuses an output that is one of its inputs, and ``--force`` replaces
only a folder the same command wrote before: never ``/`` or another system folder, the home
folder, the current folder (or one holding it) or a git working tree.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

#: Folders that are never an output folder nor replaced with ``--force``.
SYSTEM_FOLDERS = frozenset(
    Path(p)
    for p in ("/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/media",
              "/mnt", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr",
              "/var")
)  # fmt: skip


class UnsafeOutputError(ValueError):
    """An output would overwrite an input, or ``--force`` would delete what otuflow did not make."""


def _same_file(a: Path, b: Path) -> bool:
    if a.exists() and b.exists():
        return os.path.samefile(a, b)  # also through hard and symbolic links
    return a.resolve() == b.resolve()


def refuse_outputs_over_inputs(
    outputs: Mapping[str, str | os.PathLike | None], inputs: Mapping[str, str | os.PathLike | None]
) -> None:
    """Stop when an output path is an input file, or two outputs are the same file.

    Parameters
    ----------
    outputs, inputs : mapping
        Option name (e.g. ``"--out"``) -> path; ``None`` for options not given.

    Raises
    ------
    UnsafeOutputError
        Naming both options and the file.
    """
    given_out = {k: Path(v) for k, v in outputs.items() if v is not None}
    given_in = {k: Path(v) for k, v in inputs.items() if v is not None}
    for out_name, out in given_out.items():
        for in_name, path in given_in.items():
            if _same_file(out, path):
                raise UnsafeOutputError(
                    f"{out_name} {out} is the input given with {in_name} (the same file): it "
                    "would be overwritten. Give another output path."
                )
    names = list(given_out)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if _same_file(given_out[a], given_out[b]):
                raise UnsafeOutputError(
                    f"{a} and {b} are the same file ({given_out[a]}); give each its own path."
                )


def system_folder_problem(folder: str | os.PathLike) -> str | None:
    """Why ``folder`` may not receive a run's or a command's outputs, or None.

    ``/`` and the system folders of :data:`SYSTEM_FOLDERS` and the home folder itself are
    refused (a sub-folder of them is fine).
    """
    resolved = Path(folder).expanduser().resolve()
    if resolved in SYSTEM_FOLDERS:
        return f"{folder} is a system folder ({resolved})"
    if resolved == Path.home().resolve():
        return f"{folder} is your home folder"
    return None


def folder_contents(folder: str | os.PathLike, examples: int = 3) -> str:
    """What deleting ``folder``'s contents would remove, e.g. ``"12 files and 2 folders (a.txt,
    b, c.fa, ...)"``."""
    folder = Path(folder)
    files = folders = 0
    for _, dirnames, filenames in os.walk(folder):
        files += len(filenames)
        folders += len(dirnames)
    top = sorted(p.name for p in folder.iterdir())
    shown = ", ".join(top[:examples]) + (", ..." if len(top) > examples else "")
    return f"{files} file(s) and {folders} folder(s) ({shown})"


def check_force_replace(
    folder: str | os.PathLike, written_by_us: Callable[[Path], bool], what: str
) -> None:
    """Stop unless ``--force`` may replace the non-empty ``folder``.

    Parameters
    ----------
    folder : path-like
        The folder ``--force`` would empty and replace.
    written_by_us : callable
        True when the folder holds the marker the command writes into its outputs.
    what : str
        What the command writes, for the message (e.g. ``"a simulated cohort
        (truth/params.json)"``).

    Raises
    ------
    UnsafeOutputError
        Saying why, and what ``--force`` would have deleted.
    """
    path = Path(folder)
    resolved = path.expanduser().resolve()
    cwd = Path.cwd().resolve()
    problem = system_folder_problem(path)
    if problem is None and (resolved == cwd or resolved in cwd.parents):
        problem = f"{folder} is the current folder or holds it"
    if problem is None and (resolved / ".git").exists():
        problem = f"{folder} is a git working tree"
    if problem is None and not written_by_us(resolved):
        problem = f"{folder} holds no {what}"
    if problem:
        raise UnsafeOutputError(
            f"--force refused: {problem}. It would have deleted {folder_contents(resolved)}. "
            "--force only replaces a folder this command wrote; choose a new or empty folder, "
            "or move the files away yourself."
        )
