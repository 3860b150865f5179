"""Damaged or mismatched FASTQ files are caught with a message naming the sample and file."""

from __future__ import annotations

import gzip

import pytest

from otuflow.fastq_check import FastqError, check_fastq_pair, holds_no_reads


def _fastq(path, reads, gz=False, quality="I"):
    text = "".join(f"@{rid} x\n{seq}\n+\n{quality * len(seq)}\n" for rid, seq in reads)
    if gz:
        with gzip.open(path, "wt") as handle:
            handle.write(text)
    else:
        path.write_text(text)
    return path


READS = [("r1", "ACGTACGTAC"), ("r2", "TTGACCAGTA"), ("r3", "GGGGCCCCAA")]


def test_valid_pair_is_summarised(tmp_path):
    r1 = _fastq(tmp_path / "a_R1.fq.gz", READS, gz=True)
    r2 = _fastq(tmp_path / "a_R2.fq", [(f"{i}/2", s[:8]) for i, s in READS])
    stats = check_fastq_pair(r1, r2, "A", min_length=5)
    assert (stats.pairs, stats.mean_length_r1, stats.mean_length_r2) == (3, 10.0, 8.0)
    assert stats.min_quality_char == stats.max_quality_char == "I"


def test_empty_file(tmp_path):
    r1, r2 = _fastq(tmp_path / "1.fq", []), _fastq(tmp_path / "2.fq", [])
    with pytest.raises(FastqError, match=r"sample A: .*1.fq holds no reads"):
        check_fastq_pair(r1, r2, "A")


def test_empty_pair_allowed_for_the_workflow_but_not_one_empty_mate(tmp_path):
    r1, r2 = _fastq(tmp_path / "1.fq.gz", [], gz=True), _fastq(tmp_path / "2.fq", [])
    stats = check_fastq_pair(r1, r2, "A", min_length=5, allow_empty=True)
    assert (stats.pairs, stats.mean_length_r1, stats.mean_length_r2) == (0, 0.0, 0.0)
    full = _fastq(tmp_path / "full.fq", READS)
    with pytest.raises(FastqError, match=r"sample A: .*1.fq.gz ends after 0 reads but .*full.fq"):
        check_fastq_pair(r1, full, "A", allow_empty=True)
    with pytest.raises(FastqError, match=r"sample A: .*2.fq ends after 0 reads but .*full.fq"):
        check_fastq_pair(full, r2, "A", allow_empty=True)


def test_holds_no_reads_only_for_files_that_decompress_to_nothing(tmp_path):
    assert holds_no_reads(_fastq(tmp_path / "e.fq", []))
    assert holds_no_reads(_fastq(tmp_path / "e.fq.gz", [], gz=True))  # a 20-byte gzip stream
    assert not holds_no_reads(_fastq(tmp_path / "r.fq.gz", READS, gz=True))
    (tmp_path / "blank.fq").write_text("\n")  # not empty: check_fastq_pair says what is wrong
    assert not holds_no_reads(tmp_path / "blank.fq")
    broken = tmp_path / "broken.fq.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00garbage")
    assert not holds_no_reads(broken)


def test_truncated_gzip(tmp_path):
    full = _fastq(tmp_path / "full.fq.gz", READS * 200, gz=True)
    cut = tmp_path / "cut.fq.gz"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    r2 = _fastq(tmp_path / "2.fq", READS * 200)
    with pytest.raises(FastqError, match="cut.fq.gz: the gzip stream is broken"):
        check_fastq_pair(cut, r2, "A")


def test_truncated_record(tmp_path):
    r1 = tmp_path / "1.fq"
    r1.write_text("@r1\nACGT\n+\nIIII\n@r2\nACGT\n")
    r2 = _fastq(tmp_path / "2.fq", [("r1", "ACGT"), ("r2", "ACGT")])
    with pytest.raises(FastqError, match="line 5\\) is incomplete"):
        check_fastq_pair(r1, r2, "A")


def test_not_fastq(tmp_path):
    r1 = tmp_path / "1.fq"
    r1.write_text(">r1\nACGT\n>r2\nACGT\n")
    r2 = _fastq(tmp_path / "2.fq", [("r1", "ACGT")])
    with pytest.raises(FastqError, match="is this a FASTQ file"):
        check_fastq_pair(r1, r2, "A")


def test_unequal_read_counts(tmp_path):
    r1 = _fastq(tmp_path / "1.fq", READS)
    r2 = _fastq(tmp_path / "2.fq", READS[:2])
    with pytest.raises(FastqError, match=r"sample A: .*2.fq ends after 2 reads"):
        check_fastq_pair(r1, r2, "A")


def test_mismatched_ids(tmp_path):
    r1 = _fastq(tmp_path / "1.fq", READS)
    r2 = _fastq(tmp_path / "2.fq", [READS[0], READS[2], READS[1]])
    with pytest.raises(FastqError, match="read 2 has ID 'r2' .* but 'r3'"):
        check_fastq_pair(r1, r2, "A")


def test_phred64_is_rejected_with_a_hint(tmp_path):
    r1 = _fastq(tmp_path / "1.fq", READS, quality="h")  # Q40 in Phred+64
    r2 = _fastq(tmp_path / "2.fq", READS, quality="h")
    with pytest.raises(FastqError, match="Phred\\+64"):
        check_fastq_pair(r1, r2, "A")


def test_reads_shorter_than_the_overlap(tmp_path):
    r1 = _fastq(tmp_path / "1.fq", READS)
    r2 = _fastq(tmp_path / "2.fq", READS)
    with pytest.raises(FastqError, match="shorter than the 16 nt"):
        check_fastq_pair(r1, r2, "A", min_length=16)


@pytest.fixture
def tiny_chunks(monkeypatch):
    """Chunks of 2 records read in 7-byte blocks: every boundary case of the chunked reader."""
    import otuflow.fastq_check as module
    import otuflow.fastx as fastx

    monkeypatch.setattr(module, "RECORDS_PER_CHUNK", 2)
    monkeypatch.setattr(fastx, "BLOCK_BYTES", 7)


MANY = [(f"r{i}", "ACGTTGCA"[: 3 + i % 6] * 2) for i in range(11)]


def test_chunk_boundaries_do_not_change_the_summary(tmp_path, tiny_chunks):
    r1 = _fastq(tmp_path / "1.fq.gz", MANY, gz=True, quality="#")
    r2 = _fastq(tmp_path / "2.fq", [(f"{i}/2", s[:4]) for i, s in MANY], quality="F")
    stats = check_fastq_pair(r1, r2, "A")
    # Hand-computed: 11 pairs; R1 lengths 2 * (3 + i % 6), R2 min(4, that).
    lengths = [2 * (3 + i % 6) for i in range(11)]
    assert stats.pairs == 11
    assert stats.mean_length_r1 == sum(lengths) / 11
    assert stats.mean_length_r2 == 4.0
    assert (stats.min_quality_char, stats.max_quality_char) == ("#", "F")


def _fastq_qualities(path, qualities):
    """One read per quality string (as long as it), so each chunk can hold other qualities."""
    path.write_text("".join(f"@r{i}\n{'A' * len(q)}\n+\n{q}\n" for i, q in enumerate(qualities)))
    return path


@pytest.mark.parametrize(("qualities", "expected"), [
    (["IIII", "I#II", "5555", "55!5", "JJJJ"], ("!", "J")),  # lowest and highest in later chunks
    (["!NN!", "FFFF", "FFFF"], ("!", "N")),  # Q0 and Q45, the ends of Phred+33, in chunk one
    (["FFFF", "II#I", "FF(F"], ("#", "I")),  # nothing new after the second chunk
])  # fmt: skip
def test_quality_range_over_chunks(tmp_path, tiny_chunks, qualities, expected):
    r1 = _fastq_qualities(tmp_path / "1.fq", qualities)
    r2 = _fastq_qualities(tmp_path / "2.fq", ["IIII"] * len(qualities))
    stats = check_fastq_pair(r1, r2, "A")
    assert (stats.min_quality_char, stats.max_quality_char) == expected


def test_a_quality_outside_phred33_in_a_later_chunk_is_named(tmp_path, tiny_chunks):
    r1 = _fastq_qualities(tmp_path / "1.fq", ["#III", "IIII", "II~I", "IIII", "IIII"])
    r2 = _fastq_qualities(tmp_path / "2.fq", ["IIII"] * 5)
    with pytest.raises(FastqError, match="range from '#' to '~'"):
        check_fastq_pair(r1, r2, "A")


def test_mismatch_in_a_later_chunk_names_the_right_read_and_line(tmp_path, tiny_chunks):
    r1 = _fastq(tmp_path / "1.fq", MANY)
    r2 = _fastq(tmp_path / "2.fq", [*MANY[:6], ("other", "ACGT"), *MANY[7:]])
    with pytest.raises(FastqError, match=r"read 7 has ID 'r6' .*line 25\) but 'other'"):
        check_fastq_pair(r1, r2, "A")


def test_unequal_counts_across_chunks(tmp_path, tiny_chunks):
    r1 = _fastq(tmp_path / "1.fq", MANY)
    r2 = _fastq(tmp_path / "2.fq", MANY[:7])
    with pytest.raises(FastqError, match=r"2.fq ends after 7 reads"):
        check_fastq_pair(r1, r2, "A")


def test_windows_line_endings_are_accepted(tmp_path, tiny_chunks):
    r1 = tmp_path / "1.fq"
    r1.write_bytes(b"@r1\r\nACGT\r\n+\r\nIIII\r\n@r2\r\nACG\r\n+\r\nIII\r\n")
    r2 = _fastq(tmp_path / "2.fq", [("r1", "ACGT"), ("r2", "ACG")])
    stats = check_fastq_pair(r1, r2, "A")
    assert (stats.pairs, stats.mean_length_r1) == (2, 3.5)


def test_binary_content(tmp_path):
    r1 = tmp_path / "1.fq"
    r1.write_bytes(b"@r1\nAC\xff\xfe\n+\nIIII\n")
    r2 = _fastq(tmp_path / "2.fq", [("r1", "ACGT")])
    with pytest.raises(FastqError, match="binary content"):
        check_fastq_pair(r1, r2, "A")


def test_bad_record_in_a_later_chunk_names_its_line(tmp_path, tiny_chunks):
    r1 = _fastq(tmp_path / "1.fq", MANY)
    lines = r1.read_text().splitlines(keepends=True)
    lines[4 * 5 + 3] = "II\n"  # record 6 (line 21): fewer qualities than bases
    r1.write_text("".join(lines))
    with pytest.raises(FastqError, match=r"record at line 21 has 16 bases but 2 quality"):
        check_fastq_pair(r1, _fastq(tmp_path / "2.fq", MANY), "A")
