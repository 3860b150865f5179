"""``otuflow simulate``: write a simulated cohort with reads, reference and ground truth."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from otuflow.simulate.cohort import CohortExistsError, existing_cohort_problem, simulate_cohort
from otuflow.simulate.params import CohortParams


def _group_sizes(text: str) -> tuple[int, int, int]:
    parts = text.split(",")
    try:
        sizes = tuple(int(p) for p in parts)
    except ValueError:
        sizes = ()
    if len(sizes) != 3 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give three positive whole numbers for Control,Opioid-S,Opioid-T, "
            "e.g. 7,10,8"
        )
    return sizes  # type: ignore[return-value]


def add_subcommands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``otuflow simulate``.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The top-level sub-command collection.
    """
    parser = subparsers.add_parser(
        "simulate",
        help="simulate a paired-end V3-V4 cohort with known truth",
        description=__doc__,
    )
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    parser.add_argument("--seed", type=int, default=42, help="master seed (default 42)")
    parser.add_argument(
        "--samples-per-group",
        type=_group_sizes,
        default=(7, 10, 8),
        metavar="C,S,T",
        help="samples in Control,Opioid-S,Opioid-T (default 7,10,8)",
    )
    parser.add_argument(
        "--pairs-per-sample", type=int, default=5000, help="read pairs per sample (default 5000)"
    )
    parser.add_argument(
        "--force", action="store_true",
        help="replace an output folder holding an earlier simulated cohort",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``otuflow simulate`` and return the exit status."""
    try:
        params = CohortParams(args.seed, args.samples_per_group, args.pairs_per_sample)
        out: Path = args.out
        if not args.force and out.is_dir() and any(out.iterdir()):
            if existing_cohort_problem(out, params) is None:
                print(f"{out} already holds this cohort (same parameters); reusing it.")
                return 0
        start = time.perf_counter()
        simulate_cohort(
            out, params.seed, params.samples_per_group, params.pairs_per_sample, force=args.force
        )
    except (CohortExistsError, ValueError) as exc:
        print(f"otuflow simulate: error: {exc}", file=sys.stderr)
        return 2
    n = sum(params.samples_per_group)
    print(
        f"Simulated {n} samples x {params.pairs_per_sample} pairs into {out} "
        f"in {time.perf_counter() - start:.1f} s (sample sheet: {out / 'samples.tsv'})."
    )
    return 0
