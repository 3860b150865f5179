"""Snakemake entry point: run one `otuflow` command with the arguments in params.args."""

from otuflow.cli import main
from otuflow.snakemake_io import log_to

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    args = [str(a) for a in sm.params.args]
    print("otuflow", " ".join(args))
    status = main(args)
if status:
    with open(sm.log[0]) as handle:
        last = handle.read().strip().splitlines()[-1:]
    raise SystemExit(f"otuflow {args[0]} failed: {' '.join(last)} (log: {sm.log[0]})")
