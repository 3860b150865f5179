"""Metastats (White, Nagarajan & Pop 2009): two-group differential abundance on proportions.

Follows the original R ``detect_differentially_abundant_features`` step by step
(docs/algorithms.md, "Metastats"):

1. proportions P = F / column totals;
2. per feature unpooled t = (mean_a - mean_b) / sqrt(var_a/n_a + var_b/n_b) (variances with n-1);
3. B permutations of the sample columns, t recomputed for every feature (vectorised here);
4. if n_a < 8 or n_b < 8 (``threshold_small``) the null |t| of the "high-frequency" features
   (sum of counts in group a >= n_a or in group b >= n_b) are pooled and
   p = #{pooled |t*| > |t|} / (B (H + 1)) -- the original code's counter ends at H + 1, so the
   denominator is B (H + 1), strict ``>``, no +1 in the numerator; otherwise
   p = (#{|t*_feature| > |t|} + 1) / (B + 1);
   when no null |t*| exceeds |t| (where the pooled formula would give p = 0), p is the
   resolution of the null used, 1 / (B (H + 1)) pooled or 1 / (B + 1) per feature (what the
   per-feature formula already gives), and ``p_upper_bound`` is True: that value is an upper
   bound, and the report prints it as "< value" (a permutation p-value is never reported as 0);
5. sparse features (sum in a < n_a AND sum in b < n_b) get a two-sided Fisher exact test on
   [[sum_a, sum_b], [total_a - sum_a, total_b - sum_b]] instead;
6. one sample per group: chi-square (with Yates' correction, R's ``chisq.test`` default) when
   f11 > 20 and f22 > 20, else Fisher; mean = f/total, variance = mean (1 - mean) / (total - 1),
   stderr = sqrt(variance) -- as in the R code;
7. Storey q-values (:func:`otuflow.stats.qvalue.storey_qvalues`).

Checked against an independent loop port of the R arithmetic on fixed permutations (exact) and
against mothur 1.48 ``metastats`` (``tests/reference/stats_metastats_mothur``: means, variances and
standard errors to mothur's 6 printed decimals, permutation p-values within Monte Carlo error;
mothur's sparse-feature Fisher test uses the table [[f11, f11], [f21, f22]] -- its ``f12 =
floor(f11)`` bug -- so its p-values differ there whenever f11 != f12).

Deviations, all deliberate and small:

* A feature whose proportion is identical in every compared sample (0/0 in the t formula) gets
  t = 0 and p = 1. R gives t = NaN, p = NA, and its ``calc_qvalues`` then stops with an error
  unless the feature is sparse (Fisher replaces the NA); mothur counts nothing as greater and
  reports p = 0. Null t values of such features are 0, so they add nothing to a pooled count.
* "|t*| > |t|" is evaluated as |t*| > |t| (1 + 1e-9): a permutation that reproduces the observed
  split computes the same t up to rounding, and R counts it as not greater whenever the summation
  order is unchanged (always for the identity permutation); the tolerance makes that systematic.
* p = 0 of the pooled null (no pooled |t*| greater than |t|) is reported as 1 / (B (H + 1)) with
  ``p_upper_bound`` set, and q is computed from that p; every p > 0 is the published value.
  mothur prints 0 there.
* pi0 of the q-values is capped at 1 (see :mod:`otuflow.stats.qvalue`).
* Rows keep the input feature order (R sorts the output by p).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from otuflow.stats._inputs import (
    StatsInputError,
    check_counts,
    check_groups_series,
    two_group_columns,
)
from otuflow.stats.qvalue import storey_qvalues

#: Relative tolerance under which a permuted |t| counts as equal to the observed one.
TIE_TOLERANCE = 1e-9

COLUMNS = [
    "feature", "group_a", "group_b", "n_a", "n_b",
    "mean_a", "variance_a", "stderr_a", "mean_b", "variance_b", "stderr_b",
    "t", "p", "p_upper_bound", "q", "test",
]


def welch_t(x: np.ndarray, n_a: int) -> np.ndarray:
    """Unpooled two-sample t along the last axis: the first ``n_a`` entries are group a.

    0/0 (both variances zero, equal means) gives 0; a non-zero difference over a zero
    denominator gives +-inf, as in R.
    """
    a, b = x[..., :n_a], x[..., n_a:]
    mean_a, mean_b = a.mean(axis=-1), b.mean(axis=-1)
    se2 = a.var(axis=-1, ddof=1) / n_a + b.var(axis=-1, ddof=1) / b.shape[-1]
    diff = mean_a - mean_b
    with np.errstate(divide="ignore", invalid="ignore"):
        t = diff / np.sqrt(se2)
    t[(diff == 0) & (se2 == 0)] = 0.0
    return t


def permutation_null(
    prop: np.ndarray, n_a: int, permutation_indices: np.ndarray, batch: int = 200
) -> np.ndarray:
    """|t| of every feature under every permutation; shape (features, permutations).

    Each row of ``permutation_indices`` reorders the columns of ``prop``; its first ``n_a``
    entries form group a (R: ``Pmatrix <- Imatrix[, sample(1:ncol)]``).
    """
    n_perm = permutation_indices.shape[0]
    null = np.empty((prop.shape[0], n_perm))
    for start in range(0, n_perm, batch):
        idx = permutation_indices[start : start + batch]
        null[:, start : start + idx.shape[0]] = np.abs(welch_t(prop[:, idx], n_a))
    return null


def random_permutations(n_samples: int, permutations: int, seed) -> np.ndarray:
    """``permutations`` x ``n_samples`` array of independent random permutations of the columns."""
    rng = np.random.default_rng(seed)
    base = np.tile(np.arange(n_samples), (permutations, 1))
    return rng.permuted(base, axis=1)


def _check_permutations(indices, permutations: int | None, n: int) -> np.ndarray:
    idx = np.asarray(indices)
    if idx.ndim != 2 or idx.shape[1] != n:
        raise StatsInputError(f"permutation_indices must have shape (B, {n}); got {idx.shape}")
    if not np.array_equal(np.sort(idx, axis=1), np.tile(np.arange(n), (idx.shape[0], 1))):
        raise StatsInputError("every row of permutation_indices must be a permutation of 0..n-1")
    if permutations is not None and permutations != idx.shape[0]:
        raise StatsInputError(
            f"permutations={permutations} but permutation_indices has {idx.shape[0]} rows"
        )
    return idx.astype(np.intp)


def _greater_counts(null_sorted: np.ndarray, t_abs: np.ndarray) -> np.ndarray:
    """#{null > |t| (1 + tol)} for each |t|, with ``null_sorted`` ascending."""
    thresholds = t_abs * (1.0 + TIE_TOLERANCE)
    return null_sorted.size - np.searchsorted(null_sorted, thresholds, side="right")


def _fisher(f11: float, f12: float, f21: float, f22: float) -> float:
    table = np.array([[f11, f12], [f21, f22]], dtype=np.int64)
    return float(stats.fisher_exact(table, alternative="two-sided").pvalue)


def metastats(
    counts: pd.DataFrame,
    groups: pd.Series,
    group_a: str,
    group_b: str,
    permutations: int = 1000,
    seed: int | None = 0,
    threshold_small: int = 8,
    permutation_indices: np.ndarray | None = None,
) -> pd.DataFrame:
    """Run Metastats between two groups of samples.

    Parameters
    ----------
    counts : pandas.DataFrame
        Features x samples counts (non-negative). Samples not in either group are ignored.
    groups : pandas.Series
        Group label per sample (index = sample IDs).
    group_a, group_b : str
        Labels of the two groups; group a plays the role of R's group 1 (sign of t).
    permutations : int
        Number B of label permutations (R and mothur default 1000).
    seed : int or None
        Seed of the permutation RNG (``numpy.random.default_rng``); record it with the results.
    threshold_small : int
        Group size below which the pooled-null rule applies (8 in the original code).
    permutation_indices : numpy.ndarray, optional
        Fixed permutations, shape (B, n_a + n_b), indexing the columns ordered group a then
        group b; overrides ``seed`` (used to test against an independent implementation).

    Returns
    -------
    pandas.DataFrame
        One row per feature in input order with columns ``feature, group_a, group_b, n_a, n_b,
        mean_a, variance_a, stderr_a, mean_b, variance_b, stderr_b, t, p, p_upper_bound, q,
        test``; means, variances and standard errors are of proportions; ``test`` is
        ``t-permutation``, ``fisher`` or ``chisq``. ``p_upper_bound`` is True where no permuted
        |t| exceeded the observed one: p is then the resolution of the null (1 / (B (H + 1))
        pooled, 1 / (B + 1) per feature), an upper bound. ``attrs`` records
        permutations, seed and the pooled-null flag.
    """
    counts = check_counts(counts)
    cols_a, cols_b = two_group_columns(counts, check_groups_series(groups), group_a, group_b)
    n_a, n_b = len(cols_a), len(cols_b)
    if (n_a == 1) != (n_b == 1):
        raise StatsInputError(
            f"Metastats needs at least 2 samples in each group (or exactly 1 in both); "
            f"{group_a!r} has {n_a}, {group_b!r} has {n_b}"
        )
    freq = counts[cols_a + cols_b].to_numpy()
    if np.any(freq != np.round(freq)):
        i, j = np.argwhere(freq != np.round(freq))[0]
        raise StatsInputError(
            f"Metastats needs integer counts (Fisher's test); feature {counts.index[i]!r} in "
            f"sample {(cols_a + cols_b)[j]!r} is {freq[i, j]!r}"
        )
    totals = freq.sum(axis=0)
    if np.any(totals == 0):
        empty = [s for s, tot in zip(cols_a + cols_b, totals, strict=True) if tot == 0]
        raise StatsInputError(f"sample(s) with no reads cannot be compared: {empty}")
    prop = freq / totals
    sum_a, sum_b = freq[:, :n_a].sum(axis=1), freq[:, n_a:].sum(axis=1)
    total_a, total_b = totals[:n_a].sum(), totals[n_a:].sum()
    out = pd.DataFrame({"feature": counts.index, "group_a": group_a, "group_b": group_b,
                        "n_a": n_a, "n_b": n_b})

    if n_a == 1:
        out = _two_samples(out, sum_a, sum_b, total_a, total_b)
        out.attrs.update(permutations=0, seed=None, pooled_null=False)
        return out[COLUMNS]

    mean_a, mean_b = prop[:, :n_a].mean(axis=1), prop[:, n_a:].mean(axis=1)
    var_a, var_b = prop[:, :n_a].var(axis=1, ddof=1), prop[:, n_a:].var(axis=1, ddof=1)
    t_obs = welch_t(prop, n_a)
    if permutation_indices is None:
        perms = random_permutations(n_a + n_b, permutations, seed)
    else:
        perms = _check_permutations(permutation_indices, None, n_a + n_b)
    n_perm = perms.shape[0]
    if n_perm < 1:
        raise StatsInputError("Metastats needs at least one permutation")
    constant = prop.max(axis=1) == prop.min(axis=1)
    null = permutation_null(prop, n_a, perms)
    null[constant] = 0.0
    t_abs = np.abs(t_obs)
    high_freq = (sum_a >= n_a) | (sum_b >= n_b)
    pooled = n_a < threshold_small or n_b < threshold_small
    if pooled:
        pool = np.sort(null[high_freq].ravel())
        greater = _greater_counts(pool, t_abs)
        p = greater / (n_perm * (high_freq.sum() + 1))
        resolution = 1.0 / (n_perm * (high_freq.sum() + 1))
    else:
        null.sort(axis=1)
        greater = np.array(
            [_greater_counts(row, np.array([ta]))[0] for row, ta in zip(null, t_abs, strict=True)]
        )
        resolution = 1.0 / (n_perm + 1)
        p = (greater + 1) / (n_perm + 1)
    # No null |t| beyond the observed one: the p-value is below the null's resolution (the
    # pooled formula would say 0), so report that resolution and flag it.
    upper_bound = (greater == 0) & high_freq & ~constant
    p[upper_bound] = resolution
    p[constant] = 1.0
    test = np.where(high_freq, "t-permutation", "fisher")
    for i in np.flatnonzero(~high_freq):
        p[i] = _fisher(sum_a[i], sum_b[i], total_a - sum_a[i], total_b - sum_b[i])

    out["mean_a"], out["variance_a"], out["stderr_a"] = mean_a, var_a, np.sqrt(var_a / n_a)
    out["mean_b"], out["variance_b"], out["stderr_b"] = mean_b, var_b, np.sqrt(var_b / n_b)
    out["t"], out["p"], out["p_upper_bound"], out["test"] = t_obs, p, upper_bound, test
    out["q"] = storey_qvalues(p)
    out.attrs.update(permutations=n_perm, seed=None if permutation_indices is not None else seed,
                     pooled_null=pooled)
    return out[COLUMNS]


def _two_samples(out: pd.DataFrame, f11, f12, total_1: float, total_2: float) -> pd.DataFrame:
    """The original code's branch for one sample per group (ncol == 2)."""
    f21, f22 = total_1 - f11, total_2 - f12
    for suffix, f, total in (("a", f11, total_1), ("b", f12, total_2)):
        mean = f / total
        var = mean * (1 - mean) / (total - 1) if total > 1 else np.full_like(mean, np.nan)
        out[f"mean_{suffix}"], out[f"variance_{suffix}"] = mean, var
        out[f"stderr_{suffix}"] = np.sqrt(var)
    p, test = np.empty(len(out)), []
    for i in range(len(out)):
        table = np.array([[f11[i], f12[i]], [f21[i], f22[i]]])
        if f11[i] > 20 and f22[i] > 20:
            p[i] = stats.chi2_contingency(table, correction=True).pvalue
            test.append("chisq")
        else:
            p[i] = _fisher(*table.ravel())
            test.append("fisher")
    out["t"], out["p"], out["p_upper_bound"], out["test"] = np.nan, p, False, test
    out["q"] = storey_qvalues(p)
    return out
