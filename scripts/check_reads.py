"""Snakemake entry point: validate a sample's FASTQ pair and record what it holds."""

import json

from otuflow.atomic import atomic_path
from otuflow.fastq_check import check_fastq_pair
from otuflow.snakemake_io import log_to

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    stats = check_fastq_pair(sm.input.r1, sm.input.r2, sm.wildcards.sample, sm.params.min_length)
    with atomic_path(sm.output[0]) as tmp:
        tmp.write_text(json.dumps(stats.as_dict(), indent=2) + "\n")
    print(stats)
