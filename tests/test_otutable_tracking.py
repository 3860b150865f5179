"""OTU-table assembly, BIOM output and the read-tracking table on hand-built files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import biom
import numpy as np
import pandas as pd
import pytest

from otuflow.checks import PrimerCheckError, check_trimming
from otuflow.otutable import build_otu_table, write_biom, write_otu_tsv
from otuflow.tracking import read_tracking_table


@pytest.fixture
def otus(tmp_path):
    path = tmp_path / "otus.fasta"
    path.write_text(">OTU_1\nACGT\n>OTU_2\nACGA\n>OTU_3\nACGG\n")
    return path


def _otutab(tmp_path, name, rows, label="S"):
    path = tmp_path / f"{name}.tsv"
    body = "".join(f"{otu}\t{n}\n" for otu, n in rows)
    path.write_text(f"#OTU ID\t{label}\n{body}" if rows or label else "#OTU ID\n")
    return path


def test_table_keeps_fasta_order_and_fills_zeros(tmp_path, otus):
    a = _otutab(tmp_path, "a", [("OTU_2", 5), ("OTU_1", 7)], label="A")
    b = _otutab(tmp_path, "b", [("OTU_3", 2)], label="B-x")  # VSEARCH's own sample label is ignored
    empty = tmp_path / "c.tsv"
    empty.write_text("#OTU ID\n")  # no read of this sample mapped
    table = build_otu_table(otus, [a, b, empty], ["A", "B-x", "C"])
    expected = pd.DataFrame(
        {"A": [7, 5, 0], "B-x": [0, 0, 2], "C": [0, 0, 0]},
        index=pd.Index(["OTU_1", "OTU_2", "OTU_3"], name="OTU_ID"),
    )
    pd.testing.assert_frame_equal(table, expected)


def test_unknown_otu_is_an_error(tmp_path, otus):
    a = _otutab(tmp_path, "a", [("OTU_9", 5)])
    with pytest.raises(ValueError, match="OTU_9"):
        build_otu_table(otus, [a], ["A"])


def test_tsv_and_biom_round_trip_and_biom_is_byte_stable(tmp_path, otus):
    table = pd.DataFrame(
        {"A": [7, 5, 0], "B": [0, 1, 2]}, index=pd.Index(["OTU_1", "OTU_2", "OTU_3"], name="OTU_ID")
    )
    write_otu_tsv(table, tmp_path / "t.tsv")
    assert (tmp_path / "t.tsv").read_text().splitlines()[0] == "OTU_ID\tA\tB"
    write_biom(table, tmp_path / "one.biom")
    write_biom(table, tmp_path / "two.biom")
    assert (tmp_path / "one.biom").read_bytes() == (tmp_path / "two.biom").read_bytes()
    loaded = biom.load_table(str(tmp_path / "one.biom"))
    assert list(loaded.ids("observation")) == ["OTU_1", "OTU_2", "OTU_3"]
    assert list(loaded.ids("sample")) == ["A", "B"]
    np.testing.assert_array_equal(loaded.matrix_data.toarray(), table.to_numpy())


def test_biom_passes_biom_validate_table(tmp_path, otus):
    """`biom validate-table` (biom-format's own validator) accepts the table: its type is set."""
    table = pd.DataFrame({"A": [7, 0], "B": [1, 2]}, index=pd.Index(["OTU_1", "OTU_2"]))
    write_biom(table, tmp_path / "t.biom")
    assert biom.load_table(str(tmp_path / "t.biom")).type == "OTU table"
    biom_cli = Path(sys.executable).parent / "biom"
    result = subprocess.run([str(biom_cli), "validate-table", "-i", str(tmp_path / "t.biom")],
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid BIOM" in result.stdout


def _report(path, n_in, n_out):
    path.write_text(json.dumps({"read_counts": {"input": n_in, "output": n_out}}))
    return path


def _count(path, n):
    path.write_text(f"{n}\n")
    return path


def test_read_tracking_counts_and_warnings(tmp_path):
    rep_a = _report(tmp_path / "a.json", 100, 90)
    rep_b = _report(tmp_path / "b.json", 100, 30)
    merged = [_count(tmp_path / "a.merged", 80), _count(tmp_path / "b.merged", 28)]
    filtered = [_count(tmp_path / "a.filtered", 70), _count(tmp_path / "b.filtered", 10)]
    table = pd.DataFrame({"A": [60, 5], "B": [4, 0]})
    tracking = read_tracking_table(["A", "B"], [rep_a, rep_b], merged, filtered, table, 0.5)
    assert list(tracking["input"]) == [100, 100]
    assert list(tracking["with_primers"]) == [90, 30]
    assert list(tracking["merged"]) == [80, 28]
    assert list(tracking["filtered"]) == [70, 10]
    assert list(tracking["mapped"]) == [65, 4]
    assert list(tracking["pct_mapped"]) == [65.0, 4.0]
    assert tracking.loc[0, "warning"] == ""
    # B: 70 % lost at primer trimming, 64 % at filtering (28 -> 10); 60 % at mapping (10 -> 4)
    assert tracking.loc[1, "warning"] == (
        "lost 70% at primer trimming; lost 64% at quality filtering; lost 60% at mapping to OTUs"
    )


@pytest.mark.parametrize("text", ["", "12.5\n", "-3\n", "many\n"])
def test_a_count_file_that_is_not_a_count_is_reported(tmp_path, text):
    rep = _report(tmp_path / "a.json", 10, 10)
    bad = tmp_path / "a.merged"
    bad.write_text(text)
    good = _count(tmp_path / "a.filtered", 1)
    with pytest.raises(ValueError, match="a.merged: expected a read count"):
        read_tracking_table(["A"], [rep], [bad], [good], pd.DataFrame({"A": [0]}), 0.5)


def test_primer_check_stops_when_primers_are_missing(tmp_path):
    assert check_trimming(_report(tmp_path / "ok.json", 100, 85), "A", 0.2) == 0.85
    with pytest.raises(PrimerCheckError, match=r"sample B: only 3 of 100 .*primers: trim: false"):
        check_trimming(_report(tmp_path / "bad.json", 100, 3), "B", 0.2)
    with pytest.raises(PrimerCheckError, match="no reads"):
        check_trimming(_report(tmp_path / "empty.json", 0, 0), "C", 0.2)
