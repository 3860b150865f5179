"""Taxonomic classification of 16S sequences: the RDP naive Bayesian classifier, reference
preparation (SILVA / SINTAX / DADA2 / TSV formats, region extraction) and taxon tables.

Public API
----------
prepare_reference, write_reference, load_prepared
    Read, normalise and filter references (:mod:`otuflow.classify.reference`).
extract_regions
    Primer-based region cutting (:mod:`otuflow.classify.region`).
train, save_model, load_model, RDPModel
    The classifier model (:mod:`otuflow.classify.model`).
classify_sequences
    Classification with bootstrap confidence (:mod:`otuflow.classify.bayes`).
classify_fasta, train_from_files, cached_model_path, classify_sintax
    File-level entry points (:mod:`otuflow.classify.pipeline`).
summarise_by_rank, build_taxonomy_table
    Output tables (:mod:`otuflow.classify.taxonomy_tables`).
"""

from otuflow.classify.bayes import Classification, classify_sequences
from otuflow.classify.model import RANKS, RDPModel, load_model, save_model, train
from otuflow.classify.pipeline import (
    cached_model_path,
    classify_fasta,
    classify_sintax,
    read_queries,
    sintax_database,
    train_from_files,
)
from otuflow.classify.reference import (
    ReferenceRecord,
    load_prepared,
    normalise_lineage,
    prepare_reference,
    write_reference,
)
from otuflow.classify.region import extract_regions
from otuflow.classify.taxonomy_tables import build_taxonomy_table, summarise_by_rank

__all__ = [
    "RANKS", "Classification", "RDPModel", "ReferenceRecord", "build_taxonomy_table",
    "cached_model_path", "classify_fasta", "classify_sequences", "classify_sintax",
    "extract_regions", "load_model", "load_prepared", "normalise_lineage", "prepare_reference",
    "read_queries", "save_model", "sintax_database", "summarise_by_rank", "train",
    "train_from_files", "write_reference",
]
