"""Primer-based region extraction with IUPAC codes and mismatches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from otuflow.classify.kmers import reverse_complement
from otuflow.classify.reference import load_prepared, prepare_reference
from otuflow.classify.region import PrimerError, extract_regions, mismatch_profile, primer_mask

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FWD = "CCTACGGGNGGCWGCAG"  # 341F
REV = "GACTACHVGGGTATCTAATCC"  # 805R
INSERT = "TGGGGAATATTGCACAATGGGGGAAACCCTGATGCAGCGACGCCGCGTGAGTGAAGAAGTATTTCGGTATGTAAAGC"


def _amplicon(fwd_site: str, rev_primer_site: str, insert: str = INSERT) -> str:
    return "GATTACAGATTACA" + fwd_site + insert + reverse_complement(rev_primer_site) + "TTGACA"


def test_degenerate_primer_sites_are_matched():
    # N, W in 341F and H, V in 805R resolved to different bases in each sequence
    seqs = [_amplicon("CCTACGGGAGGCAGCAG", "GACTACAAGGGTATCTAATCC"),
            _amplicon("CCTACGGGTGGCTGCAG", "GACTACTGGGGTATCTAATCC")]
    regions, found = extract_regions(seqs, FWD, REV, max_mismatch=0)
    assert found == [True, True]
    assert regions == [INSERT, INSERT]
    kept, _ = extract_regions(seqs[:1], FWD, REV, max_mismatch=0, keep_primers=True)
    assert kept[0] == "CCTACGGGAGGCAGCAG" + INSERT + reverse_complement("GACTACAAGGGTATCTAATCC")


def test_mismatch_limit():
    two = _amplicon("CCTTCGGGAGGCAGCTG", "GACTACAAGGGTATCTAATCC")  # 2 mismatches in 341F
    three = _amplicon("CCTTCGGGAGGCAGCTC", "GACTACAAGGGTATCTAATCC")  # 3 mismatches
    rev_two = _amplicon("CCTACGGGAGGCAGCAG", "GACTACAAGGGTATGTAATGC")  # 2 in 805R
    regions, found = extract_regions([two, three, rev_two], FWD, REV, max_mismatch=2)
    assert found == [True, False, True]
    assert regions[0] == regions[2] == INSERT and regions[1] == ""
    _, found1 = extract_regions([two], FWD, REV, max_mismatch=1)
    assert found1 == [False]


def test_ambiguous_reference_bases_and_orientation():
    with_n = _amplicon("CCTNCGGGAGGCAGCAG", "GACTACAAGGGTATCTAATCC")
    regions, found = extract_regions([with_n, reverse_complement(with_n)], FWD, REV,
                                     max_mismatch=0)
    assert found == [True, True]
    assert regions == [INSERT, INSERT]  # reverse-complemented input returned forward


def test_mismatch_profile_by_hand():
    seq = primer_mask("ACGTAC")
    prof = mismatch_profile(seq, primer_mask("CGN"))
    assert prof.tolist() == [2, 0, 2, 2]
    with pytest.raises(PrimerError, match="non-IUPAC"):
        primer_mask("ACGX")


def test_real_references_cut_to_v3_v4():
    records = load_prepared(SHARED / "rdp-16s-ten-per-genus" / "ten_16s.100.fa.gz")
    seqs = [r.seq for r in records[:600]]
    regions, found = extract_regions(seqs, FWD, REV, max_mismatch=2)
    lengths = np.array([len(r) for r, f in zip(regions, found, strict=True) if f])
    assert np.mean(found) > 0.95
    # V3-V4 between 341F and 805R is ~400-430 nt in Bacteria
    assert 395 <= np.median(lengths) <= 435
    for r, s, f in zip(regions[:50], seqs[:50], found[:50], strict=True):
        if f:
            assert r in s


def test_prepare_reference_region_report(tmp_path):
    records, report = prepare_reference(
        SHARED / "rdp-16s-ten-per-genus" / "ten_16s.100.fa.gz", primers=(FWD, REV),
        max_mismatch=2, min_length=200)
    assert report.dropped_no_primers > 0
    assert report.kept + report.dropped_no_primers + report.dropped_ambiguous + \
        report.dropped_short == report.total
    assert all(200 <= len(r.seq) < 800 for r in records)  # one has a 705-nt insert
    _, keep_report = prepare_reference(
        SHARED / "rdp-16s-ten-per-genus" / "ten_16s.100.fa.gz", primers=(FWD, REV),
        max_mismatch=2, min_length=200, keep_unmatched=True)
    assert keep_report.dropped_no_primers == 0
    assert keep_report.kept_whole_no_primers == report.dropped_no_primers
