"""Snakemake entry point: stop when a sample's reads do not carry the configured primers."""

from otuflow.checks import PrimerCheckError, primer_trimming_table
from otuflow.snakemake_io import log_to
from otuflow.tsv import write_tsv

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    try:
        table = primer_trimming_table(list(sm.input.reports), sm.params.samples,
                                      sm.params.min_fraction)  # fmt: skip
    except PrimerCheckError as error:
        raise ValueError(str(error)) from None
    write_tsv(table, sm.output[0])
    print(table.to_string(index=False))
