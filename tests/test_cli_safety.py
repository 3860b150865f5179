"""The ``otuflow`` command line never destroys user files: outputs over inputs are refused, and
``--force`` replaces only a folder the simulator wrote."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from otuflow.classify.taxonomy_tables import write_taxonomy_table
from otuflow.cli import main as cli_main
from otuflow.safety import (
    UnsafeOutputError,
    check_force_replace,
    refuse_outputs_over_inputs,
    system_folder_problem,
)

SIMULATE = ["simulate", "--seed", "7", "--samples-per-group", "2,2,2", "--pairs-per-sample",
            "300", "--force"]  # fmt: skip


def _fake_cohort(folder: Path) -> Path:
    """A folder carrying the simulator's marker, plus a file of the user's."""
    (folder / "truth").mkdir(parents=True)
    (folder / "truth" / "params.json").write_text("{}")
    (folder / "thesis.tex").write_text("years of work")
    return folder


def _refused(capsys, *fragments):
    err = capsys.readouterr().err
    for fragment in fragments:
        assert fragment in err, err
    return err


def test_force_on_the_current_folder_is_refused(tmp_path, monkeypatch, capsys):
    work = _fake_cohort(tmp_path / "work")
    monkeypatch.chdir(work)
    assert cli_main([*SIMULATE, "--out", "."]) == 2
    _refused(capsys, "--force refused: . is the current folder or holds it",
             "It would have deleted 2 file(s) and 1 folder(s) (thesis.tex, truth)")
    assert (work / "thesis.tex").read_text() == "years of work"
    # a folder above the current one is refused as well
    monkeypatch.chdir(work / "truth")
    assert cli_main([*SIMULATE, "--out", ".."]) == 2
    assert (work / "thesis.tex").exists()


def test_force_on_home_or_a_git_working_tree_is_refused(tmp_path, monkeypatch, capsys):
    home = _fake_cohort(tmp_path / "home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    assert cli_main([*SIMULATE, "--out", str(home)]) == 2
    _refused(capsys, "is your home folder")
    repo = _fake_cohort(tmp_path / "repo")
    (repo / ".git").mkdir()
    assert cli_main([*SIMULATE, "--out", str(repo)]) == 2
    _refused(capsys, f"{repo} is a git working tree", "It would have deleted 2 file(s)")
    assert (home / "thesis.tex").exists() and (repo / "thesis.tex").exists()


def test_force_on_a_folder_without_the_simulator_marker_is_refused(tmp_path, capsys):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "reads.fastq").write_text("@r\nACGT\n+\nIIII\n")
    assert cli_main([*SIMULATE, "--out", str(folder)]) == 2
    _refused(capsys, "holds no simulated cohort (truth/params.json",
             "It would have deleted 1 file(s) and 0 folder(s) (reads.fastq)")
    assert (folder / "reads.fastq").exists()


@pytest.mark.parametrize("folder", ["/", "/usr", "/etc", "/tmp"])
def test_system_folders_are_refused(folder):
    # the guard alone: it raises before anything could be deleted
    with pytest.raises(UnsafeOutputError, match="is a system folder"):
        check_force_replace(folder, lambda _: True, "simulated cohort")
    assert system_folder_problem(folder)
    assert system_folder_problem(Path(folder) / "otuflow-results") is None  # below one: fine


def test_classify_output_that_is_its_input_is_refused(tmp_path, capsys):
    query = tmp_path / "otus.fasta"
    query.write_text(">OTU_1\nACGT\n")
    assert cli_main(["classify", "--query", str(query), "--out", str(query), "--model",
                     str(tmp_path / "m.npz")]) == 2  # fmt: skip
    _refused(capsys, f"--out {query} is the input given with --query (the same file)")
    assert query.read_text() == ">OTU_1\nACGT\n"
    # the same file under another name: a hard link, and a symbolic link
    for link, make in (("hard.fasta", os.link), ("soft.fasta", os.symlink)):
        make(query, tmp_path / link)
        assert cli_main(["classify", "--query", str(query), "--out", str(tmp_path / link),
                         "--model", str(tmp_path / "m.npz")]) == 2  # fmt: skip
        _refused(capsys, "is the input given with --query")
    assert query.read_text() == ">OTU_1\nACGT\n"


def test_taxa_tables_and_prepare_reference_outputs_are_checked(tmp_path, capsys):
    table = tmp_path / "otu_table.tsv"
    table.write_text("OTU_ID\ta\nOTU_1\t3\n")
    assert cli_main(["taxa-tables", "--otu-table", str(table), "--taxonomy", str(table),
                     "--genus-out", str(table)]) == 2  # fmt: skip
    _refused(capsys, "--genus-out", "is the input given with --otu-table")
    assert cli_main(["prepare-reference", "--fasta", str(table), "--out-fasta",
                     str(tmp_path / "a.fa"), "--out-taxonomy", str(tmp_path / "a.fa")]) == 2
    _refused(capsys, "--out-fasta and --out-taxonomy are the same file")
    assert table.read_text() == "OTU_ID\ta\nOTU_1\t3\n"


def test_refuse_outputs_over_inputs_unit(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("x")
    refuse_outputs_over_inputs({"--out": b}, {"--in": a, "--other": None})  # fine
    with pytest.raises(UnsafeOutputError, match="--out .* is the input given with --in"):
        refuse_outputs_over_inputs({"--out": tmp_path / "." / "a"}, {"--in": a})


def test_outputs_are_written_through_a_temporary_file(tmp_path, monkeypatch):
    out = tmp_path / "otu_taxonomy.tsv"
    out.write_text("the previous complete table\n")

    def crash(self, *args, **kwargs):
        Path(args[0]).write_text("half a ta")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", crash)
    with pytest.raises(OSError, match="disk full"):
        write_taxonomy_table(pd.DataFrame({"OTU_ID": ["OTU_1"]}), out)
    assert out.read_text() == "the previous complete table\n"
    assert [p.name for p in tmp_path.iterdir()] == ["otu_taxonomy.tsv"]
