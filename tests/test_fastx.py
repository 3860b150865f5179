"""FASTA/FASTQ record counting (read tracking) by hand-counted files."""

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
