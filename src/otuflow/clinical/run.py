"""The clinical job: every table and figure of ``results/clinical/`` from the validated inputs."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import pandas as pd

from otuflow.clinical.compare import characteristics_table, measure_tests
from otuflow.clinical.links import genus_host_correlations
from otuflow.clinical.schema import (
    BY_NAME,
    COLUMNS,
    CYTOKINES,
    HOST_MEASURES,
    IMMUNE,
    TABLE1_FIELDS,
    TABLE2_FIELDS,
)
from otuflow.clinical.table import CONTROL, OPIOID, ClinicalTable
from otuflow.plots.clinical import correlation_heatmap, measure_figure
from otuflow.stats._inputs import StatsInputError
from otuflow.stats.adonis import permanova_margin
from otuflow.stats.beta import read_distance_matrix
from otuflow.tsv import write_tsv

PathLike = str | os.PathLike


def column_report(table: ClinicalTable) -> pd.DataFrame:
    """Every column of the clinical table: known (with unit and allowed values) or unknown."""
    rows = [{"column": c.name, "status": "known", "label": c.label, "unit": c.unit,
             "allowed": ", ".join(c.allowed), "present": c.name in table.data.columns,
             "missing_values": int(table.data[c.name].isna().sum())
             if c.name in table.data.columns else len(table.data)}
            for c in COLUMNS]  # fmt: skip
    rows += [{"column": name, "status": "unknown (ignored)", "label": "", "unit": "",
              "allowed": "", "present": True, "missing_values": 0}
             for name in table.unknown_columns]  # fmt: skip
    return pd.DataFrame(rows)


def covariate_permanova(
    table: ClinicalTable, distances: Mapping[str, PathLike], covariates: Sequence[str],
    permutations: int, seed: int,
) -> pd.DataFrame:
    """PERMANOVA ~ group + covariates (marginal terms) for every beta-diversity metric.

    Samples missing a covariate are left out (counted in ``n``); a metric that cannot be tested
    gets a row with the reason in ``note``.
    """
    stool = table.stool
    data = stool[["group", *covariates]]
    rows = []
    for metric, path in distances.items():
        dm = read_distance_matrix(path)
        complete = [s for s in dm.ids if s in data.index and data.loc[s].notna().all()]
        try:
            result = permanova_margin(dm.filter(complete), data, ["group", *covariates],
                                      permutations, seed)  # fmt: skip
        except StatsInputError as error:
            rows.append({"metric": metric, "term": "", "n": len(complete), "note": str(error)})
            continue
        for term, row in result.iterrows():
            rows.append({"metric": metric, "term": term, "n": len(complete), **row.to_dict(),
                         "note": ""})  # fmt: skip
    return pd.DataFrame(rows, columns=["metric", "term", "n", "Df", "SumOfSqs", "R2", "F", "p",
                                       "note"])  # fmt: skip


def run_clinical(
    table: ClinicalTable, genus_table: PathLike, distances: Mapping[str, PathLike],
    outputs: Mapping[str, PathLike], colors: Mapping[str, str] | None, seed: int,
    permutations: int, covariates: Sequence[str] = ("age", "sex"),
    min_prevalence: float = 0.2, min_mean_abundance: float = 0.001,
) -> None:
    """Write every output of :meth:`otuflow.plan.RunPlan.clinical_outputs`.

    Parameters
    ----------
    table : ClinicalTable
        The validated clinical table.
    genus_table : path-like
        Genus x sample counts.
    distances : mapping
        Beta-diversity metric -> distance matrix TSV (rarefied samples).
    outputs : mapping
        Output name -> path (:meth:`otuflow.plan.RunPlan.clinical_outputs`).
    colors : mapping
        Group colours of the config.
    seed, permutations : int
        Seed (jitter, Monte Carlo Fisher tests, permutations) and PERMANOVA permutations.
    covariates : sequence of str
        Covariates of the PERMANOVA beside the group.
    min_prevalence, min_mean_abundance : float
        Genus floors of the correlations.
    """
    data = table.data
    write_tsv(column_report(table), outputs["clinical_columns"])
    write_tsv(characteristics_table(data, TABLE1_FIELDS, "opioid_group", [CONTROL, OPIOID], seed),
              outputs["clinical_table1"])  # fmt: skip
    present = set(table.stool["group"])
    stool_groups = [g for g in ("Opioid-S", "Opioid-T", "Control") if g in present]
    write_tsv(characteristics_table(table.stool, TABLE2_FIELDS, "group", stool_groups, seed),
              outputs["clinical_table2"])  # fmt: skip
    figures = {
        "fig1_cytokines": measure_tests(data, CYTOKINES, "Fig. 1"),
        "fig2_cytokines_by_sex": measure_tests(data, CYTOKINES, "Fig. 2", by_sex=True),
        "fig3_immune_cells": measure_tests(data, IMMUNE, "Fig. 3"),
    }
    write_tsv(pd.concat(figures.values(), ignore_index=True), outputs["clinical_measures"])
    for stem, tests in figures.items():
        measures = IMMUNE if stem.startswith("fig3") else CYTOKINES
        measure_figure(data, tests, measures, colors, os.path.splitext(outputs[f"{stem}_png"])[0],
                       seed, by_sex="by_sex" in stem)  # fmt: skip
    counts = pd.read_csv(genus_table, sep="\t", index_col=0)
    correlations = genus_host_correlations(counts, table.stool, [m for m in HOST_MEASURES
                                                                  if m in data],
                                           min_prevalence, min_mean_abundance)  # fmt: skip
    write_tsv(correlations, outputs["clinical_correlations"])
    correlation_heatmap(correlations, os.path.splitext(outputs["genus_host_heatmap_png"])[0])
    write_tsv(covariate_permanova(table, distances, [c for c in covariates if c in BY_NAME],
                                  permutations, seed), outputs["clinical_permanova"])  # fmt: skip
