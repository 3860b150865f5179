"""The per-OTU taxonomy table and taxon x sample summaries.

``otu_taxonomy.tsv`` has one row per query (OTU) in input order with columns ``OTU_ID``, then
``<rank>`` and ``<rank>_confidence`` for domain, phylum, class, order, family, genus, species,
then ``taxonomy``:

* ``<rank>`` is the assigned name, or empty when that rank's confidence is below the cut-off
  (ranks are truncated at the first rank below the cut-off, so every deeper rank is empty too);
* ``<rank>_confidence`` is the bootstrap confidence of the best lineage at that rank, reported
  even when below the cut-off; empty for ranks the model was not trained on (species, for a
  genus-level model);
* ``taxonomy`` is the QIIME/SILVA-style string ``d__Bacteria; p__...; g__...`` of the assigned
  ranks, without trailing placeholder names (``<parent>_unclassified``); ``Unassigned`` when not
  even the domain passes.

Queries too short to classify (RDP: < 50 nt or < 42 valid 8-mers) get empty names, confidence
0 and ``Unassigned``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from otuflow.atomic import atomic_path
from otuflow.classify.reference import PREFIXES, RANKS, is_placeholder

UNASSIGNED = "Unassigned"


class TaxonomyTableError(ValueError):
    """An OTU or taxonomy table is malformed or the two do not match."""


def taxonomy_string(names: Sequence[str]) -> str:
    """Return ``d__X; p__Y; ...`` for the assigned names, trailing placeholders dropped."""
    names = [n for n in names if n]
    while names and is_placeholder(names[-1]):
        names.pop()
    if not names:
        return UNASSIGNED
    return "; ".join(f"{PREFIXES[i]}__{n}" for i, n in enumerate(names))


def build_taxonomy_table(
    ids: Sequence[str],
    lineages: Sequence[Sequence[str] | None],
    confidences: np.ndarray,
    cutoff: float,
    model_ranks: Sequence[str] = RANKS[:6],
) -> pd.DataFrame:
    """Assemble the ``otu_taxonomy.tsv`` table.

    Parameters
    ----------
    ids : sequence of str
        Query IDs.
    lineages : sequence
        Best lineage per query (names for ``model_ranks``), or None when unclassified.
    confidences : numpy.ndarray, shape (Q, len(model_ranks))
        Bootstrap confidence per rank.
    cutoff : float
        Names are kept down to the last rank before the first with confidence < cutoff.
    model_ranks : sequence of str
        Ranks the model assigns (domain downwards).

    Returns
    -------
    pandas.DataFrame
    """
    n_model = len(model_ranks)
    rows = []
    for qid, lin, conf in zip(ids, lineages, confidences, strict=True):
        row: dict[str, object] = {"OTU_ID": qid}
        names: list[str] = []
        passing = lin is not None
        for r, rank in enumerate(RANKS):
            if r < n_model:
                c = float(conf[r]) if lin is not None else 0.0
                passing = passing and c >= cutoff
                name = lin[r] if passing else ""
                row[rank] = name
                row[f"{rank}_confidence"] = f"{c:.4f}".rstrip("0").rstrip(".") if c else "0"
                names.append(name)
            else:
                row[rank] = ""
                row[f"{rank}_confidence"] = ""
        row["taxonomy"] = taxonomy_string(names)
        rows.append(row)
    columns = ["OTU_ID"] + [c for r in RANKS for c in (r, f"{r}_confidence")] + ["taxonomy"]
    return pd.DataFrame(rows, columns=columns)


def write_taxonomy_table(table: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write the taxonomy table as TSV (``\\n`` line ends, no index)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep="\t", index=False, lineterminator="\n")


def read_taxonomy_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read an ``otu_taxonomy.tsv`` file (names as strings, empty for unassigned)."""
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    missing = [c for c in ["OTU_ID", *RANKS] if c not in table.columns]
    if missing:
        raise TaxonomyTableError(f"{path}: missing column(s) {missing}; expected otu_taxonomy.tsv")
    return table


def read_otu_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read an OTU table TSV (first column ``OTU_ID``, then integer counts per sample)."""
    table = pd.read_csv(path, sep="\t", dtype={0: str}, comment=None)
    if table.columns[0] not in ("OTU_ID", "#OTU ID", "#OTU_ID", "OTU ID"):
        raise TaxonomyTableError(
            f"{path}: first column must be 'OTU_ID', found {table.columns[0]!r}"
        )
    table = table.rename(columns={table.columns[0]: "OTU_ID"}).set_index("OTU_ID")
    for col in table.columns:
        if not pd.api.types.is_integer_dtype(table[col]):
            raise TaxonomyTableError(
                f"{path}: sample column {col!r} must hold integer counts"
            )
    return table


def rank_labels(taxonomy: pd.DataFrame, rank: str) -> pd.Series:
    """Label every OTU at ``rank``: its name, else ``<deepest assigned name>_unclassified``.

    OTUs with no name even at domain are labelled ``Unassigned``.
    """
    if rank not in RANKS:
        raise ValueError(f"rank must be one of {RANKS}, got {rank!r}")
    depth = RANKS.index(rank)
    labels = []
    for row in taxonomy[list(RANKS[: depth + 1])].itertuples(index=False):
        names = ["" if (isinstance(v, float) or v is None) else str(v) for v in row]
        if names[depth]:
            labels.append(names[depth])
            continue
        parent = next((n for n in reversed(names[:depth]) if n and not is_placeholder(n)), None)
        labels.append(f"{parent}_unclassified" if parent else UNASSIGNED)
    return pd.Series(labels, index=taxonomy.index, name=rank)


def summarise_by_rank(otu_table: pd.DataFrame, taxonomy: pd.DataFrame, rank: str) -> pd.DataFrame:
    """Sum OTU counts per taxon at ``rank``.

    Parameters
    ----------
    otu_table : pandas.DataFrame
        Counts, OTUs x samples; OTU IDs in an ``OTU_ID`` column or the index.
    taxonomy : pandas.DataFrame
        ``otu_taxonomy.tsv`` table (``OTU_ID`` column or index, rank columns).
    rank : str
        One of domain ... species.

    Returns
    -------
    pandas.DataFrame
        Taxon x sample integer counts, index named ``rank``; OTUs unassigned at ``rank`` are
        pooled as ``<deepest assigned name>_unclassified`` (placeholder names in the reference
        are already of that form) and OTUs without any assignment as ``Unassigned``. Rows are
        sorted by decreasing total count, then name.

    Raises
    ------
    TaxonomyTableError
        If an OTU of the table has no taxonomy row.
    """
    counts = otu_table.set_index("OTU_ID") if "OTU_ID" in otu_table.columns else otu_table
    tax = taxonomy.set_index("OTU_ID") if "OTU_ID" in taxonomy.columns else taxonomy
    tax = tax.fillna("")
    missing = counts.index.difference(tax.index)
    if len(missing):
        raise TaxonomyTableError(
            f"{len(missing)} OTU(s) of the OTU table have no taxonomy, e.g. {list(missing[:5])}; "
            "classify the same OTU set"
        )
    labels = rank_labels(tax.loc[counts.index], rank)
    summed = counts.groupby(labels.values, sort=False).sum()
    summed.index.name = rank
    order = sorted(summed.index, key=lambda t: (-int(summed.loc[t].sum()), t))
    return summed.loc[order].astype("int64")


def write_count_table(table: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a taxon x sample table as TSV."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep="\t", lineterminator="\n")
