"""The ``otuflow`` command line registers every command module and fails loudly if one breaks."""

from __future__ import annotations

import sys

import pytest

from otuflow import cli


@pytest.fixture
def fake_commands(tmp_path, monkeypatch):
    """A package ``fakecmds`` with a working command module and one whose import fails."""
    package = tmp_path / "fakecmds"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "good.py").write_text(
        "def add_subcommands(subparsers):\n"
        "    p = subparsers.add_parser('hello')\n"
        "    p.set_defaults(func=lambda args: 7)\n"
    )
    (package / "broken.py").write_text(
        "import otuflow_missing_dependency  # noqa\n"
        "def add_subcommands(subparsers):\n"
        "    subparsers.add_parser('never')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "fakecmds"
    for name in [m for m in sys.modules if m.startswith("fakecmds")]:
        del sys.modules[name]


def _commands(parser) -> set[str]:
    (action,) = [a for a in parser._actions if a.dest == "command"]
    return set(action.choices)


def test_every_command_module_is_registered():
    commands = _commands(cli.build_parser())
    assert {"simulate", "prepare-reference", "fetch-silva", "train", "classify", "sintax",
            "taxa-tables"} <= commands  # fmt: skip


def test_working_module_runs(fake_commands, monkeypatch):
    monkeypatch.setattr(cli, "_COMMAND_MODULES", (f"{fake_commands}.good",))
    assert _commands(cli.build_parser()) == {"hello"}
    assert cli.main(["hello"]) == 7


def test_failing_dependency_of_a_command_module_is_raised(fake_commands, monkeypatch):
    monkeypatch.setattr(cli, "_COMMAND_MODULES", (f"{fake_commands}.good",
                                                  f"{fake_commands}.broken"))  # fmt: skip
    with pytest.raises(ModuleNotFoundError) as info:
        cli.main(["hello"])
    assert info.value.name == "otuflow_missing_dependency"


def test_missing_command_module_is_raised_not_skipped(fake_commands, monkeypatch):
    # The command module itself is missing (e.g. deleted or misspelt): formerly skipped silently.
    monkeypatch.setattr(cli, "_COMMAND_MODULES", (f"{fake_commands}.good",
                                                  f"{fake_commands}.missing"))  # fmt: skip
    with pytest.raises(ModuleNotFoundError) as info:
        cli.build_parser()
    assert info.value.name == f"{fake_commands}.missing"
