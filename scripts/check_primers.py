"""Snakemake entry point: primer trimming per sample; samples without their primers are left out,
and the run stops when the primers do not fit the cohort."""

import sys

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
for _, row in table[table["excluded"] != ""].iterrows():  # on the console, not only in the log
    print(f"WARNING: otuflow: sample {row['sample']} is left out of every analysis: "
          f"{row['excluded']} (listed in {sm.params.excluded_list}).", file=sys.stderr)  # fmt: skip
