"""PERMANOVA with covariates and marginal terms, as ``vegan::adonis2(by = "margin")``.

The model is the distance-based redundancy analysis of adonis2 (vegan >= 2.6): Gower's centred
matrix G = -1/2 C D² C (C the centring matrix), a term's sum of squares is the trace of G
projected on the model matrix. For a marginal term (``by = "margin"``, vegan's
``anova.ccabymargin``):

* SS_term = tr(H_full G) - tr(H_without_term G), Df = rank difference of the two model matrices;
* F = (SS_term / Df) / (SS_residual / Df_residual) with SS_residual = tr(G) - tr(H_full G);
* permutations shuffle the samples of G (rows and columns alike, ``G[k, k]``) with the model
  matrices fixed, the same permutations for every term; p = (#{F* >= F - ε} + 1) / (B + 1) with
  ε = sqrt(machine epsilon), as vegan.

A factor enters as indicator columns (the column space, not the contrasts, fixes the sums of
squares); a number as one column. Negative eigenvalues of G are kept, as vegan's dbrda.

Notes: docs/algorithms.md, "PERMANOVA with covariates (marginal terms)".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from skbio import DistanceMatrix

from otuflow.stats._inputs import StatsInputError

EPS = np.sqrt(np.finfo(float).eps)


def gower_centred(distances: np.ndarray) -> np.ndarray:
    """G = -1/2 C D² C of a distance matrix."""
    n = distances.shape[0]
    centring = np.eye(n) - np.full((n, n), 1.0 / n)
    return -0.5 * centring @ (distances**2) @ centring


def _term_columns(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float)[:, None]
    levels = sorted(values.astype(str).unique())
    return np.column_stack([(values.astype(str) == level).to_numpy(float) for level in levels[1:]]
                           ) if len(levels) > 1 else np.empty((len(values), 0))  # fmt: skip


def _hat(columns: list[np.ndarray], n: int) -> tuple[np.ndarray, int]:
    """Projection onto [1, columns...] and the rank of the columns beyond the intercept."""
    matrix = np.column_stack([np.ones(n), *columns])
    q, r = np.linalg.qr(matrix)
    keep = np.abs(np.diag(r)) > 1e-10 * max(np.abs(np.diag(r)).max(), 1.0)
    q = q[:, keep]
    return q @ q.T, int(keep.sum()) - 1


def permutation_matrix(n: int, permutations: int, seed: int | None) -> np.ndarray:
    """``permutations`` free permutations of ``n`` samples (one per row), from ``seed``."""
    rng = np.random.default_rng(seed)
    return np.array([rng.permutation(n) for _ in range(permutations)], dtype=int).reshape(
        permutations, n)


def permanova_margin(
    dm: DistanceMatrix,
    covariates: pd.DataFrame,
    terms: Sequence[str],
    permutations: int = 999,
    seed: int | None = 0,
    permutation_rows: np.ndarray | None = None,
) -> pd.DataFrame:
    """PERMANOVA of ``dm ~ terms`` with marginal tests, as ``adonis2(by = "margin")``.

    Parameters
    ----------
    dm : skbio.DistanceMatrix
        Distances between samples.
    covariates : pandas.DataFrame
        One row per sample of ``dm`` (index: sample IDs); the ``terms`` columns, numbers or
        categories, without missing values.
    terms : sequence of str
        Model terms, in order (e.g. ``["group", "age", "sex"]``).
    permutations : int
        Number of permutations (ignored when ``permutation_rows`` is given).
    seed : int or None
        Seed of the permutations.
    permutation_rows : numpy.ndarray, optional
        Permutations to use (B x n, 0-based sample positions in ``dm.ids`` order), e.g. vegan's
        own ``shuffleSet`` for a comparison with R.

    Returns
    -------
    pandas.DataFrame
        Index: the terms, ``Residual``, ``Total``; columns ``Df``, ``SumOfSqs``, ``R2``, ``F``,
        ``p`` (as adonis2's table).

    Raises
    ------
    StatsInputError
        For a sample without covariates, missing values, or a model with no residual degrees of
        freedom.
    """
    ids = list(dm.ids)
    missing = [s for s in ids if s not in covariates.index]
    if missing:
        raise StatsInputError(f"no covariates for sample(s) {', '.join(missing)}")
    data = covariates.loc[ids, list(terms)]
    if data.isna().any().any():
        bad = data.index[data.isna().any(axis=1)].tolist()
        raise StatsInputError(f"missing covariate values for sample(s) {', '.join(bad)}")
    n = len(ids)
    g = gower_centred(dm.data)
    columns = {term: _term_columns(data[term]) for term in terms}
    full, rank_full = _hat(list(columns.values()), n)
    df_resid = n - 1 - rank_full
    if df_resid < 1:
        raise StatsInputError(f"{n} samples leave no residual degrees of freedom for {terms}")
    reduced = [_hat([c for t, c in columns.items() if t != term], n) for term in terms]
    total = float(np.trace(g))
    ss_full = float(np.sum(full * g))
    ss_resid = total - ss_full
    rows = permutation_rows if permutation_rows is not None else permutation_matrix(
        n, permutations, seed)  # fmt: skip
    rows = np.asarray(rows, dtype=int)
    full_perm = np.empty(len(rows))
    reduced_perm = np.empty((len(rows), len(terms)))
    for b, order in enumerate(rows):
        gk = g[np.ix_(order, order)]
        full_perm[b] = np.sum(full * gk)
        reduced_perm[b] = [np.sum(hat * gk) for hat, _ in reduced]
    scale_perm = (total - full_perm) / df_resid
    table = []
    for j, term in enumerate(terms):
        hat, rank = reduced[j]
        df = rank_full - rank
        ss = ss_full - float(np.sum(hat * g))
        if df == 0:
            table.append((term, 0, ss, ss / total, np.nan, np.nan))
            continue
        f = (ss / df) / (ss_resid / df_resid)
        f_perm = (full_perm - reduced_perm[:, j]) / df / scale_perm
        p = (np.sum(f_perm >= f - EPS) + 1) / (len(rows) + 1)
        table.append((term, df, ss, ss / total, f, float(p)))
    table.append(("Residual", df_resid, ss_resid, ss_resid / total, np.nan, np.nan))
    table.append(("Total", n - 1, total, 1.0, np.nan, np.nan))
    out = pd.DataFrame(table, columns=["term", "Df", "SumOfSqs", "R2", "F", "p"])
    return out.set_index("term")
