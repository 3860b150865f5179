"""Snakemake entry point: the per-sample read-tracking table."""

import sys

from otuflow.atomic import atomic_path
from otuflow.otutable import read_otu_tsv
from otuflow.snakemake_io import log_to
from otuflow.tracking import read_tracking_table

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    table = read_tracking_table(
        sm.params.samples,
        list(sm.input.reports),
        list(sm.input.merged),
        list(sm.input.filtered),
        read_otu_tsv(sm.input.table),
        sm.params.max_step_loss,
    )
    with atomic_path(sm.output[0]) as tmp:
        table.to_csv(tmp, sep="\t", index=False, lineterminator="\n")
    for _, row in table[table["warning"] != ""].iterrows():
        print(f"WARNING: sample {row['sample']}: {row['warning']}", file=sys.stderr)
