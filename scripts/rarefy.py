"""Snakemake entry point: rarefy the OTU table to an even depth; list the samples dropped."""

import pandas as pd

from otuflow.otutable import read_otu_tsv
from otuflow.snakemake_io import log_to
from otuflow.stats.alpha import choose_depth, rarefy
from otuflow.tsv import read_tsv, write_tsv

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    table = read_otu_tsv(sm.input.table)
    totals = table.sum()
    # Samples left out of every analysis (qc/excluded_samples.tsv) never set or reach the depth.
    excluded = read_tsv(sm.input.excluded).set_index("sample")["reason"]
    table = table.drop(columns=excluded.index)
    depth = choose_depth(table, sm.params.depth, sm.params.floor)
    rarefied, dropped = rarefy(table, depth, seed=sm.params.seed)
    write_tsv(rarefied, sm.output.table, index=True)
    reasons = {s: f"excluded from the analyses: {r}" for s, r in excluded.items()}
    reasons.update({s: f"fewer reads than the rarefaction depth ({depth})" for s in dropped})
    order = [s for s in totals.index if s in reasons]  # sheet order
    write_tsv(
        pd.DataFrame(
            {
                "sample": order,
                "reads": [int(totals[s]) for s in order],
                "depth": depth,
                "reason": [reasons[s] for s in order],
            }
        ),
        sm.output.dropped,
    )
    print(f"rarefied {rarefied.shape[1]} samples to {depth} reads; dropped: {order or 'none'}")
