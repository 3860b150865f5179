"""Snakemake entry point: rarefy the OTU table to an even depth; list the samples dropped."""

import pandas as pd

from otuflow.otutable import read_otu_tsv
from otuflow.snakemake_io import log_to
from otuflow.stats.alpha import choose_depth, rarefy
from otuflow.tsv import write_tsv

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    table = read_otu_tsv(sm.input.table)
    depth = choose_depth(table, sm.params.depth, sm.params.floor)
    rarefied, dropped = rarefy(table, depth, seed=sm.params.seed)
    write_tsv(rarefied, sm.output.table, index=True)
    totals = table.sum()
    write_tsv(
        pd.DataFrame(
            {
                "sample": dropped,
                "reads": [int(totals[s]) for s in dropped],
                "depth": depth,
                "reason": f"fewer reads than the rarefaction depth ({depth})",
            }
        ),
        sm.output.dropped,
    )
    print(f"rarefied {rarefied.shape[1]} samples to {depth} reads; dropped: {dropped or 'none'}")
