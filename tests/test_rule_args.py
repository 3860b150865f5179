"""Arguments the rules derive from the config: cutadapt adapters, reference cache key."""

from __future__ import annotations

import os
import threading

import pytest

from otuflow.rule_args import (
    cutadapt_adapter_args,
    prepare_reference_args,
    reference_cache_key,
    reference_settings,
)

PRIMERS = {
    "trim": True, "forward": "CCTACGGGNGGCWGCAG", "reverse": "GACTACHVGGGTATCTAATCC",
    "require_both": True, "adapter_r1": "ACACTCTTTCCCTACACGACGCTCTTCCGATCT",
    "adapter_r2": "CGGTCTCGGCATTCCTGCTGAACCGCTCTTCCGATCT",
}  # fmt: skip
TAXONOMY = {
    "source": "local", "reference_format": "auto", "domains": ["Bacteria", "Archaea"],
    "max_ambiguous": 5, "extract_region": True, "region_max_mismatch": 2,
    "silva_url": "https://example.org/SILVA.fasta.gz", "silva_md5": "",
}  # fmt: skip


def test_linked_primers_with_their_reverse_complements():
    # 341F/805R: RC(GACTACHVGGGTATCTAATCC) = GGATTAGATACCCBDGTAGTC (H<->D, V<->B)
    assert cutadapt_adapter_args(PRIMERS) == [
        "-g", "CCTACGGGNGGCWGCAG;required;min_overlap=17...GGATTAGATACCCBDGTAGTC;optional",
        "-G", "GACTACHVGGGTATCTAATCC;required;min_overlap=21...CTGCWGCCNCCCGTAGG;optional",
        "--discard-untrimmed", "--pair-filter=any",
    ]  # fmt: skip


def test_pairs_without_primers_are_kept_when_both_are_not_required():
    args = cutadapt_adapter_args({**PRIMERS, "require_both": False})
    assert "--discard-untrimmed" not in args and len(args) == 4


def test_reads_after_the_primers_only_lose_read_through_adapters():
    assert cutadapt_adapter_args({**PRIMERS, "trim": False}) == [
        "-a", "AGATCGGAAGAGCGGTTCAGCAGGAATGCCGAGACCG",
        "-A", "AGATCGGAAGAGCGTCGTGTAGGGAAAGAGTGT",
    ]  # fmt: skip


def test_primers_in_lower_case_are_normalised():
    args = cutadapt_adapter_args({**PRIMERS, "forward": "cctacgggnggcwgcag"})
    assert args[1].startswith("CCTACGGGNGGCWGCAG;required")


def test_cache_key_follows_content_changes_and_settings(tmp_path):
    ref = tmp_path / "ref.fasta"
    ref.write_text(">a\nACGT\n")
    settings = reference_settings(TAXONOMY, PRIMERS)
    key = reference_cache_key([str(ref)], settings)
    assert len(key) == 16 and int(key, 16) >= 0
    assert reference_cache_key([str(ref)], settings) == key  # stable
    ref.write_text(">a\nACGTA\n")  # new size
    assert reference_cache_key([str(ref)], settings) != key
    key = reference_cache_key([str(ref)], settings)
    stat = ref.stat()
    os.utime(ref, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # edited in place
    assert reference_cache_key([str(ref)], settings) != key
    key = reference_cache_key([str(ref)], settings)
    other = reference_settings({**TAXONOMY, "region_max_mismatch": 3}, PRIMERS)
    assert reference_cache_key([str(ref)], other) != key
    no_region = reference_settings({**TAXONOMY, "extract_region": False}, PRIMERS)
    assert "region" not in no_region
    other_primers = reference_settings(TAXONOMY, {**PRIMERS, "forward": "CCTACGGGAGGCAGCAG"})
    assert reference_cache_key([str(ref)], other_primers) != key


def test_cache_key_never_reads_the_reference(tmp_path):
    # A FIFO blocks whoever reads it: keying it must return at once.
    fifo = tmp_path / "reference.fasta"
    os.mkfifo(fifo)
    result = {}
    worker = threading.Thread(
        target=lambda: result.setdefault("key", reference_cache_key([str(fifo)], {})),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=5)
    if worker.is_alive():  # unblock the reader before failing
        with open(fifo, "w"):
            pass
        pytest.fail("reference_cache_key read the reference file")
    assert len(result["key"]) == 16


def test_missing_reference_is_keyed_by_its_path(tmp_path):
    a = reference_cache_key([str(tmp_path / "a.fasta")], {})
    b = reference_cache_key([str(tmp_path / "b.fasta")], {})
    assert a != b


def test_prepare_reference_arguments():
    out = {"fasta": "o/ref.fasta", "taxonomy": "o/tax.tsv", "sintax": "o/sintax.fasta"}
    args = prepare_reference_args(TAXONOMY, PRIMERS, "in ref.fasta", "in tax.tsv", out)
    assert args[:3] == ["prepare-reference", "--fasta", "in ref.fasta"]
    assert args[args.index("--taxonomy") + 1] == "in tax.tsv"
    assert args[args.index("--primers") + 1] == "CCTACGGGNGGCWGCAG,GACTACHVGGGTATCTAATCC"
    assert args[args.index("--domains") + 1] == "Bacteria,Archaea"
    no_region = prepare_reference_args(
        {**TAXONOMY, "extract_region": False}, PRIMERS, "r.fasta", None, out
    )
    assert "--primers" not in no_region and "--taxonomy" not in no_region
    assert "--min-length" not in no_region  # the command's own default (1,200 or 200 nt)
    short = {**TAXONOMY, "extract_region": False, "min_reference_length": 300}
    cut = prepare_reference_args(short, PRIMERS, "r.fasta", None, out)
    assert cut[cut.index("--min-length") + 1] == "300"
    assert reference_settings(short, PRIMERS)["min_length"] == 300  # a new cache entry
