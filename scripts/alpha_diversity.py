"""Snakemake entry point: alpha diversity per sample, group tests, rarefaction curves."""

import pandas as pd

from otuflow.otutable import read_otu_tsv
from otuflow.plan import restrict_comparisons
from otuflow.samplesheet import read_group_table
from otuflow.snakemake_io import log_to
from otuflow.stats.alpha import alpha_diversity, compare_alpha, rarefaction_curves
from otuflow.tsv import write_tsv

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    rarefied = read_otu_tsv(sm.input.rarefied)
    groups = read_group_table(sm.input.groups)
    alpha = alpha_diversity(rarefied, shannon_base=sm.params.base)
    alpha.insert(0, "group", groups.reindex(alpha.index))
    write_tsv(alpha, sm.output.alpha, index=True)

    in_analysis = groups.reindex(rarefied.columns)
    planned, skipped = restrict_comparisons(sm.params.comparisons, rarefied.columns)
    skipped = [*sm.params.skipped, *skipped]
    tests = []
    for metric in alpha.columns.drop(["group", "depth"], errors="ignore"):
        result = compare_alpha(
            alpha[metric], in_analysis, sm.params.permutations, sm.params.seed, planned
        )
        result.insert(0, "metric", metric)
        tests.append(result)
    tests = pd.concat(tests, ignore_index=True)
    skipped_rows = [
        {"comparison": f"{s.name_a} vs {s.name_b}", "skipped": s.reason} for s in skipped
    ]
    if skipped_rows:
        tests = pd.concat([tests, pd.DataFrame(skipped_rows)], ignore_index=True)
    write_tsv(tests, sm.output.tests)

    curves = rarefaction_curves(
        read_otu_tsv(sm.input.table),
        steps=sm.params.steps,
        iterations=sm.params.iterations,
        seed=sm.params.seed,
        shannon_base=sm.params.base,
    )
    write_tsv(curves, sm.output.curves)
