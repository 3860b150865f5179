"""Checks run inside workflow rules that stop a run with a clear message."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

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


def config_errors(config: Mapping, schema: Mapping) -> list[str]:
    """Every way ``config`` breaks the JSON schema, one line each, naming the dotted key.

    Parameters
    ----------
    config : mapping
        The configuration as read from the YAML file(s), before defaults are filled in.
    schema : mapping
        The JSON schema (``workflow/schemas/config.schema.yaml``).

    Returns
    -------
    list of str
        Messages such as ``"merge.min_overlap: 'abc' is not of type 'integer'"`` or
        ``"unknown key diversity.shanon_base"``; empty when the config is valid.
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    messages = []
    for error in sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.path]):
        key = ".".join(str(p) for p in error.path)
        prefix = f"{key}." if key else ""
        if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
            known = error.schema.get("properties", {})
            for name in sorted(set(error.instance) - set(known)):
                messages.append(
                    f"unknown key {prefix}{name} (known keys here: {', '.join(known) or 'none'})"
                )
        elif error.validator == "required":
            messages.append(f"missing key {prefix}{error.message.split(' is a required')[0]}")
        else:
            messages.append(f"{key or 'the config'}: {error.message}")
    return messages


_LOG_HINT = re.compile(r"^\s*log: (.+?) \(check log file\(s\) for error details\)", re.MULTILINE)
_ERROR_LINE = re.compile(r"^\s*(ERROR|Error|error|Fatal error|\S+: error:|\w+(Error|Exception)\b)")


def failed_job_messages(main_logs: Iterable[str | os.PathLike], max_lines: int = 5) -> list[str]:
    """The error lines of the jobs that failed in a Snakemake run, read from their log files.

    Rules send their tools' output to log files, which Snakemake only names when a job fails;
    this pulls the reason (lines starting ``ERROR``, ``Fatal error``, ``...Error``; else the last
    lines) out of each failed job's log so it reaches the terminal.

    Parameters
    ----------
    main_logs : iterable of path-like
        Snakemake's own log file(s) of the run (the ``log`` argument of ``onerror``).
    max_lines : int
        Lines kept per job log.

    Returns
    -------
    list of str
        ``"<job log>: <line>"`` entries, in the order the jobs failed.
    """
    job_logs: list[str] = []
    for main_log in main_logs:
        try:
            text = Path(main_log).read_text(errors="replace")
        except OSError:
            continue
        for match in _LOG_HINT.finditer(text):
            for path in match.group(1).split(", "):
                if path not in job_logs:
                    job_logs.append(path)
    messages = []
    for path in job_logs:
        try:
            lines = [ln for ln in Path(path).read_text(errors="replace").splitlines() if ln.strip()]
        except OSError:
            continue
        picked = [ln for ln in lines if _ERROR_LINE.match(ln)] or lines[-max_lines:]
        messages += [f"{path}: {ln.strip()}" for ln in picked[-max_lines:]]
    return messages
