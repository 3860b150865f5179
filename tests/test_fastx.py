"""FASTA reading and FASTA/FASTQ record counting, on hand-written files."""

import gzip

import pytest


@pytest.mark.parametrize("block", [1, 2, 3, 5, 1 << 20])
def test_counts_do_not_depend_on_block_boundaries(tmp_path, monkeypatch, block):
    import otuflow.fastx as fastx

    monkeypatch.setattr(fastx, "BLOCK_BYTES", block)
    fasta = tmp_path / "x.fa"
    fasta.write_text(">a\nAC\nGT\n>b desc\n\n>c\nA")  # multi-line, empty line, no final break
    assert fastx.count_fasta(fasta) == 3
    gz = tmp_path / "x.fa.gz"
    with gzip.open(gz, "wt") as handle:
        handle.write(">a\nAC\n>b\nGG\n")
    assert fastx.count_fasta(gz) == 2
    fastq = tmp_path / "x.fq"
    fastq.write_text("@r1\nACGT\n+\nIIII\n@r2\nAC\n+\nII")  # no final line break
    assert fastx.count_fastq(fastq) == 2
    fastq.write_text("@r1\nACGT\n+\nIIII\n@r2\nAC\n")
    with pytest.raises(ValueError, match="6 lines is not a multiple of 4"):
        fastx.count_fastq(fastq)


def test_read_fasta_records_by_hand(tmp_path):
    from otuflow.fastx import FastaRecord, read_fasta

    text = "\n>a first\nAC GT \nTT\n\n>b\r\n>c;size=3\nac\r\nGU\n"
    plain = tmp_path / "x.fa"
    plain.write_bytes(text.encode())
    gz = tmp_path / "x.fa.gz"
    with gzip.open(gz, "wb") as handle:
        handle.write(text.encode())
    expected = [FastaRecord("a first", "AC GTTT", 2), FastaRecord("b", "", 6),
                FastaRecord("c;size=3", "acGU", 7)]  # fmt: skip
    assert list(read_fasta(plain)) == expected
    assert list(read_fasta(gz)) == expected
    (tmp_path / "empty.fa").write_text("")
    assert list(read_fasta(tmp_path / "empty.fa")) == []


def test_read_fasta_rejects_text_before_the_first_header(tmp_path):
    from otuflow.fastx import FastaFormatError, read_fasta

    path = tmp_path / "x.fa"
    path.write_text("\nACGT\n>a\nAC\n")
    with pytest.raises(FastaFormatError, match=r"x\.fa, line 2: sequence text before the first"):
        list(read_fasta(path))


def test_fasta_ids(tmp_path):
    from otuflow.fastx import fasta_ids

    path = tmp_path / "otus.fa"
    path.write_text(">OTU_1;size=10\nAC\n>OTU_2 centroid\nGT\n>OTU_3\nAA\n")
    assert fasta_ids(path) == ["OTU_1", "OTU_2", "OTU_3"]


def test_fastx_holds_the_package_s_only_fasta_parser():
    import re
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "src" / "otuflow"
    header_test = re.compile(r"""startswith\(\s*b?["']>["']|\[(0|:1)\]\s*==\s*b?["']>["']""")
    parsers = [str(p.relative_to(src)) for p in sorted(src.rglob("*.py"))
               if header_test.search(p.read_text())]  # fmt: skip
    assert parsers == ["fastx.py"]
    assert not [p for p in src.rglob("*.py") if re.search(r"^\s*(from|import) Bio\b",
                                                          p.read_text(), re.M)]  # fmt: skip
