"""Checks run inside workflow rules that stop a run with a clear message."""

from __future__ import annotations

from otuflow.cutadapt_report import cutadapt_pair_counts


class PrimerCheckError(RuntimeError):
    """Too few reads of a sample carried the configured primers."""


def check_trimming(report: str, sample: str, min_fraction: float) -> float:
    """Fail if too few read pairs kept their primers: the primer configuration is then likely wrong.

    Parameters
    ----------
    report : str
        cutadapt JSON report.
    sample : str
        Sample ID, for the message.
    min_fraction : float
        Smallest acceptable fraction of pairs with both primers (0 disables the check).

    Returns
    -------
    float
        The fraction of pairs kept.

    Raises
    ------
    PrimerCheckError
        If the fraction is below ``min_fraction``.
    """
    n_in, n_out = cutadapt_pair_counts(report)
    if n_in == 0:
        raise PrimerCheckError(f"sample {sample}: the FASTQ files hold no reads.")
    fraction = n_out / n_in
    if fraction < min_fraction:
        raise PrimerCheckError(
            f"sample {sample}: only {n_out} of {n_in} read pairs ({fraction:.1%}) carry the "
            f"configured primers (minimum {min_fraction:.0%}). Check 'primers: forward/reverse' in "
            "the config; if the reads start after the primers, set 'primers: trim: false'."
        )
    return fraction
