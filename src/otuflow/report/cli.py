"""``otuflow tool-versions``: record the software versions of a run for the report."""

from __future__ import annotations

import argparse
import sys

from otuflow.report.versions import collect_tool_versions, write_versions


def _tool_versions(args: argparse.Namespace) -> int:
    versions = collect_tool_versions()
    if args.out:
        write_versions(args.out, versions)
    else:
        sys.stdout.write("software\tversion\n")
        sys.stdout.writelines(f"{k}\t{v}\n" for k, v in versions.items())
    return 0


def add_subcommands(subparsers) -> None:
    """Register ``tool-versions`` on the ``otuflow`` command line."""
    p = subparsers.add_parser(
        "tool-versions",
        help="write the versions of vsearch, cutadapt, MAFFT, FastTree, Python and packages",
        description="Versions of the external tools and Python packages (TSV: software, version); "
        "a missing tool is reported as 'not found'.",
    )
    p.add_argument("--out", help="TSV file to write (default: standard output)")
    p.set_defaults(func=_tool_versions)
