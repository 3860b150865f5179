"""Snakemake entry point: the files QIIME 2, phyloseq and mothur read as they are."""

from otuflow.export import export_for_clients
from otuflow.snakemake_io import log_to

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    export_for_clients(dict(sm.input.items()), dict(sm.output.items()), sm.params.identity)
    print("wrote " + ", ".join(sm.output))
