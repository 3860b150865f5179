"""Tool arguments and cache keys that the workflow's rules derive from the config.

Kept here, not in the ``.smk`` files, so that each is a tested function. Every function returns
a list of separate arguments; the rules pass them to the shell quoted one by one (``{params:q}``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from otuflow.iupac import reverse_complement, validate_primer

#: Bumped when the prepared reference or the model changes format, so old caches are not reused.
REFERENCE_CACHE_VERSION = 1


def cutadapt_adapter_args(primers: Mapping) -> list[str]:
    """cutadapt options that remove the primers (or only the read-through adapters).

    Parameters
    ----------
    primers : mapping
        The config's ``primers`` section (``trim``, ``forward``, ``reverse``, ``require_both``,
        ``adapter_r1``, ``adapter_r2``).

    Returns
    -------
    list of str
        With ``trim``: linked adapters ``-g FWD;required;min_overlap=len...RC(REV);optional``
        and ``-G`` likewise for R2: the 5' primer must be found in full and everything before it
        (spacers, adapter tails) goes with it; the opposite primer is trimmed where the read runs
        through the amplicon. ``--discard-untrimmed --pair-filter=any`` with ``require_both``.
        Without ``trim`` (reads start after the primers): ``-a``/``-A`` with the reverse
        complement of the other read's adapter, for read-through.
    """
    if not primers["trim"]:
        return [
            "-a", reverse_complement(primers["adapter_r2"]),
            "-A", reverse_complement(primers["adapter_r1"]),
        ]  # fmt: skip
    forward = validate_primer(primers["forward"], "primers.forward")
    reverse = validate_primer(primers["reverse"], "primers.reverse")
    args = ["-g", _linked(forward, reverse), "-G", _linked(reverse, forward)]
    if primers["require_both"]:
        args += ["--discard-untrimmed", "--pair-filter=any"]
    return args


def _linked(five_prime: str, other: str) -> str:
    """Linked adapter: ``five_prime`` required in full, the other primer's reverse complement
    trimmed where the read runs through."""
    return (
        f"{five_prime};required;min_overlap={len(five_prime)}"
        f"...{reverse_complement(other)};optional"
    )


def reference_cache_key(files: list[str], settings: Mapping) -> str:
    """Name of the cache folder of a prepared reference and its trained model.

    The key covers each file's absolute path, size and modification time, and the preparation
    settings: it changes when a reference file is replaced or edited, costs one ``stat`` per
    file (the workflow computes it at every start, and on a cluster in every job), and never
    reads the files, which may be gigabytes.

    Parameters
    ----------
    files : list of str
        Reference files (missing files are keyed by their path alone).
    settings : mapping
        JSON-serialisable preparation settings (format, domains, primers, ...).

    Returns
    -------
    str
        16 hex digits.
    """
    parts: list[object] = [REFERENCE_CACHE_VERSION, dict(settings)]
    for name in files:
        path = Path(name).absolute()
        try:
            stat = path.stat()
            parts.append([str(path), stat.st_size, stat.st_mtime_ns])
        except OSError:
            parts.append([str(path), None, None])
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def reference_settings(taxonomy: Mapping, primers: Mapping) -> dict:
    """The settings a prepared reference depends on (for :func:`reference_cache_key`)."""
    settings = {
        k: taxonomy[k] for k in ("source", "reference_format", "domains", "max_ambiguous")
    }
    if taxonomy["extract_region"]:
        settings["region"] = {
            "primers": [
                validate_primer(primers["forward"], "primers.forward"),
                validate_primer(primers["reverse"], "primers.reverse"),
            ],
            "max_mismatch": taxonomy["region_max_mismatch"],
        }
    if taxonomy["source"] == "silva":
        settings.update(url=taxonomy["silva_url"], md5=taxonomy["silva_md5"])
    if taxonomy.get("min_reference_length") is not None:
        settings["min_length"] = taxonomy["min_reference_length"]
    return settings


def prepare_reference_args(
    taxonomy: Mapping, primers: Mapping, fasta: str, taxonomy_tsv: str | None, out: Mapping
) -> list[str]:
    """``otuflow prepare-reference`` arguments.

    Parameters
    ----------
    taxonomy, primers : mapping
        The config's ``taxonomy`` and ``primers`` sections.
    fasta, taxonomy_tsv : str
        Reference FASTA and, when the headers do not carry the lineage, its taxonomy TSV.
    out : mapping
        ``fasta``, ``taxonomy`` and ``sintax`` output paths.
    """
    args = [
        "prepare-reference", "--fasta", fasta, "--format", taxonomy["reference_format"],
        "--domains", ",".join(taxonomy["domains"]),
        "--max-ambiguous", str(taxonomy["max_ambiguous"]),
        "--out-fasta", out["fasta"], "--out-taxonomy", out["taxonomy"],
        "--out-sintax", out["sintax"],
    ]  # fmt: skip
    if taxonomy_tsv:
        args += ["--taxonomy", taxonomy_tsv]
    if taxonomy.get("min_reference_length") is not None:
        args += ["--min-length", str(taxonomy["min_reference_length"])]
    if taxonomy["extract_region"]:
        forward = validate_primer(primers["forward"], "primers.forward")
        reverse = validate_primer(primers["reverse"], "primers.reverse")
        args += [
            "--primers", f"{forward},{reverse}",
            "--max-mismatch", str(taxonomy["region_max_mismatch"]),
        ]  # fmt: skip
    return args

