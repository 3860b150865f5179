"""Training of the RDP naive Bayesian classifier against hand-computed and reference values."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from otuflow.classify import rdpjava
from otuflow.classify.bayes import classify_sequences, log_likelihoods
from otuflow.classify.kmers import reverse_complement, reverse_complement_words, sequence_words
from otuflow.classify.model import (
    ModelError,
    cache_key,
    load_model,
    save_model,
    train,
)
from otuflow.classify.reference import load_prepared

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
DADA2_100 = SHARED / "rdp-16s-ten-per-genus" / "example_train_set.fa.gz"


def _word(s: str) -> int:
    code = {"A": 0, "T": 1, "G": 2, "C": 3}
    value = 0
    for c in s:
        value = value * 4 + code[c]
    return value


def test_word_encoding_matches_rdp():
    # RDP GoodWordIterator: A=0, T/U=1, G=2, C=3, first base most significant
    assert sequence_words("AAAAAAAA").tolist() == [0]
    assert sequence_words("AAAAAAAC").tolist() == [3]
    assert sequence_words("CAAAAAAA").tolist() == [3 * 4**7]
    assert sequence_words("UUUUUUUU").tolist() == sequence_words("tttttttt").tolist() == [
        _word("TTTTTTTT")
    ]
    # a non-ACGTU character breaks every word overlapping it; repeats are kept by position
    assert sequence_words("AAAAAAAANAAAAAAAAA").tolist() == [0, 0, 0]
    rc = reverse_complement_words()
    assert rc[_word("AACCGGTA")] == _word("TACCGGTT")
    assert (rc[rc] == np.arange(4**8)).all()


LIN_X = ("Bacteria", "P1", "C1", "O1", "F1", "GenX")
LIN_Y = ("Bacteria", "P1", "C1", "O1", "F2", "GenY")


def _tiny_model():
    # three reference sequences: two of genus X, one of genus Y
    seqs = ["AAAAAAAAC", "AAAAAAAAAC", "AAAAAAAAG"]
    return train(seqs, [LIN_X, LIN_X, LIN_Y]), seqs


def test_hand_computed_probabilities():
    model, _ = _tiny_model()
    n_total = 3
    w_a, w_c, w_g = _word("AAAAAAAA"), _word("AAAAAAAC"), _word("AAAAAAAG")
    # presence: AAAAAAAA in all 3 (twice in seq 2, counted once), ..AC in 2, ..AG in 1
    assert model.word_counts[w_a] == 3
    assert model.word_counts[w_c] == 2
    assert model.word_counts[w_g] == 1
    assert model.n_sequences == n_total
    assert model.leaf_sizes.tolist() == [2, 1]
    table = model.log_prob_table()
    x, y = 0, 1  # leaves sorted by lineage: GenX before GenY
    prior = {w: (n + 0.5) / (n_total + 1) for w, n in ((w_a, 3), (w_c, 2), (w_g, 1))}
    expected = {
        (w_a, x): math.log((2 + prior[w_a]) / 3),
        (w_c, x): math.log((2 + prior[w_c]) / 3),
        (w_g, x): math.log(prior[w_g]) - math.log(3),  # absent: log P_i - log(M + 1)
        (w_a, y): math.log((1 + prior[w_a]) / 2),
        (w_c, y): math.log(prior[w_c]) - math.log(2),
        (w_g, y): math.log((1 + prior[w_g]) / 2),
    }
    for (w, g), value in expected.items():
        assert table[w, g] == pytest.approx(value, abs=2e-6)
    unseen = _word("CCCCCCCC")
    assert table[unseen, x] == pytest.approx(math.log(0.5 / 4) - math.log(3), abs=2e-6)
    assert model.log_word_prior()[unseen] == pytest.approx(math.log(0.125), abs=1e-6)


def test_scores_count_repeated_query_words():
    model, _ = _tiny_model()
    table = model.log_prob_table().astype(np.float64)
    query = "AAAAAAAAAAC" * 6  # repeated words, several of them
    scores, rev = log_likelihoods(model, query)
    words = sequence_words(query)
    assert not rev
    assert len(words) == len(query) - 7
    manual = np.array([sum(table[w, g] for w in words) for g in range(2)])
    np.testing.assert_allclose(scores, manual, rtol=1e-12)
    # distinct-words-only scoring would differ: repeats really are counted
    distinct = np.array([sum(table[w, g] for w in set(words.tolist())) for g in range(2)])
    assert not np.allclose(scores, distinct)


def test_assignment_and_brute_force_bootstrap():
    """Bootstrap confidences equal an independent, slow re-implementation of RDP's loop."""
    rng = np.random.default_rng(7)
    bases = np.array(list("ACGT"))
    ancestors = ["".join(rng.choice(bases, 300)) for _ in range(4)]
    seqs, lins = [], []
    for g, anc in enumerate(ancestors):
        for _ in range(3):
            s = np.array(list(anc))
            pos = rng.choice(300, 12, replace=False)
            s[pos] = rng.choice(bases, 12)
            seqs.append("".join(s))
            lins.append(("Bacteria", "P", "C", "O", f"F{g // 2}", f"G{g}"))
    model = train(seqs, lins)
    table = model.log_prob_table()
    queries = []
    for g in range(4):  # noisy query from each genus, 15 % mutated so bootstraps disagree
        s = np.array(list(ancestors[g][:200]))
        pos = rng.choice(200, 30, replace=False)
        s[pos] = rng.choice(bases, 30)
        queries.append("".join(s))
    result = classify_sequences(model, queries, seed=1)
    from otuflow.classify.javarandom import JavaRandomStream

    for qi, q in enumerate(queries):
        words = sequence_words(q)
        full = table[words].astype(np.float64).sum(axis=0)
        assert result.leaf[qi] == int(np.argmax(full))
        k = max(len(words) // 8, 5)
        draws = JavaRandomStream(1).next_ints(len(words), 100 * k).reshape(100, k)
        wins = [int(np.argmax(table[words[d]].astype(np.float64).sum(axis=0))) for d in draws]
        family = [int(lins[3 * g][4][1]) for g in range(4)]
        best = result.leaf[qi]
        genus_conf = np.mean([w == best for w in wins])
        family_conf = np.mean([family[w] == family[best] for w in wins])
        assert result.confidence[qi, 5] == pytest.approx(genus_conf)
        assert result.confidence[qi, 4] == pytest.approx(family_conf)
        assert result.confidence[qi, 0] == 1.0


def test_save_load_roundtrip_is_byte_identical(tmp_path):
    model, seqs = _tiny_model()
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    save_model(model, a)
    save_model(train(seqs, [LIN_X, LIN_X, LIN_Y]), b)
    assert a.read_bytes() == b.read_bytes()
    loaded = load_model(a)
    np.testing.assert_array_equal(loaded.log_prob_table(), model.log_prob_table())
    assert loaded.lineages.tolist() == model.lineages.tolist()
    bad = tmp_path / "bad.npz"
    bad.write_text("not a model")
    with pytest.raises(ModelError, match="not an otuflow classifier model"):
        load_model(bad)
    with pytest.raises(ModelError, match="not found"):
        load_model(tmp_path / "missing.npz")


def test_cache_key_tracks_content_and_params(tmp_path):
    f = tmp_path / "ref.fa"
    f.write_text(">a\nACGT\n")
    k1 = cache_key([f], {"leaf_rank": "genus"})
    assert k1 == cache_key([f], {"leaf_rank": "genus"})
    assert k1 != cache_key([f], {"leaf_rank": "species"})
    f.write_text(">a\nACGA\n")
    assert k1 != cache_key([f], {"leaf_rank": "genus"})


def test_missing_rank_is_an_error():
    with pytest.raises(ValueError, match="record 1"):
        train(["ACGT" * 20], [("Bacteria", "P", "", "O", "F", "G")])


def test_reverse_complement_helper():
    assert reverse_complement("AACGTN") == "NACGTT"
    assert reverse_complement("ACGU") == "ACGT"
    assert reverse_complement("RYKMBV") == "BVKMRY"


@pytest.mark.external
def test_probabilities_identical_to_rdp_training_files(tmp_path):
    """RDP 2.10's own training output holds bit-identical float32 log-probabilities."""
    if not rdpjava.java_available():
        pytest.skip("needs java and the rdp-classifier jar (apt-get install rdp-classifier "
                    "default-jre-headless)")
    records = load_prepared(DADA2_100)
    model = train([r.seq for r in records], [r.lineage for r in records])
    tax, fasta, leaf_names = rdpjava.write_training_files(
        [r.id for r in records], [r.seq for r in records], [r.lineage for r in records],
        model.ranks, tmp_path / "in",
    )
    rdpjava.train(tax, fasta, tmp_path / "model")
    prior_lines = (tmp_path / "model" / "logWordPrior.txt").read_text().splitlines()[1:]
    java_prior = np.zeros(4**8, dtype=np.float32)
    for line in prior_lines:
        w, v = line.split("\t")
        java_prior[int(w)] = np.float32(v)
    np.testing.assert_array_equal(java_prior, model.log_word_prior())

    import re

    tree = (tmp_path / "model" / "bergeyTrainingTree.xml").read_text()
    genus_index = {
        int(m.group(2)): m.group(1)
        for m in re.finditer(r'name="([^"]+)"[^>]*rank="genus"[^>]*genusIndex="(\d+)"', tree)
    }
    ours = {tuple(lin): i for i, lin in enumerate(model.lineages.tolist())}
    to_ours = np.array([ours[leaf_names[genus_index[j]]] for j in range(len(genus_index))])
    mdir = tmp_path / "model"
    index = [int(x.split("\t")[1]) for x in
             (mdir / "wordConditionalProbIndexArr.txt").read_text().splitlines()[1:]]
    entries = (mdir / "genus_wordConditionalProbList.txt").read_text().splitlines()[1:]
    table = model.log_prob_table()
    word_of_entry = np.searchsorted(np.array(index), np.arange(len(entries)), side="right") - 1
    java_g = np.array([int(e.split("\t")[0]) for e in entries])
    java_p = np.array([np.float32(e.split("\t")[1]) for e in entries], dtype=np.float32)
    assert len(entries) == model.entry_word.size
    np.testing.assert_array_equal(table[word_of_entry, to_ours[java_g]], java_p)
