"""Read the counts in a cutadapt JSON report."""

from __future__ import annotations

import json
import os


def cutadapt_pair_counts(report: str | os.PathLike) -> tuple[int, int]:
    """Read pairs in and written from a ``cutadapt --json`` report.

    Parameters
    ----------
    report : path-like
        cutadapt JSON report of a paired-end run.

    Returns
    -------
    tuple of int
        ``(input_pairs, written_pairs)``.
    """
    with open(report) as handle:
        counts = json.load(handle)["read_counts"]
    return int(counts["input"]), int(counts["output"])
