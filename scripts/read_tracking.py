"""Snakemake entry point: the per-sample read-tracking table and the samples left out."""

import sys

from otuflow.atomic import atomic_path
from otuflow.otutable import read_otu_tsv
from otuflow.snakemake_io import log_to
from otuflow.tracking import excluded_samples, read_tracking_table
from otuflow.tsv import read_tsv, write_tsv

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    primers = read_tsv(sm.input.primers)
    earlier = dict(zip(primers["sample"], primers["excluded"].fillna(""), strict=True))
    table = read_tracking_table(
        sm.params.samples,
        list(sm.input.reports),
        list(sm.input.merged),
        list(sm.input.filtered),
        read_otu_tsv(sm.input.table),
        sm.params.max_step_loss,
        sm.params.min_mapped_reads,
        earlier,
        sm.params.feature,
    )
    with atomic_path(sm.output.table) as tmp:
        table.to_csv(tmp, sep="\t", index=False, lineterminator="\n")
    excluded = excluded_samples(
        table.set_index("sample")["mapped"], sm.params.min_mapped_reads, earlier
    )
    write_tsv(excluded, sm.output.excluded)
    for _, row in table[table["warning"] != ""].iterrows():
        print(f"WARNING: sample {row['sample']}: {row['warning']}", file=sys.stderr)
