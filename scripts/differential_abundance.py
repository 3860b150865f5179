"""Snakemake entry point: Metastats, STAMP Welch and Wilcoxon per comparison; Kruskal-Wallis."""

import pandas as pd

from otuflow.classify.taxonomy_tables import read_taxonomy_table, summarise_by_rank
from otuflow.otutable import read_otu_tsv
from otuflow.plan import DIFFERENTIAL_TESTS, differential_key
from otuflow.samplesheet import read_group_table
from otuflow.snakemake_io import log_to
from otuflow.stats._inputs import StatsInputError
from otuflow.stats.comparisons import SkippedComparison, too_small
from otuflow.stats.composition import relative_abundance
from otuflow.stats.metastats import metastats
from otuflow.stats.welch import kruskal_by_feature, stamp_welch, wilcoxon_rank_sum
from otuflow.tsv import read_tsv, write_tsv

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    excluded = read_tsv(sm.input.excluded)["sample"].tolist()  # too few reads to count
    table = summarise_by_rank(
        read_otu_tsv(sm.input.table).drop(columns=excluded),
        read_taxonomy_table(sm.input.taxonomy),
        sm.params.rank,
    )
    groups = read_group_table(sm.input.groups).reindex(table.columns)
    write_tsv(table, sm.output.counts, index=True)
    write_tsv(relative_abundance(table), sm.output.relative, index=True)
    summary = []
    skipped = list(sm.params.skipped)
    for planned in sm.params.comparisons:
        cmp = planned.restricted_to(set(table.columns))
        reason = too_small(cmp)
        if reason:  # too few samples left after the exclusions: the tables stay empty
            skipped.append(SkippedComparison(cmp.name_a, cmp.name_b, reason))
            for test in DIFFERENTIAL_TESTS:
                write_tsv(pd.DataFrame(columns=[sm.params.rank, "p", "q"]),
                          sm.output[differential_key(test, cmp)])  # fmt: skip
            continue
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
    for s in skipped:
        summary.append({"comparison": f"{s.name_a} vs {s.name_b}", "skipped": s.reason})
    try:
        kruskal = kruskal_by_feature(table, groups).rename(columns={"feature": sm.params.rank})
    except StatsInputError as error:  # one group left: nothing to compare
        kruskal = pd.DataFrame(columns=[sm.params.rank, "h", "p", "q"])
        summary.append({"comparison": "Kruskal-Wallis (all groups)", "skipped": str(error)})
    write_tsv(kruskal, sm.output.kruskal)
    write_tsv(pd.DataFrame(summary), sm.output.summary)
