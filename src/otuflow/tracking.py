"""Read tracking: how many read pairs of each sample survive each step of the workflow."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from otuflow.cutadapt_report import cutadapt_pair_counts

STEPS = ("input", "with_primers", "merged", "filtered", "mapped")
_STEP_LABELS = {
    "with_primers": "primer trimming",
    "merged": "pair merging",
    "filtered": "quality filtering",
    "mapped": "mapping to {feature}s",
}


def step_warnings(row: pd.Series, max_step_loss: float, feature: str = "OTU") -> str:
    """Describe every step at which a sample lost more than ``max_step_loss`` of its reads.

    Parameters
    ----------
    row : pandas.Series
        Counts for the steps in :data:`STEPS`.
    max_step_loss : float
        Largest acceptable fraction lost at one step.
    feature : str
        What reads are mapped to (``OTU`` or ``ASV``, :attr:`otuflow.features.FeatureKind.noun`).

    Returns
    -------
    str
        ``"; "``-joined warnings, empty if none.
    """
    warnings = []
    for before, after in zip(STEPS, STEPS[1:], strict=False):
        if row[before] == 0:
            continue
        lost = 1 - row[after] / row[before]
        if lost > max_step_loss:
            warnings.append(f"lost {lost:.0%} at {_STEP_LABELS[after].format(feature=feature)}")
    if row["input"] == 0:
        warnings.append("no reads in the input")
    return "; ".join(warnings)


def excluded_samples(
    mapped: pd.Series, min_mapped_reads: int, earlier: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Samples left out of the analyses: those an earlier step left out (no reads in the input,
    primers missing) and those with fewer mapped reads than ``min_mapped_reads``.

    They are left out of composition, differential abundance and rarefaction (alpha and beta
    diversity).

    Parameters
    ----------
    mapped : pandas.Series
        Mapped reads per sample (the OTU table's column sums), in sheet order.
    min_mapped_reads : int
        Smallest number of mapped reads a sample needs to count as a replicate.
    earlier : mapping of str to str, optional
        Sample -> why an earlier step left it out (empty or missing: it was not).

    Returns
    -------
    pandas.DataFrame
        Columns ``sample``, ``mapped`` and ``reason``, one row per excluded sample.
    """
    earlier = earlier or {}
    rows = []
    for sample, n in mapped.items():
        reason = earlier.get(sample) or (
            ("no reads left" if n == 0 else f"fewer mapped reads than {min_mapped_reads}")
            if n < min_mapped_reads
            else ""
        )
        if reason:
            rows.append({"sample": str(sample), "mapped": int(n), "reason": reason})
    return pd.DataFrame(rows, columns=["sample", "mapped", "reason"])


def read_count(path: str | os.PathLike) -> int:
    """The read count a step wrote beside its reads (one number on one line).

    Raises
    ------
    ValueError
        If the file does not hold one whole, non-negative number.
    """
    text = Path(path).read_text().strip()
    if not text.isdigit():
        raise ValueError(f"{path}: expected a read count (one whole number), found {text[:40]!r}")
    return int(text)


def read_tracking_table(
    samples: Sequence[str],
    cutadapt_reports: Sequence[str | os.PathLike],
    merged_counts: Sequence[str | os.PathLike],
    filtered_counts: Sequence[str | os.PathLike],
    otu_table: pd.DataFrame,
    max_step_loss: float = 0.5,
    min_mapped_reads: int = 0,
    earlier: Mapping[str, str] | None = None,
    feature: str = "OTU",
) -> pd.DataFrame:
    """Per-sample counts at each step, percentages of the input, and loss warnings.

    Parameters
    ----------
    samples : sequence of str
        Sample IDs, in output order.
    cutadapt_reports : sequence of path-like
        Per-sample cutadapt JSON reports, in the order of ``samples``.
    merged_counts, filtered_counts : sequence of path-like
        Per-sample read counts after merging and after filtering (see :func:`read_count`).
    otu_table : pandas.DataFrame
        OTU × sample counts (mapped reads).
    max_step_loss : float
        A sample losing more than this fraction at one step gets a warning.
    min_mapped_reads : int
        A sample with fewer mapped reads is warned about as left out of the analyses (see
        :func:`excluded_samples`).
    earlier : mapping of str to str, optional
        Sample -> why an earlier step left it out; warned about likewise.
    feature : str
        What reads are mapped to (``OTU`` or ``ASV``), for the warnings.

    Returns
    -------
    pandas.DataFrame
        Columns ``sample``, the counts of :data:`STEPS`, ``pct_<step>`` (of input) and ``warning``.
    """
    rows = []
    for i, sample in enumerate(samples):
        n_in, n_primers = cutadapt_pair_counts(cutadapt_reports[i])
        rows.append(
            {
                "sample": sample,
                "input": n_in,
                "with_primers": n_primers,
                "merged": read_count(merged_counts[i]),
                "filtered": read_count(filtered_counts[i]),
                "mapped": int(otu_table[sample].sum()) if sample in otu_table else 0,
            }
        )
    table = pd.DataFrame(rows)
    for step in STEPS[1:]:
        pct = 100 * table[step] / table["input"].where(table["input"] > 0)
        table[f"pct_{step}"] = pct.round(2)
    warnings = [step_warnings(row, max_step_loss, feature) for _, row in table.iterrows()]
    excluded = excluded_samples(table.set_index("sample")["mapped"], min_mapped_reads, earlier)
    for sample, reason in zip(excluded["sample"], excluded["reason"], strict=True):
        i = samples.index(sample)
        note = f"excluded from the analyses: {reason}"
        if not (earlier or {}).get(sample):
            note += f" (min_mapped_reads {min_mapped_reads})"
        warnings[i] = f"{warnings[i]}; {note}" if warnings[i] else note
    table["warning"] = warnings
    return table
