"""Snakemake entry point: the sample -> group table."""

from otuflow.atomic import atomic_path
from otuflow.samplesheet import GroupRule, read_sample_sheet, write_group_table
from otuflow.snakemake_io import log_to

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    sheet = read_sample_sheet(
        sm.input[0],
        GroupRule(sm.params.min_days, sm.params.min_dose_mg_day),
        tuple(sm.params.groups),
    )
    with atomic_path(sm.output[0]) as tmp:
        write_group_table(sheet, tmp)
    print(sheet["group"].value_counts().to_string())
