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

from conftest import require_tools
from otuflow.checks import PrimerCheckError, primer_trimming_table
from otuflow.otutable import build_otu_table, sequence_key, write_biom, write_otu_tsv
from otuflow.tracking import read_tracking_table


@pytest.fixture
def otus(tmp_path):
    path = tmp_path / "otus.fasta"
    path.write_text(">OTU_1\nACGT\n>OTU_2\nACGA\n>OTU_3\nACGG\n")
    return path


def _derep(tmp_path, name, records):
    path = tmp_path / f"{name}.fasta"
    path.write_text("".join(f">{name}.u{n};size={size}\n{seq}\n"
                            for n, (seq, size) in enumerate(records, start=1)))  # fmt: skip
    return path


def _hits(tmp_path, rows):
    path = tmp_path / "hits.tsv"
    path.write_text("".join(f"{sequence_key(seq)};size=9\t{otu}\n" for seq, otu in rows))
    return path


def test_sequence_key_is_vsearch_relabel_sha1():
    # `printf ACGT | sha1sum`; upper case and U read as T, as vsearch does
    assert sequence_key("ACGT") == "2108994e17f6cca9ff2352ada92b6511db076034"
    assert sequence_key("acgu") == sequence_key("ACGT")
    assert sequence_key("ACGT") != sequence_key("ACGA")


def test_each_sample_counts_its_reads_by_the_hit_of_their_sequence(tmp_path, otus):
    # three distinct sequences hit OTUs; "TTTT" has no hit (unmapped reads are not counted)
    hits = _hits(tmp_path, [("AAAA", "OTU_2"), ("CCCC", "OTU_1"), ("GGGG", "OTU_2")])
    a = _derep(tmp_path, "A", [("AAAA", 5), ("CCCC", 7), ("GGGG", 2), ("TTTT", 4)])
    b = _derep(tmp_path, "B-x", [("gggg", 3)])  # case does not matter, as in vsearch
    empty = tmp_path / "C.fasta"
    empty.write_text("")  # no read of this sample passed the filter
    table = build_otu_table(otus, hits, [a, b, empty], ["A", "B-x", "C"])
    expected = pd.DataFrame(
        {"A": [7, 7, 0], "B-x": [0, 3, 0], "C": [0, 0, 0]},
        index=pd.Index(["OTU_1", "OTU_2", "OTU_3"], name="OTU_ID"),
    )
    pd.testing.assert_frame_equal(table, expected)


def test_unknown_otu_is_an_error(tmp_path, otus):
    hits = _hits(tmp_path, [("AAAA", "OTU_9")])
    with pytest.raises(ValueError, match="OTU_9"):
        build_otu_table(otus, hits, [_derep(tmp_path, "A", [("AAAA", 1)])], ["A"])


def test_a_dereplicated_record_without_abundance_is_an_error_naming_file_and_line(tmp_path, otus):
    hits = _hits(tmp_path, [("AAAA", "OTU_1")])
    bad = tmp_path / "A.fasta"
    bad.write_text(">A.u1;size=2\nCCCC\n>A.u2\nAAAA\n")
    with pytest.raises(ValueError, match=r"A\.fasta, line 3"):
        build_otu_table(otus, hits, [bad], ["A"])


@pytest.mark.external
def test_sequence_key_equals_the_label_vsearch_gives(tmp_path):
    require_tools("vsearch")
    reads = tmp_path / "reads.fasta"
    sequences = ["ACGTACGTTAGCATCGATCGATCGATCGTAGCTAGCTAGCTAGCTAGCATCG",
                 "acgtacgttagcatcgatcgatcgatcgtagctagctagctagctagcatcgaaa",
                 "ACGUACGUUAGCAUCGAUCGAUCGAUCGUAGCUAGCUAGCUAGCUAGCAUCGCC"]  # fmt: skip
    reads.write_text("".join(f">r{n}\n{seq}\n" for n, seq in enumerate(sequences)))
    out = tmp_path / "relabelled.fasta"
    subprocess.run(["vsearch", "--derep_fulllength", str(reads), "--relabel_sha1", "--output",
                    str(out), "--quiet"], check=True)  # fmt: skip
    labels = {line[1:] for line in out.read_text().splitlines() if line.startswith(">")}
    assert labels == {sequence_key(seq) for seq in sequences}


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
    # with ASVs (features: asv) the last step names them
    tracking = read_tracking_table(["A", "B"], [rep_a, rep_b], merged, filtered, table, 0.5,
                                   feature="ASV")  # fmt: skip
    assert tracking.loc[1, "warning"].endswith("lost 60% at mapping to ASVs")


@pytest.mark.parametrize("text", ["", "12.5\n", "-3\n", "many\n"])
def test_a_count_file_that_is_not_a_count_is_reported(tmp_path, text):
    rep = _report(tmp_path / "a.json", 10, 10)
    bad = tmp_path / "a.merged"
    bad.write_text(text)
    good = _count(tmp_path / "a.filtered", 1)
    with pytest.raises(ValueError, match="a.merged: expected a read count"):
        read_tracking_table(["A"], [rep], [bad], [good], pd.DataFrame({"A": [0]}), 0.5)


def _primer_table(tmp_path, counts: dict, min_fraction=0.2):
    reports = [_report(tmp_path / f"{s}.json", n_in, n_out) for s, (n_in, n_out) in counts.items()]
    return primer_trimming_table(reports, list(counts), min_fraction)


def test_primer_check_leaves_out_a_minority_of_samples_without_primers(tmp_path):
    table = _primer_table(tmp_path, {"A": (100, 85), "B": (100, 3), "C": (200, 150),
                                     "D": (0, 0), "E": (1000, 200)})  # fmt: skip
    excluded = dict(zip(table["sample"], table["excluded"], strict=True))
    assert excluded == {
        "A": "", "B": "only 3.0% of read pairs carry the primers (minimum 20%)", "C": "",
        "D": "no reads in the input files", "E": "",  # exactly at the minimum: kept
    }  # fmt: skip
    assert table["fraction"].tolist() == [0.85, 0.03, 0.75, 0.0, 0.2]
    # 3 of 7 below: a minority, left out without stopping the run
    minority = _primer_table(tmp_path, {"A": (100, 85), "B": (100, 2), "C": (100, 1),
                                        "D": (100, 3), "E": (100, 90), "F": (100, 95),
                                        "G": (100, 99)})  # fmt: skip
    assert minority["excluded"].ne("").tolist() == [False, True, True, True, False, False, False]
    # the check switched off leaves out only the sample without reads
    off = _primer_table(tmp_path, {"A": (100, 85), "B": (100, 0), "D": (0, 0)}, 0)
    assert off["excluded"].tolist() == ["", "", "no reads in the input files"]


@pytest.mark.parametrize("counts,why", [
    # half of the samples with reads below the minimum (the empty sample does not count)
    ({"A": (100, 85), "B": (100, 3), "C": (100, 1), "D": (100, 90), "E": (0, 0)},
     "2 of the 4 samples with reads are below the minimum"),
    ({"A": (100, 0), "B": (100, 1), "C": (100, 2)},
     "3 of the 3 samples with reads are below the minimum"),
    # one of two samples with reads below: only one would be left
    ({"A": (100, 85), "B": (100, 2), "C": (0, 0), "D": (0, 0)},
     "1 of the 2 samples with reads are below the minimum"),
])  # fmt: skip
def test_primer_check_stops_when_the_primers_do_not_fit_the_cohort(tmp_path, counts, why):
    with pytest.raises(PrimerCheckError) as error:
        _primer_table(tmp_path, counts)
    message = str(error.value)
    assert why in message
    assert "sample B: only " in message and "carry the configured primers (minimum 20%)" in message
    assert "primers: trim: false" in message and "min_fraction_with_primers" in message
