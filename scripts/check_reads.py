"""Rule helper: validate a sample's FASTQ pair and record what it holds (JSON).

A plain command (not a Snakemake ``script:``) so that the job, run once per sample, starts in a
fraction of the time: it imports only the FASTQ check.
"""

import argparse
import json
import sys

from otuflow.atomic import atomic_path
from otuflow.fastq_check import FastqError, check_fastq_pair

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--r1", required=True)
parser.add_argument("--r2", required=True)
parser.add_argument("--sample", required=True)
parser.add_argument("--min-length", type=int, default=1)
parser.add_argument("--out", required=True, help="JSON summary to write")
args = parser.parse_args()
try:
    stats = check_fastq_pair(args.r1, args.r2, args.sample, args.min_length)
except FastqError as error:
    sys.exit(f"ERROR: {error}")
with atomic_path(args.out) as tmp:
    tmp.write_text(json.dumps(stats.as_dict(), indent=2) + "\n")
print(stats)
