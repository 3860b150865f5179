"""Snakemake entry point: every beta-diversity metric in one process (one start-up, the table
and groups read once): distances, PCoA, NMDS and PERMANOVA per metric, then their PERMANOVA
tables stacked into one."""

import pandas as pd

from otuflow.otutable import read_otu_tsv
from otuflow.plan import restrict_comparisons
from otuflow.samplesheet import read_group_table
from otuflow.snakemake_io import log_to
from otuflow.stats._inputs import StatsInputError
from otuflow.stats.beta import (
    PermdispSettings,
    beta_diversity,
    nmds,
    pcoa_table,
    permanova_table,
    write_distance_matrix,
)
from otuflow.tsv import concat_tsv, write_tsv

sm = snakemake  # noqa: F821


def one_metric(metric, rarefied, groups, planned, permdisp, out):
    """Distances, ordinations and PERMANOVA of one metric; ``out`` maps output name -> path."""
    tree = sm.input.tree if "unifrac" in metric else None
    dm = beta_diversity(rarefied, metric, tree)
    write_distance_matrix(dm, out["matrix"])

    coords, explained = pcoa_table(dm)
    coords = coords.iloc[:, : min(5, coords.shape[1])]
    write_tsv(coords.assign(group=groups).rename_axis("sample"), out["pcoa"], index=True)
    summary = [("pcoa", "proportion_explained", axis, explained[axis], "") for axis in coords]
    try:
        configuration, fit = nmds(
            dm, starts=sm.params.nmds_starts, max_starts=sm.params.nmds_max_starts,
            seed=sm.params.seed,
        )  # fmt: skip
        repeated = "" if fit.converged else "best solution not repeated: raise nmds_max_starts"
        summary += [("nmds", "stress_kruskal_1", "", fit.stress, repeated),
                    ("nmds", "best_solution_repeats", "", fit.repeats, ""),
                    ("nmds", "random_starts", "", fit.tries, "")]  # fmt: skip
    except StatsInputError as error:  # too few samples: reported, not fatal
        configuration = pd.DataFrame(index=pd.Index([], name="sample"), columns=["NMDS1", "NMDS2"])
        summary.append(("nmds", "stress_kruskal_1", "", float("nan"), f"skipped: {error}"))
    write_tsv(configuration.assign(group=groups).rename_axis("sample"), out["nmds"], True)
    summary = pd.DataFrame(summary, columns=["method", "statistic", "axis", "value", "note"])
    write_tsv(summary.assign(metric=metric), out["summary"])

    result = permanova_table(dm, groups, sm.params.permutations, sm.params.seed, planned, permdisp)
    result.insert(0, "metric", metric)
    write_tsv(result, out["permanova"])
    print(f"== {metric}\n{result.to_string()}")


with log_to(sm.log[0]):
    rarefied = read_otu_tsv(sm.input.rarefied)
    groups = read_group_table(sm.input.groups).reindex(rarefied.columns)
    planned, _ = restrict_comparisons(sm.params.comparisons, rarefied.columns)
    permdisp = PermdispSettings(sm.params.permdisp_definition, sm.params.permdisp_centre)
    names = ("matrix", "pcoa", "nmds", "summary", "permanova")
    for i, metric in enumerate(sm.params.metrics):
        out = {name: sm.output[name][i] for name in names}
        one_metric(metric, rarefied, groups, planned, permdisp, out)
    concat_tsv(list(sm.output.permanova), sm.output.permanova_all)
