"""Snakemake entry point: the clinical part (tables, figures, links, PERMANOVA with covariates)."""

from otuflow.clinical.run import run_clinical
from otuflow.clinical.table import read_clinical_table
from otuflow.samplesheet import GroupRule, read_sample_sheet
from otuflow.snakemake_io import log_to

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    rule = GroupRule(sm.params.min_days, sm.params.min_dose_mg_day)
    sheet = read_sample_sheet(sm.input.sheet, rule, tuple(sm.params.groups), check_files=False)
    table = read_clinical_table(sm.input.table, sheet, sm.input.sheet, rule)
    if table.unknown_columns:
        print(f"unknown columns (ignored): {', '.join(table.unknown_columns)}")
    distances = dict(zip(sm.params.metrics, sm.input.distances, strict=True))
    run_clinical(table, sm.input.genus, distances, dict(sm.output.items()), sm.params.colors,
                 sm.params.seed, sm.params.permutations, sm.params.covariates,
                 sm.params.min_prevalence, sm.params.min_mean_abundance)  # fmt: skip
