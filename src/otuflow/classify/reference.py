"""Reading and normalising 16S reference databases for the classifier.

Accepted inputs (plain or gzipped FASTA):

``silva``
    SILVA release FASTA, ``>ID Domain;Phylum;...;Genus;Organism name``. The last field is the
    organism, used as species; the others are taken in order as domain ... genus (SILVA 138
    lineages of Bacteria and Archaea have exactly these six ranks). Pass SILVA's rank file
    (``tax_slv_ssu_138.1.txt``) as ``silva_ranks`` to place names by their declared rank instead.
``sintax``
    ``>ID;tax=d:Bacteria,p:...,g:Genus,s:Species;`` (USEARCH/VSEARCH; ``k:`` counts as domain).
``dada2``
    DADA2 training set, ``>Kingdom;Phylum;Class;Order;Family;Genus;`` (lineage only, possibly
    shorter); records are named ``seq1``, ``seq2``, ... in file order.
``tsv``
    Any FASTA plus a two-column taxonomy TSV ``ID<TAB>lineage`` (an optional header line such as
    ``Feature ID<TAB>Taxon`` is skipped; extra columns are ignored). Lineages may be plain
    (``Bacteria;Firmicutes;...``) or prefixed (``d__``/``k__``, ``p__`` ... ``s__``, SILVA-QIIME
    ``D_0__`` ...); prefixed names are placed by prefix.

Normalisation, applied to every format:

* sequences: upper case, RNA ``U`` -> ``T``, gap characters ``-``/``.`` removed;
* names: whitespace and the separator characters ``; , : * TAB`` become ``_``;
* uninformative or missing names (see :func:`is_uninformative`) are replaced by
  ``<nearest informative ancestor>_unclassified`` (``Unclassified`` when even the domain is
  missing), so every record has seven names ``domain ... species``. The rule is idempotent:
  placeholders are recognised and rebuilt the same way.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from otuflow.atomic import atomic_path
from otuflow.fastx import open_text, read_fasta

RANKS = ("domain", "phylum", "class", "order", "family", "genus", "species")
PREFIXES = ("d", "p", "c", "o", "f", "g", "s")
FORMATS = ("auto", "silva", "sintax", "dada2", "tsv")
PLACEHOLDER_SUFFIX = "_unclassified"

_SANITISE = re.compile(r"[\s;,:*]+")
_PREFIXED = re.compile(r"^(?:([dkpcofgs])__|D_(\d)__)(.*)$")
_SINTAX_RANK = {"d": 0, "k": 0, "p": 1, "c": 2, "o": 3, "f": 4, "g": 5, "s": 6}
_UNINFORMATIVE_EXACT = {
    "", "na", "n/a", "nan", "none", "null", "unassigned", "unclassified", "unknown",
    "unidentified", "uncultured", "metagenome", "incertae sedis", "ambiguous taxa",
    "environmental samples", "other", "bacterium", "archaeon",
}
_UNINFORMATIVE_PREFIX = (
    "uncultured", "unidentified", "unknown", "unculturable", "unclassified", "metagenome",
    "environmental",
)
_HEADER_WORDS = {"feature id", "featureid", "id", "#otu id", "otu id", "seqid", "sequence id",
                 "#id", "feature_id", "otu_id"}


class ReferenceFormatError(ValueError):
    """A reference file cannot be parsed; the message names the file and record."""


@dataclass
class ReferenceRecord:
    """One reference sequence with its 7-rank lineage."""

    id: str
    seq: str
    lineage: tuple[str, ...]


def sanitise_name(name: str) -> str:
    """Replace whitespace and separator characters in a taxon name by ``_``."""
    return _SANITISE.sub("_", name.strip()).strip("_")


def is_uninformative(name: str | None, rank: str) -> bool:
    """Return True for names that carry no taxonomic information at ``rank``.

    Uninformative: missing/empty; ``NA``, ``unassigned``, ``unclassified``, ``unknown``,
    ``unidentified``, ``uncultured``, ``metagenome``, ``Incertae Sedis``, ``Ambiguous_taxa``,
    ``environmental samples``, ``other``; anything starting with ``uncultured``,
    ``unidentified``, ``unknown``, ``unclassified``, ``metagenome``, ``environmental``; anything
    containing ``metagenome`` or ending ``_unclassified`` (placeholders); at genus and species
    rank also open names (``X sp.``, ``X sp``, ``X sp. strain``) and, at species rank, names with
    the word ``bacterium``/``archaeon`` (``Lachnospiraceae bacterium 28-4``).
    """
    if name is None:
        return True
    n = " ".join(name.replace("_", " ").split()).lower()
    if n in _UNINFORMATIVE_EXACT or n.startswith(_UNINFORMATIVE_PREFIX):
        return True
    if "metagenome" in n or n.endswith(" unclassified"):
        return True
    words = n.split(" ")
    if rank in ("genus", "species") and ("sp." in words[1:] or words[-1] == "sp"):
        return True
    return rank == "species" and ("bacterium" in words or "archaeon" in words)


_normalised_cache: dict[tuple, tuple[str, ...]] = {}


def _normalise_cached(raw: Sequence[str | None]) -> tuple[str, ...]:
    key = tuple(raw)
    hit = _normalised_cache.get(key)
    if hit is None:
        if len(_normalised_cache) > 200_000:
            _normalised_cache.clear()
        hit = _normalised_cache[key] = normalise_lineage(key)
    return hit


def normalise_lineage(raw: Sequence[str | None]) -> tuple[str, ...]:
    """Return a 7-name lineage with uninformative/missing names replaced by placeholders.

    Parameters
    ----------
    raw : sequence of str or None
        Up to seven names for ``RANKS`` (missing trailing ranks may be omitted).

    Returns
    -------
    tuple of str
        Seven names; an uninformative name becomes ``<nearest informative
        ancestor>_unclassified`` (``Unclassified`` if there is none).
    """
    out: list[str] = []
    parent = None
    for i, rank in enumerate(RANKS):
        name = raw[i] if i < len(raw) else None
        name = sanitise_name(name) if name else None
        if is_uninformative(name, rank):
            out.append(f"{parent}{PLACEHOLDER_SUFFIX}" if parent else "Unclassified")
        else:
            out.append(name)
            parent = name
    return tuple(out)


def is_placeholder(name: str) -> bool:
    """Return True if ``name`` is a placeholder written by :func:`normalise_lineage`."""
    return name == "Unclassified" or name.endswith(PLACEHOLDER_SUFFIX)


def parse_lineage_string(text: str) -> list[str | None]:
    """Split a lineage string into 7 rank slots (``None`` where absent).

    Prefixed names (``d__``, ``k__``, ``p__`` ... ``s__``, ``D_0__`` ...) are placed by their
    prefix; unprefixed names are placed in order from domain.
    """
    parts = [p.strip() for p in text.strip().strip(";").split(";")]
    parts = [p for p in parts if p != ""] if any(_PREFIXED.match(p) for p in parts) else parts
    slots: list[str | None] = [None] * len(RANKS)
    positional = 0
    for part in parts:
        m = _PREFIXED.match(part)
        if m:
            idx = PREFIXES.index("d" if m.group(1) == "k" else m.group(1)) if m.group(1) else int(
                m.group(2))
            if idx < len(RANKS):
                slots[idx] = m.group(3) or None
        elif positional < len(RANKS):
            slots[positional] = part or None
        positional += 1
    return slots


@functools.lru_cache(maxsize=100_000)
def _parse_lineage_cached(text: str) -> tuple[str | None, ...]:
    return tuple(parse_lineage_string(text))


def detect_format(path: str | os.PathLike, taxonomy: str | os.PathLike | None = None) -> str:
    """Guess the reference format from the first FASTA header (``tsv`` if a taxonomy is given)."""
    if taxonomy is not None:
        return "tsv"
    for header, _, lineno in read_fasta(path):
        if ";tax=" in header:
            return "sintax"
        first, _, rest = header.partition(" ")
        if rest and ";" in rest:
            return "silva"
        if ";" in header and " " not in header.strip():
            return "dada2"
        raise ReferenceFormatError(
            f"{path}, line {lineno}: cannot tell the reference format from header "
            f"'>{header[:80]}'; pass --format (silva, sintax, dada2) or a --taxonomy TSV"
        )
    raise ReferenceFormatError(f"{path}: no FASTA records found")


def read_taxonomy_tsv(path: str | os.PathLike) -> dict[str, str]:
    """Read an ``ID<TAB>lineage`` file into a dict (header line skipped if present)."""
    out: dict[str, str] = {}
    with open_text(path) as fh:
        for n, line in enumerate(fh, start=1):
            line = line.rstrip("\r\n")
            if not line.strip() or line.startswith("#") and n > 1:
                continue
            fields = line.split("\t")
            if len(fields) < 2:
                raise ReferenceFormatError(
                    f"{path}, line {n}: expected 'ID<TAB>lineage', got {line[:80]!r}"
                )
            if n == 1 and fields[0].strip().lower() in _HEADER_WORDS:
                continue
            key = fields[0].strip()
            if key in out:
                raise ReferenceFormatError(f"{path}, line {n}: duplicate ID {key!r}")
            out[key] = fields[1]
    return out


def read_silva_ranks(path: str | os.PathLike) -> dict[str, str]:
    """Read SILVA's ``tax_slv_ssu_*.txt`` (``path;<TAB>taxid<TAB>rank...``) into path -> rank."""
    ranks: dict[str, str] = {}
    with open_text(path) as fh:
        for line in fh:
            fields = line.rstrip("\r\n").split("\t")
            if len(fields) >= 3:
                ranks[fields[0].strip().rstrip(";")] = fields[2].strip().lower()
    return ranks


def _silva_slots(lineage: str, silva_ranks: dict[str, str] | None) -> list[str | None]:
    parts = [p.strip() for p in lineage.strip().rstrip(";").split(";")]
    slots: list[str | None] = [None] * len(RANKS)
    if len(parts) >= 2:
        slots[6] = parts[-1]
        taxa = parts[:-1]
    else:
        taxa = parts
    if silva_ranks is None:
        for i, name in enumerate(taxa[:6]):
            slots[i] = name
    else:
        for i, name in enumerate(taxa):
            rank = silva_ranks.get(";".join(taxa[: i + 1]))
            if rank in RANKS[:6]:
                slots[RANKS.index(rank)] = name
    return slots


def read_reference(
    fasta: str | os.PathLike,
    taxonomy: str | os.PathLike | None = None,
    fmt: str = "auto",
    silva_ranks: str | os.PathLike | None = None,
) -> Iterator[tuple[str, str, list[str | None], int]]:
    """Yield ``(id, raw sequence, 7 raw rank slots, header line)`` from a reference.

    Parameters
    ----------
    fasta : path-like
        Reference FASTA (gzip accepted).
    taxonomy : path-like, optional
        Two-column ``ID<TAB>lineage`` TSV (format ``tsv``).
    fmt : {"auto", "silva", "sintax", "dada2", "tsv"}
    silva_ranks : path-like, optional
        SILVA rank file for exact rank placement of SILVA headers.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown reference format {fmt!r}; choose one of {FORMATS}")
    if fmt == "auto":
        fmt = detect_format(fasta, taxonomy)
    if fmt == "tsv" and taxonomy is None:
        raise ReferenceFormatError("format 'tsv' needs a --taxonomy file (ID<TAB>lineage)")
    tax = read_taxonomy_tsv(taxonomy) if fmt == "tsv" else None
    ranks_map = read_silva_ranks(silva_ranks) if silva_ranks else None
    for k, (header, seq, lineno) in enumerate(read_fasta(fasta), start=1):
        where = f"{fasta}, line {lineno}"
        if fmt == "sintax":
            rid, sep, rest = header.partition(";tax=")
            if not sep:
                raise ReferenceFormatError(f"{where}: header has no ';tax=' field: >{header[:80]}")
            slots: list[str | None] = [None] * len(RANKS)
            for item in rest.split(";")[0].split(","):
                code, _, name = item.partition(":")
                if code.strip() in _SINTAX_RANK and name:
                    slots[_SINTAX_RANK[code.strip()]] = name
            rid = rid.split()[0] if rid.strip() else ""
        elif fmt == "silva":
            rid, _, rest = header.partition(" ")
            if ";" not in rest:
                raise ReferenceFormatError(
                    f"{where}: SILVA header needs 'ID lineage;...', got >{header[:80]}"
                )
            slots = _silva_slots(rest, ranks_map)
        elif fmt == "dada2":
            rid = f"seq{k}"
            slots = parse_lineage_string(header.split()[0] if header.strip() else "")
        else:
            rid = header.split()[0] if header.strip() else ""
            if rid not in tax:
                raise ReferenceFormatError(
                    f"{where}: sequence {rid!r} has no line in taxonomy file {taxonomy}; "
                    "the FASTA and taxonomy files must describe the same records"
                )
            slots = _parse_lineage_cached(tax[rid])
        if not rid:
            raise ReferenceFormatError(f"{where}: record without an ID")
        yield rid, seq, slots, lineno


_NON_IUPAC = re.compile(r"[^ACGTURYSWKMBDHVN]")


def clean_sequence(seq: str) -> str:
    """Upper-case, convert RNA to DNA and drop gap characters (``-``, ``.``, ``~``)."""
    return seq.upper().replace("U", "T").translate(str.maketrans("", "", "-.~ \t"))


def ambiguous_count(seq: str) -> int:
    """Number of characters other than A, C, G, T in a cleaned sequence."""
    return len(seq) - sum(seq.count(b) for b in "ACGT")


@dataclass
class PrepareReport:
    """Counts of what :func:`prepare_reference` kept and dropped."""

    total: int = 0
    kept: int = 0
    dropped_domain: int = 0
    dropped_ambiguous: int = 0
    dropped_short: int = 0
    dropped_no_primers: int = 0
    kept_whole_no_primers: int = 0

    def summary(self) -> str:
        """One-line human-readable summary."""
        return (
            f"{self.kept} of {self.total} reference sequences kept; dropped: "
            f"{self.dropped_domain} other domain, {self.dropped_ambiguous} too many ambiguous "
            f"bases, {self.dropped_short} too short, {self.dropped_no_primers} primers not found"
            + (f"; {self.kept_whole_no_primers} kept whole (primers not found)"
               if self.kept_whole_no_primers else "")
        )


def prepare_reference(
    fasta: str | os.PathLike,
    taxonomy: str | os.PathLike | None = None,
    *,
    fmt: str = "auto",
    domains: Iterable[str] | None = ("Bacteria", "Archaea"),
    max_ambiguous: int = 5,
    min_length: int = 1200,
    primers: tuple[str, str] | None = None,
    max_mismatch: int = 2,
    keep_unmatched: bool = False,
    keep_primers: bool = False,
    silva_ranks: str | os.PathLike | None = None,
) -> tuple[list[ReferenceRecord], PrepareReport]:
    """Read, normalise, filter and optionally region-cut a reference database.

    Parameters
    ----------
    fasta, taxonomy, fmt, silva_ranks :
        See :func:`read_reference`.
    domains : iterable of str or None
        Domains to keep (case-insensitive); None keeps all.
    max_ambiguous : int
        Drop sequences with more non-ACGT characters than this (counted after region cutting).
    min_length : int
        Drop sequences shorter than this (after region cutting).
    primers : (str, str), optional
        Forward and reverse primer (5'->3', IUPAC) to cut the amplified region out.
    max_mismatch : int
        Mismatches allowed per primer.
    keep_unmatched : bool
        Keep sequences whose primers are not found whole instead of dropping them.
    keep_primers : bool
        Include the primer sites in the cut region.

    Returns
    -------
    records : list of ReferenceRecord
    report : PrepareReport
    """
    from otuflow.classify.region import extract_regions

    keep = {d.lower() for d in domains} if domains else None
    report = PrepareReport()
    ids, seqs, lineages, seen = [], [], [], {}
    for rid, raw, slots, lineno in read_reference(fasta, taxonomy, fmt, silva_ranks):
        report.total += 1
        if rid in seen:
            raise ReferenceFormatError(
                f"{fasta}, line {lineno}: duplicate sequence ID {rid!r} (first at line "
                f"{seen[rid]}); IDs must be unique"
            )
        seen[rid] = lineno
        seq = clean_sequence(raw)
        bad = _NON_IUPAC.search(seq)
        if bad:
            raise ReferenceFormatError(
                f"{fasta}, record {rid!r} (line {lineno}): invalid character {bad.group()!r} "
                "in sequence"
            )
        lineage = _normalise_cached(slots)
        if keep is not None and lineage[0].lower() not in keep:
            report.dropped_domain += 1
            continue
        ids.append(rid)
        seqs.append(seq)
        lineages.append(lineage)
    if primers is not None:
        cut, found = extract_regions(seqs, primers[0], primers[1], max_mismatch=max_mismatch,
                                     keep_primers=keep_primers)
        new_ids, new_seqs, new_lins = [], [], []
        for rid, whole, region, ok, lin in zip(ids, seqs, cut, found, lineages, strict=True):
            if ok:
                new_seqs.append(region)
            elif keep_unmatched:
                report.kept_whole_no_primers += 1
                new_seqs.append(whole)
            else:
                report.dropped_no_primers += 1
                continue
            new_ids.append(rid)
            new_lins.append(lin)
        ids, seqs, lineages = new_ids, new_seqs, new_lins
    records = []
    for rid, seq, lin in zip(ids, seqs, lineages, strict=True):
        if ambiguous_count(seq) > max_ambiguous:
            report.dropped_ambiguous += 1
        elif len(seq) < min_length:
            report.dropped_short += 1
        else:
            records.append(ReferenceRecord(rid, seq, lin))
    report.kept = len(records)
    return records, report


def lineage_string(lineage: Sequence[str]) -> str:
    """Format a lineage as ``d__X;p__Y;...;s__Z``."""
    return ";".join(f"{p}__{n}" for p, n in zip(PREFIXES, lineage, strict=False))


def write_reference(
    records: Sequence[ReferenceRecord],
    fasta_out: str | os.PathLike,
    taxonomy_out: str | os.PathLike,
) -> None:
    """Write a prepared reference: single-line FASTA (``>ID``) and ``Feature ID<TAB>Taxon`` TSV."""
    for p in (fasta_out, taxonomy_out):
        Path(p).parent.mkdir(parents=True, exist_ok=True)
    with (
        atomic_path(fasta_out) as fasta_tmp,
        atomic_path(taxonomy_out) as taxonomy_tmp,
        open(fasta_tmp, "w") as fa,
        open(taxonomy_tmp, "w") as tx,
    ):
        tx.write("Feature ID\tTaxon\n")
        for r in records:
            fa.write(f">{r.id}\n{r.seq}\n")
            tx.write(f"{r.id}\t{lineage_string(r.lineage)}\n")


def load_prepared(
    fasta: str | os.PathLike, taxonomy: str | os.PathLike | None = None, fmt: str = "auto"
) -> list[ReferenceRecord]:
    """Read a reference without filtering (names normalised, sequences cleaned).

    Used to train from a prepared reference, or directly from any supported format.
    """
    records = []
    seen: dict[str, int] = {}
    for rid, raw, slots, lineno in read_reference(fasta, taxonomy, fmt):
        if rid in seen:
            raise ReferenceFormatError(
                f"{fasta}, line {lineno}: duplicate sequence ID {rid!r} (first at line "
                f"{seen[rid]}); IDs must be unique"
            )
        seen[rid] = lineno
        records.append(ReferenceRecord(rid, clean_sequence(raw), _normalise_cached(slots)))
    if not records:
        raise ReferenceFormatError(f"{fasta}: no reference sequences found")
    return records


def write_sintax_reference(records: Sequence[ReferenceRecord], out: str | os.PathLike) -> None:
    """Write records as a SINTAX database FASTA (``>ID;tax=d:..,p:..,...,s:..;``)."""
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp, open(tmp, "w") as fh:
        for r in records:
            tax = ",".join(f"{p}:{n}" for p, n in zip(PREFIXES, r.lineage, strict=False))
            fh.write(f">{r.id};tax={tax};\n{r.seq}\n")
