"""The ``otuflow`` command line: one sub-command per job, each registered by its own module."""

from __future__ import annotations

import argparse
import importlib
import sys

# Each module exposes ``add_subcommands(subparsers)``; every parser it adds sets ``func``. All are
# imported on every start: a module that fails to import stops the command with that error
# instead of silently dropping its sub-commands.
_COMMAND_MODULES = (
    "otuflow.simulate.cli",
    "otuflow.classify.cli",
)


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level argument parser with the sub-commands of every command module.

    Returns
    -------
    argparse.ArgumentParser
        The ``otuflow`` parser.

    Raises
    ------
    ImportError
        If a module of ``_COMMAND_MODULES`` (or something it needs) cannot be imported.
    """
    from otuflow import __version__

    parser = argparse.ArgumentParser(prog="otuflow", description=__doc__)
    parser.add_argument("--version", action="version", version=f"otuflow {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        importlib.import_module(name).add_subcommands(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``otuflow`` command line and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    # A command lists the options naming the files it reads and writes: never one over another.
    from otuflow.safety import UnsafeOutputError, refuse_outputs_over_inputs

    def option(dest: str) -> str:
        return "--" + dest.replace("_", "-")

    try:
        refuse_outputs_over_inputs(
            {option(d): getattr(args, d) for d in getattr(args, "outputs", ())},
            {option(d): getattr(args, d) for d in getattr(args, "inputs", ())},
        )
    except UnsafeOutputError as error:
        print(f"otuflow {args.command}: error: {error}", file=sys.stderr)
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
