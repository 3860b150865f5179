"""Training, saving and loading the RDP naive Bayesian classifier model.

Training follows RDP Classifier 2.10 (``TreeFactory.createGenusWordConditionalProb``) exactly
(docs/algorithms.md, "RDP naive Bayesian classifier"):

* every reference sequence counts each distinct 8-mer once (word presence);
* word prior ``P_i = (n(w_i) + 0.5) / (N + 1)`` over the ``N`` training sequences;
* leaf-taxon (genus) conditional ``P(w_i | G) = (m(w_i) + P_i) / (M + 1)`` for a taxon with ``M``
  sequences, ``m(w_i)`` of which contain the word; for absent words RDP stores nothing and uses
  ``log P_i - log(M + 1)`` at classification time, which :func:`load_model` reproduces.

All arithmetic is done in float32 in the same order as the Java code, so the log-probabilities are
bit-identical to the ones in RDP's ``genus_wordConditionalProbList.txt`` and ``logWordPrior.txt``.

A model is a set of sparse word counts plus the leaf lineages; the dense float32 table
``log P(w | G)`` (65,536 words x G taxa, word-major so that the rows of a query's words are
contiguous) is built when the model is loaded.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from otuflow.classify.kmers import N_WORDS, WORD_SIZE, encode, reverse_complement_words
from otuflow.classify.kmers import words_from_codes as _words_from_codes
from otuflow.digest import file_digest

RANKS = ("domain", "phylum", "class", "order", "family", "genus", "species")
MODEL_FORMAT = 1
_SEQ_CHUNK = 1024  # sequences (whole leaf taxa) processed together in training


class ModelError(ValueError):
    """A model file is missing, corrupt or of an unknown format."""


@dataclass
class RDPModel:
    """A trained RDP classifier.

    Attributes
    ----------
    ranks : tuple of str
        Ranks from domain down to the leaf rank the model was trained on.
    lineages : numpy.ndarray of str, shape (G, len(ranks))
        Lineage of every leaf taxon, sorted.
    leaf_sizes : numpy.ndarray of int64, shape (G,)
        ``M``: number of training sequences per leaf taxon.
    word_counts : numpy.ndarray of int64, shape (65536,)
        ``n(w)``: number of training sequences containing each word.
    n_sequences : int
        ``N``.
    entry_leaf, entry_word, entry_count : numpy.ndarray
        Sparse ``m(w, G)`` (only non-zero counts), sorted by leaf then word.
    params : dict
        Training parameters and input digests, stored for provenance.
    """

    ranks: tuple[str, ...]
    lineages: np.ndarray
    leaf_sizes: np.ndarray
    word_counts: np.ndarray
    n_sequences: int
    entry_leaf: np.ndarray
    entry_word: np.ndarray
    entry_count: np.ndarray
    params: dict = field(default_factory=dict)
    _log_prob: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_leaves(self) -> int:
        """Number of leaf taxa (genera)."""
        return int(self.leaf_sizes.size)

    def log_word_prior(self) -> np.ndarray:
        """Return float32 ``log P_i`` for all 65,536 words (RDP ``logWordPrior.txt``)."""
        return np.log(self.word_prior().astype(np.float64)).astype(np.float32)

    def word_prior(self) -> np.ndarray:
        """Return float32 ``P_i = (n(w_i) + 0.5) / (N + 1)`` computed as RDP does (float32)."""
        num = self.word_counts.astype(np.float32) + np.float32(0.5)
        return num / np.float32(self.n_sequences + 1)

    def log_leaf_size(self) -> np.ndarray:
        """Return float32 ``log(M + 1)`` per leaf taxon."""
        return np.log(self.leaf_sizes.astype(np.float64) + 1.0).astype(np.float32)

    def present_log_probs(self) -> np.ndarray:
        """Return float32 ``log P(w|G)`` for the stored non-zero entries (RDP's list)."""
        prior = self.word_prior()[self.entry_word]
        num = self.entry_count.astype(np.float32) + prior
        den = (self.leaf_sizes[self.entry_leaf] + 1).astype(np.float32)
        return np.log((num / den).astype(np.float64)).astype(np.float32)

    def log_prob_table(self) -> np.ndarray:
        """Return (and cache) the dense float32 table ``log P(w|G)``, shape (65536, G)."""
        if self._log_prob is None:
            table = np.empty((N_WORDS, self.n_leaves), dtype=np.float32)
            np.subtract(
                self.log_word_prior()[:, None], self.log_leaf_size()[None, :], out=table
            )
            table[self.entry_word, self.entry_leaf] = self.present_log_probs()
            self._log_prob = table
        return self._log_prob

    def rank_ids(self) -> np.ndarray:
        """Return int array (len(ranks), G): id of each leaf's ancestor at every rank."""
        ids = np.empty((len(self.ranks), self.n_leaves), dtype=np.int64)
        for r in range(len(self.ranks)):
            keys = ["\x1f".join(row[: r + 1]) for row in self.lineages.tolist()]
            _, ids[r] = np.unique(np.asarray(keys, dtype=object).astype(str), return_inverse=True)
        return ids

    def orientation_diff(self) -> np.ndarray:
        """Return float32 ``log P_w - log P_rc(w)`` per word (RDP ``wordPairPriorDiffArr``)."""
        prior = self.log_word_prior()
        return prior - prior[reverse_complement_words()]


def _chunk_entries(
    codes_list: Sequence[np.ndarray], seq_leaf: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return sparse (leaf, word, count) presence counts for a chunk of whole leaf taxa.

    Sorting is used for de-duplication (``np.unique`` on int64 is far slower here).
    """
    sep = np.full(1, 255, dtype=np.uint8)
    joined = np.concatenate([p for c in codes_list for p in (c, sep)])
    n = len(codes_list)
    # (index << 16 | word) keys; 32-bit keys sort twice as fast when the indices fit
    kt = np.uint32 if n < 2**16 else np.uint64
    lengths = np.array([c.size + 1 for c in codes_list], dtype=np.int64)
    words, starts = _words_from_codes(joined)
    seq_of_word = np.repeat(np.arange(n, dtype=kt), lengths)[starts]
    key = np.sort((seq_of_word << kt(16)) | words.astype(kt))
    key = key[np.r_[True, key[1:] != key[:-1]]]  # one per (sequence, word): presence
    leaf0 = int(seq_leaf.min())
    local = (seq_leaf - leaf0).astype(kt)
    key = np.sort((local[key >> kt(16)] << kt(16)) | (key & kt(0xFFFF)))
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    counts = np.diff(np.r_[first, key.size])
    key = key[first]
    leaf = (key >> kt(16)).astype(np.int64) + leaf0
    return leaf.astype(np.int32), (key & kt(0xFFFF)).astype(np.uint16), counts


def train(
    sequences: Sequence[str],
    lineages: Sequence[Sequence[str]],
    *,
    leaf_rank: str = "genus",
    params: dict | None = None,
    threads: int = 1,
) -> RDPModel:
    """Train an RDP naive Bayesian classifier.

    Parameters
    ----------
    sequences : sequence of str
        Reference sequences (DNA or RNA; characters other than ACGTU break words).
    lineages : sequence of sequence of str
        Lineage of each sequence, names for ``RANKS`` from domain downwards (at least down to
        ``leaf_rank``). Leaf taxa are the distinct lineages truncated at ``leaf_rank``, so a
        name reused under two different parents makes two taxa.
    leaf_rank : str
        Rank whose taxa are the classes of the naive Bayes model (RDP trains on genus).
    params : dict, optional
        Extra provenance stored in the model.
    threads : int
        Worker threads for word counting; the model does not depend on it.

    Returns
    -------
    RDPModel
    """
    if leaf_rank not in RANKS:
        raise ValueError(f"leaf_rank must be one of {RANKS}, got {leaf_rank!r}")
    if len(sequences) != len(lineages):
        raise ValueError("sequences and lineages differ in length")
    if not sequences:
        raise ValueError("cannot train on an empty reference")
    depth = RANKS.index(leaf_rank) + 1
    keys = []
    for i, lin in enumerate(lineages):
        if len(lin) < depth or any(not name for name in lin[:depth]):
            raise ValueError(
                f"reference record {i + 1}: lineage {list(lin)!r} has no name at every rank down "
                f"to {leaf_rank}; normalise it with 'otuflow prepare-reference' first"
            )
        keys.append(tuple(lin[:depth]))
    leaf_keys = sorted(set(keys))
    leaf_index = {k: i for i, k in enumerate(leaf_keys)}
    seq_leaf = np.fromiter((leaf_index[k] for k in keys), dtype=np.int64, count=len(keys))
    order = np.argsort(seq_leaf, kind="stable")
    sorted_leaf = seq_leaf[order]
    n_leaves = len(leaf_keys)

    leaf_sizes = np.bincount(seq_leaf, minlength=n_leaves).astype(np.int64)
    ent_leaf, ent_word, ent_count = [], [], []
    # chunks hold whole leaf taxa, so a (leaf, word) pair never spans two chunks
    bounds = [0]
    filled = 0
    for size in leaf_sizes.tolist():
        filled += size
        if filled >= _SEQ_CHUNK:
            bounds.append(bounds[-1] + filled)
            filled = 0
    if filled:
        bounds.append(bounds[-1] + filled)

    def chunk(span: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        s0, s1 = span
        codes = [encode(sequences[j]) for j in order[s0:s1]]
        return _chunk_entries(codes, sorted_leaf[s0:s1])

    spans = list(zip(bounds[:-1], bounds[1:], strict=True))
    with ThreadPoolExecutor(max(1, int(threads))) as pool:
        # map() keeps chunk order, so the result does not depend on the thread count
        for leaf, word, count in pool.map(chunk, spans):
            ent_leaf.append(leaf)
            ent_word.append(word)
            ent_count.append(count.astype(np.uint32))
    entry_word = np.concatenate(ent_word)
    entry_count = np.concatenate(ent_count)
    word_counts = np.bincount(entry_word, weights=entry_count, minlength=N_WORDS)
    return RDPModel(
        ranks=RANKS[:depth],
        lineages=np.array(leaf_keys, dtype=str).reshape(n_leaves, depth),
        leaf_sizes=leaf_sizes,
        word_counts=word_counts.astype(np.int64),
        n_sequences=len(sequences),
        entry_leaf=np.concatenate(ent_leaf),
        entry_word=entry_word,
        entry_count=entry_count,
        params=dict(params or {}, leaf_rank=leaf_rank, word_size=WORD_SIZE),
    )


def _write_npy(zf: zipfile.ZipFile, name: str, array: np.ndarray) -> None:
    info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.ascontiguousarray(array), allow_pickle=False)
    zf.writestr(info, buf.getvalue())


def save_model(model: RDPModel, path: str | os.PathLike) -> None:
    """Write a model to an ``.npz`` file (byte-identical for identical models).

    Parameters
    ----------
    model : RDPModel
    path : path-like
        Destination; written to a temporary name first, then renamed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        "format": MODEL_FORMAT,
        "ranks": list(model.ranks),
        "n_sequences": int(model.n_sequences),
        "params": model.params,
    }
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
        _write_npy(zf, "meta", np.frombuffer(json.dumps(meta, sort_keys=True).encode(), np.uint8))
        _write_npy(zf, "lineages", model.lineages.astype(str))
        _write_npy(zf, "leaf_sizes", model.leaf_sizes)
        _write_npy(zf, "word_counts", model.word_counts)
        _write_npy(zf, "entry_leaf", model.entry_leaf)
        _write_npy(zf, "entry_word", model.entry_word)
        _write_npy(zf, "entry_count", model.entry_count)
    os.replace(tmp, path)


def load_model(path: str | os.PathLike) -> RDPModel:
    """Read a model written by :func:`save_model`.

    Raises
    ------
    ModelError
        If the file is missing, not a model, or of another format version.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file {path} not found; create it with 'otuflow train'")
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"]).decode())
            arrays = {k: data[k] for k in data.files if k != "meta"}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise ModelError(f"{path} is not an otuflow classifier model ({exc})") from exc
    if meta.get("format") != MODEL_FORMAT:
        raise ModelError(
            f"{path}: model format {meta.get('format')} is not {MODEL_FORMAT}; retrain it"
        )
    return RDPModel(
        ranks=tuple(meta["ranks"]),
        lineages=arrays["lineages"],
        leaf_sizes=arrays["leaf_sizes"],
        word_counts=arrays["word_counts"],
        n_sequences=int(meta["n_sequences"]),
        entry_leaf=arrays["entry_leaf"],
        entry_word=arrays["entry_word"],
        entry_count=arrays["entry_count"],
        params=meta["params"],
    )


def cache_key(paths: Sequence[str | os.PathLike], params: dict) -> str:
    """Return a hex key from the contents of ``paths`` and the JSON of ``params``.

    Used to name cached prepared references and models under ``resources/`` so that each is
    built once per distinct input and parameter set.
    """
    h = hashlib.sha256()
    h.update(f"otuflow-classify-{MODEL_FORMAT}".encode())
    for p in paths:
        h.update(file_digest(p).encode())
    h.update(json.dumps(params, sort_keys=True).encode())
    return h.hexdigest()
