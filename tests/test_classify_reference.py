"""Reference parsing (SILVA, SINTAX, DADA2, TSV), normalisation and filtering."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from otuflow.classify.reference import (
    ReferenceFormatError,
    detect_format,
    is_uninformative,
    load_prepared,
    normalise_lineage,
    parse_lineage_string,
    prepare_reference,
    write_reference,
)
from otuflow.fastx import FastaFormatError

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TEN = SHARED / "rdp-16s-ten-per-genus"
ACGT = "ACGT" * 350  # 1,400 nt


def test_dada2_training_set():
    records = load_prepared(TEN / "example_train_set.fa.gz")
    assert len(records) == 100
    assert records[0].id == "seq1" and records[99].id == "seq100"
    assert records[0].lineage == ("Bacteria", "Actinobacteria", "Actinobacteria",
                                  "Actinomycetales", "Mycobacteriaceae", "Mycobacterium",
                                  "Mycobacterium_unclassified")
    short = [r for r in records if r.lineage[1] == "Parcubacteria"]
    assert short and short[0].lineage[2:] == ("Parcubacteria_unclassified",) * 5
    assert all(set(r.seq) <= set("ACGTRYSWKMBDHVN") for r in records)


def test_sintax_reference():
    records = load_prepared(TEN / "ten_16s.100.fa.gz")
    assert len(records) == 3994
    assert detect_format(TEN / "ten_16s.100.fa.gz") == "sintax"
    first = records[0]
    assert first.id == "gi_961555154"
    assert first.lineage == ("Bacteria", "Bacteroidetes", "Chitinophagia", "Chitinophagales",
                             "Chitinophagaceae", "Parafilimonas", "Parafilimonas_unclassified")
    assert len({r.lineage[5] for r in records}) == 1184
    assert sum(r.lineage[0] == "Archaea" for r in records) == 303


def test_prepare_filters_and_report():
    records, report = prepare_reference(TEN / "ten_16s.100.fa.gz", domains=["Archaea"],
                                        max_ambiguous=1000, min_length=0)
    assert report.total == 3994 and report.dropped_domain == 3994 - 303
    assert len(records) == report.kept == 303
    records, report = prepare_reference(TEN / "ten_16s.100.fa.gz", max_ambiguous=5,
                                        min_length=1200)
    n_amb = sum(sum(c not in "ACGT" for c in r.seq) > 5 for r in load_prepared(
        TEN / "ten_16s.100.fa.gz"))
    assert report.dropped_ambiguous == n_amb
    assert all(len(r.seq) >= 1200 for r in records)
    assert report.kept + report.dropped_ambiguous + report.dropped_short == 3994


def _write(path: Path, text: str, gz: bool = False) -> Path:
    if gz:
        with gzip.open(path, "wt") as fh:
            fh.write(text)
    else:
        path.write_text(text)
    return path


def test_silva_headers_rna_and_uninformative_names(tmp_path):
    rna = ACGT.replace("T", "U").lower()
    fasta = _write(tmp_path / "silva.fasta.gz", (
        f">AB1.1.1400 Bacteria;Firmicutes;Clostridia;Lachnospirales;Lachnospiraceae;"
        f"uncultured;uncultured bacterium\n{rna[:700]}\n{rna[700:]}\n"
        f">AB2.1.1400 Bacteria;Bacteroidota;Bacteroidia;Bacteroidales;Bacteroidaceae;"
        f"Bacteroides;Bacteroides fragilis\n{ACGT}\n"
        f">AB3.1.1400 Eukaryota;Amorphea;Obazoa;Opisthokonta;Holozoa;Homo;Homo sapiens\n{ACGT}\n"
        f">AB4.1.1400 Bacteria;Firmicutes;Bacilli;Lactobacillales;Streptococcaceae;"
        f"Streptococcus;Streptococcus sp. 11-2\n{ACGT}\n"
    ), gz=True)
    records, report = prepare_reference(fasta)
    assert detect_format(fasta) == "silva"
    assert report.dropped_domain == 1 and report.kept == 3
    by_id = {r.id: r for r in records}
    assert by_id["AB1.1.1400"].seq == ACGT  # RNA -> DNA, upper case, lines joined
    assert by_id["AB1.1.1400"].lineage[5:] == ("Lachnospiraceae_unclassified",) * 2
    assert by_id["AB2.1.1400"].lineage[6] == "Bacteroides_fragilis"
    assert by_id["AB4.1.1400"].lineage[6] == "Streptococcus_unclassified"
    out_fa, out_tax = tmp_path / "o.fa", tmp_path / "o.tsv"
    write_reference(records, out_fa, out_tax)
    lines = out_tax.read_text().splitlines()
    assert lines[0] == "Feature ID\tTaxon"
    assert lines[1] == ("AB1.1.1400\td__Bacteria;p__Firmicutes;c__Clostridia;o__Lachnospirales;"
                        "f__Lachnospiraceae;g__Lachnospiraceae_unclassified;"
                        "s__Lachnospiraceae_unclassified")
    # a prepared reference reads back to the same records (normalisation is idempotent)
    again = load_prepared(out_fa, out_tax)
    assert [(r.id, r.seq, r.lineage) for r in again] == [(r.id, r.seq, r.lineage)
                                                         for r in records]


def test_silva_rank_file_places_names(tmp_path):
    fasta = _write(tmp_path / "s.fasta",
                   f">X1 Bacteria;Firmicutes;Clostridia;Peptostreptococcaceae;Romboutsia;"
                   f"Romboutsia ilealis\n{ACGT}\n")
    ranks = _write(tmp_path / "tax_slv.txt", "".join(
        f"{path};\t{i}\t{rank}\t\t138\n" for i, (path, rank) in enumerate([
            ("Bacteria", "domain"), ("Bacteria;Firmicutes", "phylum"),
            ("Bacteria;Firmicutes;Clostridia", "class"),
            ("Bacteria;Firmicutes;Clostridia;Peptostreptococcaceae", "family"),
            ("Bacteria;Firmicutes;Clostridia;Peptostreptococcaceae;Romboutsia", "genus")])))
    records, _ = prepare_reference(fasta, silva_ranks=ranks)
    assert records[0].lineage == ("Bacteria", "Firmicutes", "Clostridia",
                                  "Clostridia_unclassified", "Peptostreptococcaceae",
                                  "Romboutsia", "Romboutsia_ilealis")


def test_tsv_taxonomy_with_prefixes_and_header(tmp_path):
    fasta = _write(tmp_path / "r.fa", f">a desc\n{ACGT}\n>b\n{ACGT}\n>c\n{ACGT}\n")
    tax = _write(tmp_path / "t.tsv", "Feature ID\tTaxon\tConfidence\n"
                 "a\tk__Bacteria; p__Firmicutes; c__; o__; f__; g__; s__\t0.9\n"
                 "b\tD_0__Bacteria;D_1__Proteobacteria;D_5__Escherichia-Shigella\n"
                 "c\tBacteria;Actinobacteriota;Actinobacteria;Bifidobacteriales;"
                 "Bifidobacteriaceae;Bifidobacterium\n")
    recs = {r.id: r.lineage for r in load_prepared(fasta, tax)}
    assert recs["a"] == ("Bacteria", "Firmicutes") + ("Firmicutes_unclassified",) * 5
    assert recs["b"][4:6] == ("Proteobacteria_unclassified", "Escherichia-Shigella")
    assert recs["c"][5:] == ("Bifidobacterium", "Bifidobacterium_unclassified")
    assert parse_lineage_string("d__A;p__B;g__C")[:6] == ["A", "B", None, None, None, "C"]


@pytest.mark.parametrize(("name", "rank", "expected"), [
    ("uncultured", "genus", True), ("Uncultured_bacterium", "species", True),
    ("gut metagenome", "species", True), ("human_gut_metagenome", "genus", True),
    ("unidentified", "family", True), ("Unknown_Family", "family", True),
    ("", "genus", True), (None, "order", True), ("Incertae_Sedis", "family", True),
    ("Ambiguous_taxa", "genus", True), ("Lachnospiraceae_unclassified", "genus", True),
    ("Bacteroides_sp.", "species", True), ("Prevotella sp. P4-76", "species", True),
    ("Lachnospiraceae bacterium 28-4", "species", True),
    ("Blautia", "genus", False), ("Escherichia_coli", "species", False),
    ("Sphingomonas", "genus", False), ("[Eubacterium]_coprostanoligenes_group", "genus", False),
    ("Family_XIII", "family", False), ("Clostridium_sensu_stricto_1", "genus", False),
])
def test_uninformative_names(name, rank, expected):
    assert is_uninformative(name, rank) is expected


def test_normalise_lineage_placeholders():
    assert normalise_lineage(["Bacteria", "Firmicutes", "uncultured", "Clostridiales"]) == (
        "Bacteria", "Firmicutes", "Firmicutes_unclassified", "Clostridiales",
        "Clostridiales_unclassified", "Clostridiales_unclassified",
        "Clostridiales_unclassified")
    assert normalise_lineage([None]) == ("Unclassified",) * 7
    assert normalise_lineage(["Bacteria", "Gut metagenome; x", "A b,c"])[1:3] == (
        "Bacteria_unclassified", "A_b_c")


def test_bad_inputs_name_the_record(tmp_path):
    dup = _write(tmp_path / "dup.fa", f">x;tax=d:Bacteria;\n{ACGT}\n>x;tax=d:Bacteria;\n{ACGT}\n")
    with pytest.raises(ReferenceFormatError, match="line 3: duplicate sequence ID 'x'"):
        prepare_reference(dup)
    bad = _write(tmp_path / "bad.fa", ">y;tax=d:Bacteria;\nACGT1ACGT\n")
    with pytest.raises(ReferenceFormatError, match="record 'y'.*invalid character '1'"):
        prepare_reference(bad)
    fasta = _write(tmp_path / "r.fa", f">a\n{ACGT}\n>b\n{ACGT}\n")
    tax = _write(tmp_path / "t.tsv", "a\tBacteria;P\n")
    with pytest.raises(ReferenceFormatError, match="'b' has no line in taxonomy"):
        load_prepared(fasta, tax)
    plain = _write(tmp_path / "plain.fa", f">just_an_id\n{ACGT}\n")
    with pytest.raises(ReferenceFormatError, match="cannot tell the reference format"):
        load_prepared(plain)
    notfasta = _write(tmp_path / "nf.fa", "hello\n")
    with pytest.raises(FastaFormatError, match="line 1: sequence text before the first '>'"):
        load_prepared(notfasta)


def test_prepare_reference_cli(tmp_path):
    out_fa, out_tax, out_sx = tmp_path / "r.fa", tmp_path / "r.tsv", tmp_path / "sx.fa"
    r = subprocess.run(
        [sys.executable, "-m", "otuflow", "prepare-reference", "--fasta",
         str(TEN / "example_train_set.fa.gz"), "--domains", "all", "--min-length", "0",
         "--max-ambiguous", "1000", "--out-fasta", str(out_fa), "--out-taxonomy", str(out_tax),
         "--out-sintax", str(out_sx)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "100 of 100 reference sequences kept" in r.stderr
    assert out_fa.read_text().count(">") == 100
    first = out_sx.read_text().splitlines()[0]
    assert first == (">seq1;tax=d:Bacteria,p:Actinobacteria,c:Actinobacteria,"
                     "o:Actinomycetales,f:Mycobacteriaceae,g:Mycobacterium,"
                     "s:Mycobacterium_unclassified;")
    r = subprocess.run(
        [sys.executable, "-m", "otuflow", "prepare-reference", "--fasta",
         str(TEN / "example_train_set.fa.gz"), "--domains", "Fungi", "--out-fasta",
         str(out_fa), "--out-taxonomy", str(out_tax)], capture_output=True, text=True)
    assert r.returncode == 1 and "no reference sequences left" in r.stderr
