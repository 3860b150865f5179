"""Snakemake entry point: Metastats, STAMP Welch and Wilcoxon per comparison; Kruskal-Wallis."""

import pandas as pd

from otuflow.classify.taxonomy_tables import read_taxonomy_table, summarise_by_rank
from otuflow.otutable import read_otu_tsv
from otuflow.plan import DIFFERENTIAL_TESTS, differential_key
from otuflow.samplesheet import read_group_table
from otuflow.snakemake_io import log_to
from otuflow.stats.composition import relative_abundance
from otuflow.stats.metastats import metastats
from otuflow.stats.welch import kruskal_by_feature, stamp_welch, wilcoxon_rank_sum
from otuflow.tsv import write_tsv

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    table = summarise_by_rank(
        read_otu_tsv(sm.input.table), read_taxonomy_table(sm.input.taxonomy), sm.params.rank
    )
    groups = read_group_table(sm.input.groups).reindex(table.columns)
    write_tsv(table, sm.output.counts, index=True)
    write_tsv(relative_abundance(table), sm.output.relative, index=True)
    summary = []
    for cmp in sm.params.comparisons:
        two = cmp.groups()
        counts = table[two.index]
        results = {
            "metastats": metastats(
                counts, two, cmp.name_a, cmp.name_b, sm.params.permutations, sm.params.seed
            ),
            "stamp": stamp_welch(counts, two, cmp.name_a, cmp.name_b, sm.params.confidence),
            "wilcoxon": wilcoxon_rank_sum(counts, two, cmp.name_a, cmp.name_b),
        }
        assert tuple(results) == DIFFERENTIAL_TESTS
        for test, result in results.items():
            result = result.rename(columns={"feature": sm.params.rank})
            write_tsv(result, sm.output[differential_key(test, cmp)])
            summary.append(
                {
                    "comparison": cmp.label,
                    "test": test,
                    "features": len(result),
                    f"q_below_{sm.params.q_threshold}": int(
                        (result["q"] < sm.params.q_threshold).sum()
                    ),
                    "p_below_0.05": int((result["p"] < 0.05).sum()),
                    "skipped": "",
                }
            )
    for s in sm.params.skipped:
        summary.append({"comparison": f"{s.name_a} vs {s.name_b}", "skipped": s.reason})
    kruskal = kruskal_by_feature(table, groups).rename(columns={"feature": sm.params.rank})
    write_tsv(kruskal, sm.output.kruskal)
    write_tsv(pd.DataFrame(summary), sm.output.summary)
