"""Rule helper: stop when too few read pairs of a sample carried the primers."""

import argparse
import sys

from otuflow.checks import PrimerCheckError, check_trimming

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--report", required=True, help="cutadapt JSON report")
parser.add_argument("--sample", required=True)
parser.add_argument("--min-fraction", type=float, default=0.2)
args = parser.parse_args()
try:
    fraction = check_trimming(args.report, args.sample, args.min_fraction)
except PrimerCheckError as error:
    sys.exit(f"ERROR: {error}")
print(f"sample {args.sample}: {fraction:.1%} of read pairs kept after primer trimming")
