"""Read model of the simulator: quality profile, errors, prefixes, read layout and FASTQ files."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from otuflow.iupac import reverse_complement
from otuflow.simulate.quality import (
    add_substitution_errors,
    error_probability,
    phred_scores,
)
from otuflow.simulate.reads import (
    ADAPTER_FRACTION,
    ADAPTER_TAIL_R1,
    READ_LENGTH,
    SPACER_FRACTION,
    draw_prefixes,
    simulate_pairs,
    write_fastq_gz,
)


def _binomial_ok(observed: float, expected_p: float, n: int, sd: float = 4.0) -> bool:
    return abs(observed - expected_p) <= sd * np.sqrt(expected_p * (1 - expected_p) / n) + 1e-12


def test_error_probability_by_hand():
    assert error_probability(np.array([10, 20, 30]))[:] == pytest.approx([0.1, 0.01, 0.001])


def test_quality_profile_is_miseq_like():
    rng = np.random.default_rng(1)
    q1 = phred_scores(4000, READ_LENGTH, 1, rng)
    q2 = phred_scores(4000, READ_LENGTH, 2, rng)
    for q in (q1, q2):
        assert q.dtype == np.uint8 and q.shape == (4000, READ_LENGTH)
        assert q.min() >= 2 and q.max() <= 41
    mean1, mean2 = q1.mean(axis=0), q2.mean(axis=0)
    assert 35 <= mean1[3:20].mean() <= 39 and 34 <= mean2[3:20].mean() <= 38
    assert 26 <= mean1[-10:].mean() <= 32 and 20 <= mean2[-10:].mean() <= 28
    # Declines towards the 3' end; R2 is worse than R1 along the read.
    assert mean1[:50].mean() > mean1[100:150].mean() > mean1[200:].mean()
    assert (mean2[50:] < mean1[50:]).all()
    # Reads differ from each other, and some end in a low-quality tail.
    assert q1[:, :150].mean(axis=1).std() > 0.8
    low_tail = (q2[:, -30:].mean(axis=1) < 15).mean()
    assert 0.02 <= low_tail <= 0.15
    assert (q2 <= 10).any()


def test_substitution_errors_follow_quality():
    rng = np.random.default_rng(2)
    bases = np.frombuffer(b"ACGT" * 50_000, dtype=np.uint8).reshape(400, 500)
    q = np.where(np.arange(500) < 250, 10, 30).astype(np.uint8)[None, :].repeat(400, axis=0)
    out = add_substitution_errors(bases, q, rng)
    wrong = out != bases
    n = wrong[:, :250].size
    assert _binomial_ok(wrong[:, :250].mean(), 0.1, n)
    assert _binomial_ok(wrong[:, 250:].mean(), 0.001, n)
    assert set(np.unique(out).tolist()) <= set(b"ACGT")
    # A wrong A becomes C, G or T with equal probability.
    from_a = out[(bases == ord("A")) & wrong]
    shares = np.array([(from_a == ord(c)).mean() for c in "CGT"])
    assert np.all(np.abs(shares - 1 / 3) < 0.05)


def test_prefixes_hold_adapter_suffix_then_spacer():
    rng = np.random.default_rng(3)
    # A lower-case adapter tells adapter bases apart from the (upper-case) spacer bases.
    tail = ADAPTER_TAIL_R1.lower()
    prefixes = draw_prefixes(20_000, tail, rng)
    adapters = [p.rstrip("ACGT") for p in prefixes]
    spacers = [p[len(a) :] for p, a in zip(prefixes, adapters, strict=True)]
    assert all(tail.endswith(a) for a in adapters)
    assert all(set(s) <= set("ACGT") and len(s) <= 3 for s in spacers)
    has_adapter = np.array([len(a) > 0 for a in adapters])
    has_spacer = np.array([len(s) > 0 for s in spacers])
    assert _binomial_ok(has_adapter.mean(), ADAPTER_FRACTION, len(prefixes))
    assert _binomial_ok(has_spacer.mean(), SPACER_FRACTION, len(prefixes))
    assert {len(a) for a in adapters if a} == set(range(3, 21))
    assert {len(s) for s in spacers} == {0, 1, 2, 3}


def test_read_layout_and_error_rate():
    rng = np.random.default_rng(4)
    amplicons = [
        "".join(np.random.default_rng(k).choice(list("ACGT"), size=450 + 10 * k)) for k in range(3)
    ]
    pairs = simulate_pairs(amplicons, np.array([0.5, 0.3, 0.2]), 3000, rng)
    assert pairs.r1.shape == pairs.r2.shape == (3000, READ_LENGTH)
    assert np.bincount(pairs.template, minlength=3) / 3000 == pytest.approx(
        [0.5, 0.3, 0.2], abs=0.04
    )
    true1 = np.array(
        [list((p + amplicons[t])[:READ_LENGTH].encode()) for p, t in
         zip(pairs.prefix1, pairs.template, strict=True)], dtype=np.uint8
    )  # fmt: skip
    true2 = np.array(
        [list((p + reverse_complement(amplicons[t]))[:READ_LENGTH].encode()) for p, t in
         zip(pairs.prefix2, pairs.template, strict=True)], dtype=np.uint8
    )  # fmt: skip
    for observed, truth, q in ((pairs.r1, true1, pairs.q1), (pairs.r2, true2, pairs.q2)):
        errors = (observed != truth).sum()
        expected = error_probability(q).sum()
        assert abs(errors - expected) <= 4 * np.sqrt(expected)
        # Within quality bands as well (low, medium and high quality calls).
        for lo, hi in ((2, 19), (20, 29), (30, 41)):
            band = (q >= lo) & (q <= hi)
            exp_band = error_probability(q[band]).sum()
            assert abs((observed != truth)[band].sum() - exp_band) <= 4 * np.sqrt(exp_band) + 2


def test_fastq_gzip_is_reproducible_and_valid(tmp_path):
    rng = np.random.default_rng(5)
    bases = np.frombuffer(b"ACGT" * 250, dtype=np.uint8).reshape(4, 250)
    q = phred_scores(4, 250, 1, rng)
    names = [f"SIM:1:FC:1:1:{i}:7" for i in range(4)]
    write_fastq_gz(tmp_path / "a.fastq.gz", names, bases, q, 2)
    (tmp_path / "sub").mkdir()
    write_fastq_gz(tmp_path / "sub" / "b.fastq.gz", names, bases, q, 2)
    raw = (tmp_path / "a.fastq.gz").read_bytes()
    assert raw == (tmp_path / "sub" / "b.fastq.gz").read_bytes()
    assert raw[4:8] == b"\0\0\0\0"  # gzip mtime 0
    lines = gzip.decompress(raw).decode().splitlines()
    assert len(lines) == 16
    assert lines[0] == "@SIM:1:FC:1:1:0:7 2:N:0:1" and lines[2] == "+"
    assert [ord(c) - 33 for c in lines[3]] == q[0].tolist()
