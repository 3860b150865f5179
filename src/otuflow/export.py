"""Write a run's results in the formats QIIME 2, phyloseq (R) and mothur read as they are.

Each client gets its own folder below ``export/`` (paths in :data:`otuflow.plan.RESULT_FILES`):

- ``qiime2/``: the OTU table as HDF5 BIOM with a table type (``FeatureTable[Frequency]``), the
  taxonomy with the ``Feature ID``/``Taxon``/``Confidence`` header (``FeatureData[Taxonomy]``),
  sample metadata with a ``sample-id`` column, upper-case sequences and alignment
  (``FeatureData[Sequence]``/``FeatureData[AlignedSequence]``) and the rooted tree
  (``Phylogeny[Rooted]``). QIIME 2 reads Newick through scikit-bio, which turns an unquoted
  ``_`` into a space, so this tree keeps the quotes around names with underscores.
- ``phyloseq/``: one BIOM JSON file (R's biomformat cannot read HDF5) holding counts, taxonomy
  and sample data, the rooted tree with unquoted tip labels (ape's ``read.tree`` would keep the
  quotes) and ``load_phyloseq.R``, which builds the phyloseq object in one ``import_biom`` call.
- ``mothur/``: a ``.shared`` file, a ``.cons.taxonomy`` and a design file (sample -> group).
  mothur refuses group names with ``-`` and a few other characters, so samples and groups are
  renamed where needed; ``sample_names.tsv`` lists every name next to the one mothur sees.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
from skbio import TreeNode

from otuflow import __version__
from otuflow.atomic import atomic_path
from otuflow.classify.reference import RANKS
from otuflow.classify.taxonomy_tables import UNASSIGNED
from otuflow.fastx import read_fasta
from otuflow.otutable import BIOM_CREATION_DATE, BIOM_TABLE_TYPE, read_otu_tsv, write_biom

#: Rank names of the phyloseq taxonomy table (the classifier's ranks, capitalised).
PHYLOSEQ_RANKS = tuple(rank.capitalize() for rank in RANKS)

# Characters mothur accepts in group (sample) and treatment names; others become "_".
_MOTHUR_UNSAFE = re.compile(r"[^A-Za-z0-9_.]")
# A quoted Newick label that needs no quotes for ape (no space, quote or Newick punctuation).
_QUOTED_PLAIN_LABEL = re.compile(r"'([A-Za-z0-9_.|+-]+)'")


def _write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def _tsv_text(table: pd.DataFrame) -> str:
    return table.to_csv(sep="\t", index=False, lineterminator="\n")


# --- shared inputs -------------------------------------------------------------------------


def read_taxonomy(path: str | os.PathLike, otus: Sequence[str]) -> pd.DataFrame:
    """The ``otu_taxonomy.tsv`` table for ``otus`` (in that order), names as strings.

    Raises
    ------
    ValueError
        If an OTU of the table has no taxonomy row (naming the file and the OTU).
    """
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False).set_index("OTU_ID")
    missing = [otu for otu in otus if otu not in table.index]
    if missing:
        raise ValueError(f"{path}: no taxonomy for OTU(s) {missing[:5]}; rerun classify_otus")
    return table.loc[list(otus)]


def assigned_lineage(row: pd.Series) -> list[tuple[str, str, float]]:
    """(rank, name, confidence) of the ranks assigned to one OTU, domain downwards."""
    lineage = []
    for rank in RANKS:
        name = row.get(rank, "")
        if not name:
            break
        confidence = row.get(f"{rank}_confidence", "")
        lineage.append((rank, name, float(confidence) if confidence else float("nan")))
    return lineage


def _first_confidence(row: pd.Series) -> float:
    value = row.get(f"{RANKS[0]}_confidence", "")
    return float(value) if value else 0.0


# --- QIIME 2 -----------------------------------------------------------------------------


def qiime2_taxonomy(taxonomy: pd.DataFrame) -> pd.DataFrame:
    """``Feature ID``, ``Taxon`` (``d__X; p__Y; ...``) and ``Confidence`` per OTU.

    The confidence is the bootstrap support of the deepest assigned rank (of the domain for an
    unassigned OTU), as QIIME 2's classifiers report it.
    """
    rows = []
    for otu, row in taxonomy.iterrows():
        lineage = assigned_lineage(row)
        confidence = lineage[-1][2] if lineage else _first_confidence(row)
        taxon = row["taxonomy"] if lineage else UNASSIGNED
        rows.append({"Feature ID": otu, "Taxon": taxon, "Confidence": f"{confidence:g}"})
    return pd.DataFrame(rows, columns=["Feature ID", "Taxon", "Confidence"])


def qiime2_metadata(groups: pd.DataFrame) -> pd.DataFrame:
    """The sample table with its ID column named ``sample-id`` (every other column kept)."""
    return groups.rename(columns={"sample": "sample-id"})


def write_upper_fasta(source: str | os.PathLike, out: str | os.PathLike) -> int:
    """Copy a FASTA file with upper-case sequences on one line each; return the record count."""
    lines = []
    for record in read_fasta(source):
        lines += [f">{record.header}", record.sequence.upper()]
    _write_text(out, "\n".join(lines) + "\n" if lines else "")
    return len(lines) // 2


# --- trees -------------------------------------------------------------------------------


def read_tree(path: str | os.PathLike) -> TreeNode:
    """A Newick tree with its labels as written (underscores kept)."""
    with open(path) as handle:
        return TreeNode.read(handle, format="newick", convert_underscores=False)


def newick_text(tree: TreeNode, quote_labels: bool) -> str:
    """The tree as one Newick line.

    scikit-bio quotes every label with an underscore. ``quote_labels=False`` drops the quotes of
    labels that need none (letters, digits and ``_.|+-``), which ape's ``read.tree`` keeps.
    """
    handle = io.StringIO()
    tree.write(handle, format="newick")
    text = handle.getvalue()
    return text if quote_labels else _QUOTED_PLAIN_LABEL.sub(r"\1", text)


# --- phyloseq ------------------------------------------------------------------------------


def phyloseq_biom_json(
    counts: pd.DataFrame, taxonomy: pd.DataFrame, groups: pd.DataFrame, table_id: str = "otuflow"
) -> str:
    """BIOM 1.0 JSON with taxonomy (observation) and sample metadata, fixed date, sorted keys.

    Taxonomy lists hold the assigned names, domain downwards (``["Unassigned"]`` for an OTU
    with none); sample metadata every column of ``groups`` but ``sample``, as text.
    """
    import biom

    observation_metadata = []
    for _, row in taxonomy.iterrows():
        names = [name for _, name, _ in assigned_lineage(row)]
        observation_metadata.append({"taxonomy": names or [UNASSIGNED]})
    meta = groups.set_index("sample").reindex(counts.columns)
    sample_metadata = [
        {column: "" if pd.isna(value) else str(value) for column, value in values.items()}
        for _, values in meta.iterrows()
    ]
    table = biom.Table(
        counts.to_numpy(), list(counts.index), list(counts.columns),
        observation_metadata=observation_metadata, sample_metadata=sample_metadata,
        table_id=table_id, type=BIOM_TABLE_TYPE,
    )  # fmt: skip
    document = json.loads(table.to_json(f"otuflow {__version__}"))
    document["date"] = BIOM_CREATION_DATE.isoformat()  # byte-identical reruns
    return json.dumps(document, sort_keys=True, indent=1) + "\n"


def phyloseq_script(biom_name: str, tree_name: str, sequences: str) -> str:
    """``load_phyloseq.R``: builds ``physeq`` from the files beside it in one call."""
    ranks = ", ".join(f'"{rank}"' for rank in PHYLOSEQ_RANKS)
    return f"""\
# Written by otuflow {__version__}. Builds the phyloseq object `physeq` (OTU counts, taxonomy,
# sample data, rooted tree, OTU sequences) from the files beside this script:
#   R> source("load_phyloseq.R", chdir = TRUE)    # chdir: read the files from this folder
# or from a shell:  Rscript -e 'source("load_phyloseq.R", chdir = TRUE); print(physeq)'
suppressPackageStartupMessages(library(phyloseq))
physeq <- import_biom(
  "{biom_name}",
  treefilename = "{tree_name}",
  refseqfilename = "{sequences}",
  parseFunction = parse_taxonomy_default
)
# parse_taxonomy_default names the ranks Rank1, Rank2, ...: give them their names.
colnames(tax_table(physeq)) <- c({ranks})[seq_len(ncol(tax_table(physeq)))]
"""


# --- mothur ---------------------------------------------------------------------------------


def mothur_names(names: Sequence[str], what: str) -> dict[str, str]:
    """Name -> a name mothur accepts (characters other than letters, digits, ``_`` and ``.``
    become ``_``).

    Raises
    ------
    ValueError
        If two names would become the same (naming both).
    """
    renamed: dict[str, str] = {}
    taken: dict[str, str] = {}
    for name in names:
        safe = _MOTHUR_UNSAFE.sub("_", str(name))
        if safe in taken and taken[safe] != name:
            raise ValueError(
                f"{what} names {taken[safe]!r} and {name!r} would both be {safe!r} in mothur's "
                "files (mothur allows letters, digits, _ and . only): rename one"
            )
        taken[safe] = name
        renamed[name] = safe
    return renamed


def mothur_shared(counts: pd.DataFrame, sample_names: Mapping[str, str], label: str) -> str:
    """A mothur ``.shared`` file: one row per sample, one column per OTU."""
    header = ["label", "Group", "numOtus", *counts.index]
    lines = ["\t".join(header)]
    for sample in counts.columns:
        values = counts[sample].astype(int).astype(str).tolist()
        lines.append("\t".join([label, sample_names[sample], str(len(counts)), *values]))
    return "\n".join(lines) + "\n"


def mothur_taxonomy(counts: pd.DataFrame, taxonomy: pd.DataFrame) -> str:
    """A ``.cons.taxonomy`` file: OTU, size (reads) and ``Name(confidence %);...;``.

    Ranks below the deepest assigned one are filled with ``<name>_unclassified`` down to the
    deepest rank any OTU reaches, as mothur's classify.otu does.
    """
    lineages = {otu: assigned_lineage(row) for otu, row in taxonomy.iterrows()}
    depth = max((len(lineage) for lineage in lineages.values()), default=0) or 1
    lines = ["OTU\tSize\tTaxonomy"]
    for otu in counts.index:
        lineage = lineages[otu]
        parts = [f"{name}({round(100 * conf) if conf == conf else 100})"
                 for _, name, conf in lineage]  # fmt: skip
        fill = f"{lineage[-1][1]}_unclassified" if lineage else "unknown"
        parts += [f"{fill}(100)" if lineage else f"{fill}(0)"] * (depth - len(lineage))
        lines.append(f"{otu}\t{int(counts.loc[otu].sum())}\t{';'.join(parts)};")
    return "\n".join(lines) + "\n"


def mothur_design(groups: pd.DataFrame, samples: Mapping[str, str],
                  treatments: Mapping[str, str]) -> str:  # fmt: skip
    """A mothur design file (header ``group<TAB>treatment``; one sample per line)."""
    lines = ["group\ttreatment"]
    for sample, group in zip(groups["sample"], groups["group"].astype(str), strict=True):
        lines.append(f"{samples[sample]}\t{treatments[group]}")
    return "\n".join(lines) + "\n"


def otu_label(identity: float) -> str:
    """mothur's distance label of OTUs clustered at ``identity`` (0.97 -> ``0.03``)."""
    return f"{round(1 - float(identity), 6):g}"


# --- all clients ----------------------------------------------------------------------------


def export_for_clients(
    inputs: Mapping[str, str | os.PathLike],
    outputs: Mapping[str, str | os.PathLike],
    identity: float,
) -> None:
    """Write every client file.

    Parameters
    ----------
    inputs : mapping
        ``otu_table`` (TSV), ``otu_taxonomy``, ``groups``, ``otus`` (FASTA), ``alignment``
        (FASTA) and ``tree`` (rooted Newick).
    outputs : mapping
        A path for every key of :data:`otuflow.plan.EXPORT_FILES`.
    identity : float
        OTU clustering identity (mothur's label).

    Raises
    ------
    ValueError
        If the inputs disagree (an OTU without taxonomy, a table sample without a group), or
        two names collide once made safe for mothur.
    """
    counts = read_otu_tsv(inputs["otu_table"])
    taxonomy = read_taxonomy(inputs["otu_taxonomy"], list(counts.index))
    # As text: every value reaches the clients as written (no 3 -> 3.0).
    groups = pd.read_csv(inputs["groups"], sep="\t", dtype=str, keep_default_na=False)
    lost = [s for s in counts.columns if s not in set(groups["sample"])]
    if lost:
        raise ValueError(f"{inputs['groups']}: no group for sample(s) {lost} of the OTU table")
    groups = groups.set_index("sample", drop=False).loc[list(counts.columns)]
    tree = read_tree(inputs["tree"])
    tips = {tip.name for tip in tree.tips()}
    if tips != set(counts.index):
        raise ValueError(f"{inputs['tree']}: its tips are not the OTUs of {inputs['otu_table']}")

    write_biom(counts, outputs["qiime2_table"])
    _write_text(outputs["qiime2_taxonomy"], _tsv_text(qiime2_taxonomy(taxonomy)))
    _write_text(outputs["qiime2_metadata"], _tsv_text(qiime2_metadata(groups)))
    write_upper_fasta(inputs["otus"], outputs["qiime2_sequences"])
    write_upper_fasta(inputs["alignment"], outputs["qiime2_alignment"])
    _write_text(outputs["qiime2_tree"], newick_text(tree, quote_labels=True))

    _write_text(outputs["phyloseq_biom"], phyloseq_biom_json(counts, taxonomy, groups))
    _write_text(outputs["phyloseq_tree"], newick_text(tree, quote_labels=False))
    _write_text(outputs["phyloseq_script"], phyloseq_script(
        Path(outputs["phyloseq_biom"]).name, Path(outputs["phyloseq_tree"]).name,
        os.path.relpath(outputs["qiime2_sequences"], Path(outputs["phyloseq_script"]).parent),
    ))  # fmt: skip

    samples = mothur_names(list(counts.columns), "sample")
    treatments = mothur_names(sorted(set(groups["group"])), "group")
    _write_text(outputs["mothur_shared"], mothur_shared(counts, samples, otu_label(identity)))
    _write_text(outputs["mothur_taxonomy"], mothur_taxonomy(counts, taxonomy))
    _write_text(outputs["mothur_design"], mothur_design(groups, samples, treatments))
    names = pd.DataFrame(
        [("sample", k, v) for k, v in samples.items()]
        + [("group", k, v) for k, v in treatments.items()],
        columns=["kind", "otuflow", "mothur"],
    )
    _write_text(outputs["mothur_names"], _tsv_text(names))
