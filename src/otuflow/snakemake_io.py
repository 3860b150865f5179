"""Helpers for the thin scripts that Snakemake rules run."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def log_to(path: str | os.PathLike) -> Iterator[None]:
    """Send stdout and stderr (including a traceback on failure) to a rule's log file.

    A ``ValueError`` (the type of otuflow's input errors) also ends the script with its message,
    without a traceback, on the job's stderr, where Snakemake shows it.

    Parameters
    ----------
    path : path-like
        The rule's ``log`` file.
    """
    with open(path, "w") as handle:
        old_out, old_err = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = handle
        try:
            yield
        except ValueError as error:
            print(f"ERROR: {error}", file=handle)
            sys.stdout, sys.stderr = old_out, old_err
            raise SystemExit(f"ERROR: {error}") from None
        except BaseException:
            import traceback

            traceback.print_exc(file=handle)
            raise
        finally:
            sys.stdout, sys.stderr = old_out, old_err
