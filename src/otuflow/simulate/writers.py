"""Write the simulated cohort's files: sample sheet, reference database and truth tables."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from otuflow.digest import file_digest
from otuflow.simulate.chimeras import Chimera
from otuflow.simulate.clinical import Clinical
from otuflow.simulate.community import GROUPS, PLANTED_EFFECTS
from otuflow.simulate.sequences import TemplateSet
from otuflow.simulate.taxonomy import Species

CHECKSUM_FILE = "truth/checksums.sha256"


def _write_lines(path: Path, lines: Iterable[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        for line in lines:
            handle.write(line + "\n")


def _fmt(x: float) -> str:
    return f"{x:.10g}"


def write_reference(folder: Path, species: Sequence[Species], templates: TemplateSet) -> None:
    """Write ``reference.fasta`` (flank + amplicon + flank per species) and ``taxonomy.tsv``."""
    _write_lines(
        folder / "reference.fasta",
        (f">{s.species_id}\n{templates.templates[s.species_id].fragment}" for s in species),
    )
    _write_lines(folder / "taxonomy.tsv", (f"{s.species_id}\t{s.lineage_string}" for s in species))


def write_species_truth(folder: Path, species: Sequence[Species], templates: TemplateSet) -> None:
    """Write ``species.fasta`` (primer-trimmed amplicons) and ``species.tsv`` (annotation)."""
    _write_lines(
        folder / "species.fasta",
        (
            f">{s.species_id} genus={s.genus} species={s.name}\n"
            f"{templates.templates[s.species_id].insert}"
            for s in species
        ),
    )
    header = "species_id\tgenus\tspecies\tin_cohort\tinsert_length\tamplicon_length\tlineage"
    rows = []
    for s in species:
        t = templates.templates[s.species_id]
        rows.append(
            f"{s.species_id}\t{s.genus}\t{s.name}\t{'yes' if s.in_cohort else 'no'}\t"
            f"{len(t.insert)}\t{len(t.amplicon)}\t{s.lineage_string}"
        )
    _write_lines(folder / "species.tsv", [header, *rows])


def write_sample_sheet(
    path: Path, samples: Sequence[str], clinical: Sequence[Clinical], reads_dir: str = "reads"
) -> None:
    """Write ``samples.tsv`` with read paths relative to the sheet's folder."""
    header = "sample\tr1\tr2\topioid\tdose_mg_day\tdays_on_opioid"
    rows = [
        f"{s}\t{reads_dir}/{s}_R1.fastq.gz\t{reads_dir}/{s}_R2.fastq.gz\t{c.opioid}\t"
        f"{c.dose_mg_day:g}\t{c.days_on_opioid}"
        for s, c in zip(samples, clinical, strict=True)
    ]
    _write_lines(path, [header, *rows])


def genus_matrix(species: Sequence[Species], abundance: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Sum a species x samples matrix to genus x samples (genera in first-seen order)."""
    names = list(dict.fromkeys(s.genus for s in species))
    genus = np.array([s.genus for s in species])
    return names, np.stack([abundance[genus == g].sum(axis=0) for g in names])


def write_abundances(
    folder: Path, species: Sequence[Species], samples: Sequence[str], abundance: np.ndarray
) -> None:
    """Write ``species_abundance.tsv`` and ``genus_abundance.tsv`` (columns sum to 1)."""
    head = "\t".join(samples)
    _write_lines(
        folder / "species_abundance.tsv",
        [f"species_id\tgenus\tspecies\t{head}"]
        + [
            f"{s.species_id}\t{s.genus}\t{s.name}\t" + "\t".join(map(_fmt, row))
            for s, row in zip(species, abundance, strict=True)
        ],
    )
    names, by_genus = genus_matrix(species, abundance)
    _write_lines(
        folder / "genus_abundance.tsv",
        [f"genus\t{head}"]
        + [f"{g}\t" + "\t".join(map(_fmt, row)) for g, row in zip(names, by_genus, strict=True)],
    )


def write_groups(folder: Path, samples: Sequence[str], groups: Sequence[str]) -> None:
    """Write ``groups.tsv`` (sample, true group)."""
    _write_lines(
        folder / "groups.tsv",
        ["sample\tgroup", *(f"{s}\t{g}" for s, g in zip(samples, groups, strict=True))],
    )


def write_planted_effects(
    folder: Path,
    species: Sequence[Species],
    groups: Sequence[str],
    abundance: np.ndarray,
) -> None:
    """Write ``planted_effects.tsv``: design of each planted genus and its realised fold change."""
    names, by_genus = genus_matrix(species, abundance)
    groups_arr = np.array(groups)
    header = (
        "genus\ttest_groups\treference_groups\tdirection\tfold_change\t"
        + "\t".join(f"mean_{g}" for g in GROUPS)
        + "\trealised_fold_change"
    )
    rows = []
    for e in PLANTED_EFFECTS:
        row = by_genus[names.index(e.genus)]
        test = row[np.isin(groups_arr, e.test_groups)]
        ref = row[np.isin(groups_arr, e.reference_groups)]
        realised = test.mean() / ref.mean() if len(test) and len(ref) else float("nan")
        rows.append(
            f"{e.genus}\t{','.join(e.test_groups)}\t{','.join(e.reference_groups)}\t{e.direction}\t"
            f"{_fmt(e.fold_change)}\t" + "\t".join(_fmt(m) for m in e.means) + f"\t{realised:.4g}"
        )
    _write_lines(folder / "planted_effects.tsv", [header, *rows])


def write_chimeras(folder: Path, chimeras: Sequence[Chimera], read_counts: Sequence[int]) -> None:
    """Write ``chimeras.fasta``: primer-trimmed chimeras with parents, breakpoint and reads."""
    _write_lines(
        folder / "chimeras.fasta",
        (
            f">{c.chimera_id} parent_a={c.parent_a} parent_b={c.parent_b} "
            f"breakpoint={c.breakpoint} abundance={c.abundance:.6g} reads={n}\n{c.insert}"
            for c, n in zip(chimeras, read_counts, strict=True)
        ),
    )


def write_sample_summary(folder: Path, rows: Sequence[dict]) -> None:
    """Write ``sample_summary.tsv`` (one row per sample, columns as in the dicts)."""
    columns = list(rows[0])
    _write_lines(
        folder / "sample_summary.tsv",
        ["\t".join(columns), *("\t".join(str(r[c]) for c in columns) for r in rows)],
    )


def write_read_origins(path: Path, rows: Iterable[str]) -> None:
    """Write ``read_origins.tsv.gz``: which template (and prefix) every read pair came from."""
    text = "sample\tread_id\ttemplate\tr1_prefix\tr2_prefix\n" + "".join(r + "\n" for r in rows)
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz,
    ):
        gz.write(text.encode())


def write_json(path: Path, data: dict) -> None:
    """Write ``data`` as sorted, indented JSON with a final newline."""
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def file_digests(root: Path) -> dict[str, str]:
    """SHA-256 of every file below ``root`` except the checksum file, by relative POSIX path."""
    out = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel == CHECKSUM_FILE:
            continue
        out[rel] = file_digest(path)
    return out


def write_checksums(root: Path) -> None:
    """Write ``truth/checksums.sha256`` in ``sha256sum -c`` format (paths relative to ``root``)."""
    _write_lines(root / CHECKSUM_FILE, (f"{d}  {p}" for p, d in file_digests(root).items()))


def read_checksums(root: Path) -> dict[str, str]:
    """Read ``truth/checksums.sha256`` back into ``{path: digest}``."""
    out = {}
    for line in (root / CHECKSUM_FILE).read_text(encoding="utf-8").splitlines():
        digest, _, path = line.partition("  ")
        out[path] = digest
    return out
