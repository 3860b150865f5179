"""Checks run inside workflow rules that stop a run with a clear message."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from otuflow.cutadapt_report import cutadapt_pair_counts

if TYPE_CHECKING:
    import pandas as pd


class PrimerCheckError(RuntimeError):
    """The configured primers do not fit the cohort: too many samples lack them."""


#: Reason of a sample whose FASTQ files hold no reads, in qc/excluded_samples.tsv.
NO_INPUT_READS = "no reads in the input files"


def primer_shortfall(sample: str, n_in: int, n_out: int, min_fraction: float) -> str:
    """What is wrong with a sample whose pairs mostly lack the primers (for messages)."""
    return (
        f"sample {sample}: only {n_out} of {n_in} read pairs ({n_out / n_in:.1%}) carry the "
        f"configured primers (minimum {min_fraction:.0%})"
    )


def primer_trimming_table(
    reports: Sequence[str | os.PathLike], samples: Sequence[str], min_fraction: float
) -> pd.DataFrame:
    """Pairs in and kept by primer trimming per sample, and the samples the check leaves out.

    A sample whose pairs carry the primers less often than ``min_fraction`` is left out of every
    analysis (its ``excluded`` cell says why), as is one whose files hold no reads. When the
    primers evidently do not fit the cohort, the run stops instead: at least half of the
    samples with reads are below ``min_fraction`` (so also when fewer than two would be left).

    Parameters
    ----------
    reports : sequence of path-like
        cutadapt JSON reports, in the order of ``samples``.
    samples : sequence of str
        Sample IDs.
    min_fraction : float
        Smallest acceptable fraction of pairs kept (0 disables the check).

    Returns
    -------
    pandas.DataFrame
        Columns ``sample``, ``pairs_in``, ``pairs_with_primers``, ``fraction`` and
        ``excluded`` (the reason, or empty for a sample that stays).

    Raises
    ------
    PrimerCheckError
        Naming every sample below ``min_fraction`` and what to check.
    """
    import pandas as pd

    rows, short = [], []
    for report, sample in zip(reports, samples, strict=True):
        n_in, n_out = cutadapt_pair_counts(report)
        excluded = ""
        if n_in == 0:
            excluded = NO_INPUT_READS
        elif n_out / n_in < min_fraction:
            excluded = (f"only {n_out / n_in:.1%} of read pairs carry the primers "
                        f"(minimum {min_fraction:.0%})")  # fmt: skip
            short.append(primer_shortfall(sample, n_in, n_out, min_fraction))
        rows.append({"sample": sample, "pairs_in": n_in, "pairs_with_primers": n_out,
                     "fraction": round(n_out / n_in, 4) if n_in else 0.0,
                     "excluded": excluded})  # fmt: skip
    with_reads = sum(row["pairs_in"] > 0 for row in rows)
    # At least half below (which includes fewer than two samples left): the primers are wrong.
    if short and 2 * len(short) >= with_reads:
        raise PrimerCheckError(
            "\n".join(short) + f"\nThe configured primers do not fit this cohort ({len(short)} "
            f"of the {with_reads} samples with reads are below the minimum). Check 'primers: "
            "forward/reverse' in the config; if the reads start after the primers, set "
            "'primers: trim: false'. The threshold is 'primers: min_fraction_with_primers'; "
            "fewer than half of the samples below it are left out of the analyses instead."
        )
    return pd.DataFrame(rows)


#: What to put in a required key that a config leaves out.
REQUIRED_KEY_HINTS = {
    "samples": "the sample sheet (TSV with sample, r1, r2 and group or clinical columns)",
    "outdir": "the folder every result is written below",
    "taxonomy": "a section naming the 16S reference (reference_fasta, or source: silva)",
    "taxonomy.reference_fasta": "your 16S reference FASTA (or set taxonomy: source: silva)",
}


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
            name = error.message.split(" is a required")[0].strip("'")
            hint = REQUIRED_KEY_HINTS.get(f"{prefix}{name}", "")
            messages.append(f"missing key {prefix}{name}" + (f": {hint}" if hint else ""))
        else:
            messages.append(f"{key or 'the config'}: {error.message}")
    return messages


def setting_conflicts(config: Mapping) -> list[str]:
    """Settings each valid on its own that cannot work together, one line each by dotted key.

    Parameters
    ----------
    config : mapping
        The validated configuration, defaults filled in.

    Returns
    -------
    list of str
        Empty when the settings fit together.
    """
    problems = []
    window = config["filter"]
    if window["min_length"] > window["max_length"]:
        problems.append(
            f"filter.min_length ({window['min_length']}) is above filter.max_length "
            f"({window['max_length']}): no read could pass the filter. Set the window around "
            "your amplicon's length after primer removal (V3-V4 341F/805R: about 400-430 nt)."
        )
    groups = [str(g) for g in config["groups"]["order"]]
    differential = config["differential"]
    reference = differential.get("reference")
    if reference is not None and str(reference) not in groups:
        problems.append(
            f"differential.reference {reference!r} is not a group of groups.order {groups}: "
            "name one of them (the spelling must match)."
        )
    for name, members in (differential.get("pooled") or {}).items():
        unknown = [str(m) for m in members if str(m) not in groups]
        if unknown:
            problems.append(
                f"differential.pooled.{name}: {unknown} not a group of groups.order {groups}."
            )
    return problems


def stale_results(outdir: str | os.PathLike, planned: Sequence[str], folders: Sequence[str]):
    """Files below ``folders`` of ``outdir`` that the current run does not produce.

    Left by an earlier run of a larger cohort or other comparisons in the same output folder;
    the report never links them (it reads only the plan's files).

    Parameters
    ----------
    outdir : path-like
        The run's output folder.
    planned : sequence of str
        Every path the run writes (as given to Snakemake).
    folders : sequence of str
        Sub-folders holding per-comparison and per-figure files.

    Returns
    -------
    list of str
        Sorted paths of the files not planned.
    """
    planned_paths = {os.path.normpath(p) for p in planned}
    stale = []
    for folder in folders:
        root = Path(outdir) / folder
        if root.is_dir():
            stale += [str(f) for f in root.rglob("*")
                      if f.is_file() and os.path.normpath(f) not in planned_paths]  # fmt: skip
    return sorted(stale)


class RunFolderError(RuntimeError):
    """An output folder is being run from another folder than the one its runs started in."""


#: Hidden file in the output folder that names the folder its first run started in.
RUN_FOLDER_RECORD = ".otuflow-run-folder"


def check_run_folder(outdir: str | os.PathLike, cwd: str | os.PathLike) -> None:
    """Stop when ``outdir`` was made by runs started in another folder than ``cwd``.

    Snakemake keeps what it knows about a run (code, parameters and inputs of every job, to
    tell what changed since; the lock; the jobs cut off by a crash) in ``.snakemake/`` of the
    folder it runs in. Run from another folder, it sees none of that history and takes results
    made with other settings for up to date.

    Parameters
    ----------
    outdir : path-like
        The run's output folder.
    cwd : path-like
        The folder this run starts in.

    Raises
    ------
    RunFolderError
        Naming both folders and what to do.
    """
    record = Path(outdir) / RUN_FOLDER_RECORD
    if not record.is_file():
        return
    first = Path(record.read_text(encoding="utf-8").strip())
    if first != Path(cwd):
        raise RunFolderError(
            f"The output folder {str(outdir)!r} was made by runs started in {str(first)!r}, "
            f"but this one starts in {str(cwd)!r}. Snakemake keeps each run's history (to tell "
            f"what changed since, and its lock) in .snakemake/ of the folder it runs in, so from "
            f"here results made with other settings would look up to date. Run from "
            f"{str(first)!r} (cd there, or add --directory), or choose another outdir. If you "
            f"moved that folder, run from its new place after deleting {str(record)!r}."
        )


def record_run_folder(outdir: str | os.PathLike, cwd: str | os.PathLike) -> None:
    """Write the record read by :func:`check_run_folder`, unless there is one."""
    record = Path(outdir) / RUN_FOLDER_RECORD
    if not record.is_file():
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(f"{Path(cwd)}\n", encoding="utf-8")
