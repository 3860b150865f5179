"""Snakemake entry point: relative abundance per phylum and genus, top-N tables, group means."""


from otuflow.samplesheet import read_group_table
from otuflow.snakemake_io import log_to
from otuflow.stats.composition import group_means, relative_abundance, top_n_with_other
from otuflow.tsv import read_tsv, write_tsv

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    groups = read_group_table(sm.input.groups)
    excluded = read_tsv(sm.input.excluded)["sample"].tolist()  # too few reads to count
    for rank, top in (("genus", sm.params.top_genera), ("phylum", sm.params.top_phyla)):
        counts = read_tsv(sm.input[rank], index_col=0).drop(columns=excluded)
        rel = relative_abundance(counts)
        write_tsv(rel, sm.output[rank], index=True)
        write_tsv(top_n_with_other(rel, n=top), sm.output[f"{rank}_top"], index=True)
        write_tsv(group_means(rel, groups), sm.output[f"{rank}_groups"], index=True)
