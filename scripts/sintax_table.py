"""Snakemake entry point: vsearch SINTAX output -> the OTU taxonomy table."""

from otuflow.classify.pipeline import taxonomy_from_sintax
from otuflow.classify.taxonomy_tables import write_taxonomy_table
from otuflow.snakemake_io import log_to

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    table = taxonomy_from_sintax(sm.input.otus, sm.input.sintax, sm.params.confidence)
    write_taxonomy_table(table, sm.output[0])
    print(f"{len(table)} OTUs classified with SINTAX")
