"""Classification with the RDP naive Bayesian classifier, bootstrap confidence included.

Faithful to ``Classifier.classify`` of RDP Classifier 2.10 (docs/algorithms.md, "RDP naive
Bayesian classifier"):

* Query words are all overlapping valid 8-mers **by position, repeats included**
  (``ClassifierSequence.getWordIndexArr``): a word occurring twice contributes its
  log-probability twice to the score, and bootstrap draws pick positions, so repeated words are
  proportionally more likely to be drawn. (Training, in contrast, counts word presence.)
* Orientation: the sum over the query's words of ``log P_w - log P_rc(w)``; if negative the
  query is reverse-complemented before classification (``TrainingInfo.isSeqReversed``).
* Queries shorter than 50 nt or with fewer than 42 valid words are not classified (RDP's
  ``ShortSequenceException``); they are reported unassigned at every rank.
* Assignment: the leaf taxon (genus) with the largest sum of log-probabilities over all words;
  equal genus priors.
* Bootstrap: ``bootstraps`` (100) trials, each drawing ``max(W // 8, 5)`` word positions with
  replacement; the draws come from a bit-exact ``java.util.Random`` re-seeded with ``seed`` for
  every query, so with ``seed=1`` they are the very draws RDP makes. The confidence at a rank is
  the fraction of trials whose winning genus has the same ancestor at that rank as the
  all-words assignment.
* Ties (scores equal within 1e-9) are broken at random with a generator seeded by
  ``(seed, query index)``; RDP breaks bootstrap ties with an unseeded generator.

Scores are computed in float32 with BLAS (one ``trials x words`` count matrix times the
``words x genera`` block of the log-probability table per query) and every score within a
float32 rounding margin of the best is recomputed in float64 before choosing the winner.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from otuflow.classify.javarandom import JavaRandomStream
from otuflow.classify.kmers import WORD_SIZE, reverse_complement, sequence_words
from otuflow.classify.model import RDPModel

MIN_SEQ_LEN = 50
MIN_GOOD_WORDS = MIN_SEQ_LEN - WORD_SIZE
MIN_BOOTSTRAP_WORDS = 5
_TIE_ABS = 1e-9
_F32_MARGIN = 2e-6  # relative float32 error allowance per summed term
_GROUP_SIZE = 16  # leaf taxa per upper-bound group


@dataclass
class Classification:
    """Per-query results of :func:`classify_sequences`.

    Attributes
    ----------
    leaf : numpy.ndarray of int64, shape (Q,)
        Index of the assigned leaf taxon in ``model.lineages``; -1 when the query was too short.
    confidence : numpy.ndarray of float64, shape (Q, len(model.ranks))
        Bootstrap confidence at each rank (0 for unclassified queries).
    reversed : numpy.ndarray of bool, shape (Q,)
        True when the query was reverse-complemented before classification.
    """

    leaf: np.ndarray
    confidence: np.ndarray
    reversed: np.ndarray


def _clean(seq: str) -> str:
    return seq.replace("-", "").replace(".", "").replace("~", "")


def _unique(words: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted distinct words, index of each position's word, and counts (sort based)."""
    ordered = np.sort(words)
    uniq = ordered[np.r_[True, ordered[1:] != ordered[:-1]]]
    inverse = np.searchsorted(uniq, words)
    counts = np.bincount(inverse, minlength=uniq.size)
    return uniq, inverse, counts


class _Engine:
    """Holds the per-model arrays shared by all queries (read-only, thread-safe)."""

    def __init__(self, model: RDPModel, bootstraps: int, seed: int, min_words: int) -> None:
        self.table = model.log_prob_table()
        self.diff = model.orientation_diff()
        self.rank_ids = model.rank_ids()
        self.n_leaves = model.n_leaves
        self.group_size = _GROUP_SIZE
        starts = np.arange(0, self.n_leaves, self.group_size)
        # per-word maximum over consecutive (taxonomically sorted) groups of leaves: an upper
        # bound on any member's score that lets most groups be skipped exactly
        self.envelope = np.maximum.reduceat(self.table, starts, axis=1)
        self.bootstraps = int(bootstraps)
        self.seed = int(seed)
        self.min_words = int(min_words)
        self.stream = JavaRandomStream(self.seed)
        self._lock = threading.Lock()

    def draws(self, n_words: int, count: int) -> np.ndarray:
        with self._lock:  # the stream extends itself lazily
            return self.stream.next_ints(n_words, count)

    def _cols(self, group: int) -> slice:
        return slice(group * self.group_size, (group + 1) * self.group_size)

    def _gather(self, uniq: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Leaf indices and the (u, k) log-probability block of the given leaf groups."""
        if groups.size * 2 > self.envelope.shape[1]:
            return np.arange(self.n_leaves), self.table[uniq]
        # runs of consecutive groups are gathered as one column slice
        breaks = np.flatnonzero(np.diff(groups) != 1) + 1
        runs = [(int(r[0]) * self.group_size, min((int(r[-1]) + 1) * self.group_size,
                                                   self.n_leaves))
                for r in np.split(groups, breaks)]
        cols = np.concatenate([np.arange(a, b) for a, b in runs])
        if len(runs) == 1:
            return cols, self.table[uniq, runs[0][0] : runs[0][1]]
        return cols, np.concatenate([self.table[uniq, a:b] for a, b in runs], axis=1)

    @staticmethod
    def _margin(n_terms: int, scores):
        """Allowance for float32 rounding in a sum of ``n_terms`` log-probabilities."""
        return _F32_MARGIN * n_terms * (np.abs(scores) + 1.0)

    def _best(self, scores32: np.ndarray, weights: np.ndarray, block: np.ndarray,
              n_terms: int, rng_factory) -> int:
        """Return the winning column, recomputing near-best scores in float64."""
        top = float(scores32.max())
        cand = np.flatnonzero(scores32 >= top - self._margin(n_terms, top))
        if cand.size == 1:
            return int(cand[0])
        exact = weights.astype(np.float64) @ block[:, cand].astype(np.float64)
        best = exact.max()
        tied = cand[exact >= best - _TIE_ABS]
        if tied.size == 1:
            return int(tied[0])
        return int(tied[rng_factory().integers(tied.size)])

    def classify_one(self, seq: str, index: int) -> tuple[int, np.ndarray, bool]:
        seq = _clean(seq)
        words = sequence_words(seq)
        is_rev = bool(words.size and self.diff[words].sum(dtype=np.float64) < 0)
        if is_rev:
            seq = reverse_complement(seq)
            words = sequence_words(seq)
        n_ranks = self.rank_ids.shape[0]
        if len(seq) < MIN_SEQ_LEN or words.size < MIN_GOOD_WORDS:
            return -1, np.zeros(n_ranks), is_rev

        rng_holder: list[np.random.Generator] = []

        def rng_factory() -> np.random.Generator:
            if not rng_holder:
                rng_holder.append(np.random.default_rng([self.seed, index]))
            return rng_holder[0]

        uniq, inverse, counts = _unique(words)
        env = self.envelope[uniq]  # (u, groups): per-group maximum of log P(w|G)
        weights = counts.astype(np.float32)

        # all-words assignment: exact scores only for groups whose bound can reach the best
        bound = weights @ env
        first = int(bound.argmax())
        exact_first = weights @ self.table[uniq, self._cols(first)]
        lower = float(exact_first.max())
        groups = np.flatnonzero(bound >= lower - self._margin(words.size, lower))
        cols, block = self._gather(uniq, groups)
        best = int(cols[self._best(weights @ block, weights, block, words.size, rng_factory)])

        n_sel = max(words.size // WORD_SIZE, self.min_words)
        draws = self.draws(words.size, self.bootstraps * n_sel).reshape(self.bootstraps, n_sel)
        u = uniq.size
        flat = (np.arange(self.bootstraps)[:, None] * u + inverse[draws]).ravel()
        trial_counts = np.bincount(flat, minlength=self.bootstraps * u)
        trial_counts = trial_counts.reshape(self.bootstraps, u).astype(np.float32)
        # a trial's winner scores at least as much as the all-words genus does in that trial;
        # groups whose upper bound stays below that in every trial cannot win any trial
        bounds = trial_counts @ env  # (B, groups)
        base = trial_counts @ self.table[uniq, best]
        margin = self._margin(n_sel, base)
        groups = np.flatnonzero((bounds >= (base - margin)[:, None]).any(axis=0))
        cols, block = self._gather(uniq, groups)
        scores = trial_counts @ block  # (B, candidate genera)
        winners = np.empty(self.bootstraps, dtype=np.int64)
        top = scores.max(axis=1)
        margin = self._margin(n_sel, top)
        n_cand = (scores >= (top - margin)[:, None]).sum(axis=1)
        simple = n_cand == 1
        winners[simple] = scores[simple].argmax(axis=1)
        for t in np.flatnonzero(~simple):
            winners[t] = self._best(scores[t], trial_counts[t], block, n_sel, rng_factory)
        winners = cols[winners]
        agree = self.rank_ids[:, winners] == self.rank_ids[:, [best]]
        return best, agree.mean(axis=1), is_rev


def classify_sequences(
    model: RDPModel,
    sequences: list[str],
    *,
    bootstraps: int = 100,
    seed: int = 1,
    min_bootstrap_words: int = MIN_BOOTSTRAP_WORDS,
    threads: int = 1,
) -> Classification:
    """Classify query sequences with bootstrap confidence.

    Parameters
    ----------
    model : RDPModel
        Trained model (:func:`otuflow.classify.model.train` or ``load_model``).
    sequences : list of str
        Query sequences in any orientation.
    bootstraps : int
        Number of bootstrap trials (RDP: 100).
    seed : int
        Seed of the ``java.util.Random`` stream used for the word draws (RDP uses 1) and of the
        tie-breaking generator. Same inputs and seed give identical results.
    min_bootstrap_words : int
        Minimum number of words drawn per trial (RDP: 5).
    threads : int
        Worker processes (forked; threads where fork is unavailable); results do not depend
        on it.

    Returns
    -------
    Classification
    """
    if bootstraps < 1:
        raise ValueError(f"bootstraps must be >= 1, got {bootstraps}")
    engine = _Engine(model, bootstraps, seed, min_bootstrap_words)
    n = len(sequences)
    leaf = np.full(n, -1, dtype=np.int64)
    conf = np.zeros((n, len(model.ranks)))
    rev = np.zeros(n, dtype=bool)

    def work(lo: int, hi: int) -> None:
        for i in range(lo, hi):
            leaf[i], conf[i], rev[i] = engine.classify_one(sequences[i], i)

    threads = max(1, int(threads))
    # per-query products are small: multi-threaded BLAS only adds overhead (and spins badly on
    # a busy machine), so BLAS runs single-threaded and queries are spread over workers
    with _blas_single_thread():
        if threads == 1 or n < _MIN_PARALLEL:
            work(0, n)
        elif "fork" in mp.get_all_start_methods():
            # forked workers share the model tables copy-on-write; the many small numpy calls
            # per query hold the GIL, so threads would not run in parallel
            global _FORK_ENGINE
            _FORK_ENGINE = (engine, sequences)
            step = max(1, min(256, -(-n // (4 * threads))))
            spans = [(lo, min(lo + step, n)) for lo in range(0, n, step)]
            try:
                with ProcessPoolExecutor(threads, mp_context=mp.get_context("fork")) as pool:
                    for (lo, hi), part in zip(spans, pool.map(_fork_work, spans), strict=True):
                        leaf[lo:hi], conf[lo:hi], rev[lo:hi] = part
            finally:
                _FORK_ENGINE = None
        else:  # pragma: no cover - platforms without fork
            step = max(1, min(64, -(-n // threads)))
            with ThreadPoolExecutor(threads) as pool:
                futures = [pool.submit(work, lo, min(lo + step, n)) for lo in range(0, n, step)]
                for fut in futures:
                    fut.result()
    return Classification(leaf=leaf, confidence=conf, reversed=rev)


_FORK_ENGINE: tuple[_Engine, list[str]] | None = None
_MIN_PARALLEL = 64


def _fork_work(span: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    engine, sequences = _FORK_ENGINE
    lo, hi = span
    out = [engine.classify_one(sequences[i], i) for i in range(lo, hi)]
    return (np.array([o[0] for o in out], dtype=np.int64), np.array([o[1] for o in out]),
            np.array([o[2] for o in out], dtype=bool))


class _blas_single_thread:
    """Limit BLAS to one thread while our own worker threads run (if threadpoolctl exists)."""

    def __enter__(self):
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # pragma: no cover - optional
            self._ctx = None
            return self
        self._ctx = threadpool_limits(limits=1, user_api="blas")
        return self

    def __exit__(self, *exc):
        if self._ctx is not None:
            self._ctx.restore_original_limits()
        return False


def log_likelihoods(model: RDPModel, seq: str) -> tuple[np.ndarray, bool]:
    """Return the all-words score ``sum_w log P(w|G)`` of every leaf taxon, and the orientation.

    Every word position counts (a word present twice adds its log-probability twice). The
    sequence is reverse-complemented first when RDP's orientation test says so.

    Parameters
    ----------
    model : RDPModel
    seq : str

    Returns
    -------
    scores : numpy.ndarray of float64, shape (G,)
    reversed : bool
    """
    seq = _clean(seq)
    words = sequence_words(seq)
    is_rev = bool(words.size and model.orientation_diff()[words].sum(dtype=np.float64) < 0)
    if is_rev:
        words = sequence_words(reverse_complement(seq))
    table = model.log_prob_table()
    return table[words].astype(np.float64).sum(axis=0), is_rev
