"""Snakemake entry point: the cohort's mapped distinct sequences -> OTU table (TSV + BIOM)."""

from otuflow.otutable import build_otu_table, write_biom, write_otu_tsv
from otuflow.snakemake_io import log_to

with log_to(snakemake.log[0]):  # noqa: F821
    table = build_otu_table(
        snakemake.input.otus,  # noqa: F821
        snakemake.input.hits,  # noqa: F821
        list(snakemake.input.derep),  # noqa: F821
        snakemake.params.samples,  # noqa: F821
    )
    write_otu_tsv(table, snakemake.output.tsv)  # noqa: F821
    write_biom(table, snakemake.output.biom)  # noqa: F821
    print(f"{table.shape[0]} OTUs x {table.shape[1]} samples, {int(table.to_numpy().sum())} reads")
