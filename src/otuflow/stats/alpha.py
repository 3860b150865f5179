"""Alpha diversity: rarefaction, per-sample indices (scikit-bio), rarefaction curves, group tests.

Indices come from ``skbio.diversity.alpha_diversity``: observed OTUs, Chao1 (bias-corrected,
S_obs + F1 (F1 - 1) / (2 (F2 + 1)), as QIIME 1.9), Shannon (base 2 by default, as QIIME 1/2;
skbio's own default is e), Simpson (Gini-Simpson 1 - sum p^2) and Good's coverage 1 - F1/N
(docs/algorithms.md, "Alpha diversity: Chao1, Shannon and the other indices").

``compare_alpha`` reproduces QIIME 1.9 ``compare_alpha_diversity.py`` (docs/algorithms.md,
"QIIME 1 nonparametric alpha-diversity t-test"): per pair
of groups a pooled-variance Student t (``scipy.stats.ttest_ind(equal_var=True)``) and the
nonparametric Monte Carlo p = (#{|t*| >= |t_obs|} + 1) / (B + 1) over B random reassignments of
the pooled values to groups of the original sizes, Bonferroni (x the number of comparisons run)
and Benjamini-Hochberg; plus a Kruskal-Wallis test over all groups. "|t*| >= |t_obs|" is taken
with a relative tolerance of 1e-9 so that reassignments reproducing the observed split count as
ties whatever the rounding.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
from scipy import stats
from skbio.diversity import alpha_diversity as _skbio_alpha
from skbio.stats import subsample_counts

from otuflow.stats._inputs import StatsInputError, check_counts, check_groups
from otuflow.stats.comparisons import Comparison, plan_comparisons
from otuflow.stats.qvalue import benjamini_hochberg, bonferroni

TIE_TOLERANCE = 1e-9


def shannon_column(base: float) -> str:
    """Column name stating the Shannon log base: ``shannon_base2``, ``shannon_ln``, ..."""
    if np.isclose(base, np.e):
        return "shannon_ln"
    return f"shannon_base{base:g}"


def _integer_counts(counts: pd.DataFrame) -> pd.DataFrame:
    counts = check_counts(counts)
    values = counts.to_numpy()
    if np.any(values != np.round(values)):
        i, j = np.argwhere(values != np.round(values))[0]
        raise StatsInputError(
            f"alpha diversity needs integer counts; feature {counts.index[i]!r}, sample "
            f"{counts.columns[j]!r} is {values[i, j]!r}"
        )
    return counts.astype(np.int64)


def alpha_diversity(counts_rarefied: pd.DataFrame, shannon_base: float = 2) -> pd.DataFrame:
    """Alpha-diversity indices per sample.

    Parameters
    ----------
    counts_rarefied : pandas.DataFrame
        OTUs x samples integer counts, normally rarefied to equal depth.
    shannon_base : float
        Logarithm base of Shannon's index (2 as in QIIME; ``numpy.e`` for nats).

    Returns
    -------
    pandas.DataFrame
        Index = samples; columns ``observed_otus, chao1, <shannon_column(base)>, simpson,
        goods_coverage, depth``. ``attrs["shannon_base"]`` records the base.
    """
    counts = _integer_counts(counts_rarefied)
    if (counts.sum(axis=0) == 0).any():
        empty = list(counts.columns[counts.sum(axis=0) == 0][:5])
        raise StatsInputError(f"sample(s) without reads have no alpha diversity: {empty}")
    table = counts.T.to_numpy()
    ids = list(counts.columns)
    out = pd.DataFrame(index=pd.Index(ids, name="sample"))
    out["observed_otus"] = _skbio_alpha("sobs", table, ids=ids).to_numpy()
    out["chao1"] = _skbio_alpha("chao1", table, ids=ids, bias_corrected=True).to_numpy()
    out[shannon_column(shannon_base)] = _skbio_alpha(
        "shannon", table, ids=ids, base=shannon_base).to_numpy()
    out["simpson"] = _skbio_alpha("simpson", table, ids=ids).to_numpy()
    out["goods_coverage"] = _skbio_alpha("goods_coverage", table, ids=ids).to_numpy()
    out["depth"] = table.sum(axis=1)
    out.attrs["shannon_base"] = shannon_base
    return out


def _sample_rng(seed: int, sample) -> np.random.Generator:
    # Keyed by sample name so a sample's draw does not depend on which other samples are present.
    return np.random.default_rng([int(seed), zlib.crc32(str(sample).encode())])


def choose_depth(counts: pd.DataFrame, depth: int | None = None, floor: int = 1000) -> int:
    """Rarefaction depth: ``depth`` if given, else the smallest sample total that is >= ``floor``.

    Samples below the chosen depth are dropped by :func:`rarefy`.

    Raises
    ------
    StatsInputError
        If ``depth`` is not positive or no sample reaches ``floor``.
    """
    if depth is not None:
        if int(depth) != depth or depth < 1:
            raise StatsInputError(f"rarefaction depth must be a positive integer; got {depth!r}")
        return int(depth)
    totals = check_counts(counts).sum(axis=0)
    ok = totals[totals >= floor]
    if ok.empty:
        raise StatsInputError(
            f"no sample has at least {floor} reads (largest: {int(totals.max())}); lower "
            "'diversity: rarefaction_floor' in the config or set 'diversity: rarefaction_depth'"
        )
    return int(ok.min())


def rarefy(counts: pd.DataFrame, depth: int, seed: int = 0) -> tuple[pd.DataFrame, list]:
    """Subsample every sample to ``depth`` reads without replacement (skbio ``subsample_counts``).

    Parameters
    ----------
    counts : pandas.DataFrame
        OTUs x samples integer counts.
    depth : int
        Reads kept per sample.
    seed : int
        Base seed; each sample uses a generator seeded with (seed, CRC32 of its name), so the
        result is deterministic and independent of the other samples.

    Returns
    -------
    (pandas.DataFrame, list)
        The rarefied table (OTU rows kept, even if now empty; samples below ``depth`` removed)
        and the list of removed samples.
    """
    depth = choose_depth(counts, depth)
    counts = _integer_counts(counts)
    totals = counts.sum(axis=0)
    kept = [s for s in counts.columns if totals[s] >= depth]
    dropped = [s for s in counts.columns if totals[s] < depth]
    out = pd.DataFrame(0, index=counts.index, columns=kept, dtype=np.int64)
    for s in kept:
        out[s] = subsample_counts(counts[s].to_numpy(), depth, seed=_sample_rng(seed, s))
    return out, dropped


def rarefaction_curves(
    counts: pd.DataFrame,
    steps: int | list[int] = 10,
    iterations: int = 10,
    seed: int = 0,
    shannon_base: float = 2,
) -> pd.DataFrame:
    """Observed OTUs and Shannon index along rarefaction depths.

    Parameters
    ----------
    counts : pandas.DataFrame
        OTUs x samples integer counts.
    steps : int or list of int
        Depths to draw, or their number (evenly spaced from max/steps to the largest sample
        total, rounded to integers).
    iterations : int
        Independent subsamples per depth.
    seed : int
        Base seed; draws are keyed by (seed, sample, depth, iteration).

    Returns
    -------
    pandas.DataFrame
        Long table with columns ``sample, depth, iteration, observed_otus,
        <shannon_column(base)>``; a sample contributes only depths up to its total.
    """
    counts = _integer_counts(counts)
    totals = counts.sum(axis=0)
    if isinstance(steps, int | np.integer):
        if steps < 1:
            raise StatsInputError("steps must be >= 1")
        top = int(totals.max())
        depths = sorted({max(1, int(round(top * k / steps))) for k in range(1, steps + 1)})
    else:
        depths = sorted({int(d) for d in steps})
        if not depths or depths[0] < 1:
            raise StatsInputError("rarefaction depths must be positive integers")
    shannon = shannon_column(shannon_base)
    rows = []
    for s in counts.columns:
        vec = counts[s].to_numpy()
        for d in depths:
            if d > totals[s]:
                break
            for it in range(iterations):
                rng = np.random.default_rng(
                    [int(seed), zlib.crc32(str(s).encode()), d, it])
                sub = subsample_counts(vec, d, seed=rng)
                prop = sub[sub > 0] / d
                h = float(-(prop * np.log(prop)).sum() / np.log(shannon_base))
                rows.append((s, d, it, int((sub > 0).sum()), h))
    return pd.DataFrame(rows, columns=["sample", "depth", "iteration", "observed_otus", shannon])


def _pooled_t(x: np.ndarray, n_a: int) -> np.ndarray:
    """Student two-sample t with pooled variance along the last axis (first ``n_a`` = group a)."""
    a, b = x[..., :n_a], x[..., n_a:]
    n_b = b.shape[-1]
    ss = a.var(axis=-1, ddof=0) * n_a + b.var(axis=-1, ddof=0) * n_b
    sp2 = ss / (n_a + n_b - 2)
    diff = a.mean(axis=-1) - b.mean(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return diff / np.sqrt(sp2 * (1 / n_a + 1 / n_b))


def monte_carlo_t(
    values_a, values_b, permutations: int = 999, seed: int | None = 0
) -> tuple[float, float, float]:
    """QIIME 1 ``mc_t_two_sample``: pooled t, its parametric p and the Monte Carlo p.

    Returns
    -------
    (t, parametric p, nonparametric p)
        Two-sided; NaN when t is undefined (no variance in either group).
    """
    a = np.asarray(values_a, dtype=float)
    b = np.asarray(values_b, dtype=float)
    if permutations < 1:
        raise StatsInputError("permutations must be >= 1")
    res = stats.ttest_ind(a, b, equal_var=True)
    t_obs = float(res.statistic)
    if not np.isfinite(t_obs):
        return t_obs, float(res.pvalue), np.nan
    pooled = np.concatenate([a, b])
    rng = np.random.default_rng(seed)
    perms = rng.permuted(np.tile(np.arange(pooled.size), (permutations, 1)), axis=1)
    t_null = np.abs(_pooled_t(pooled[perms], a.size))
    better = np.count_nonzero(t_null >= abs(t_obs) * (1 - TIE_TOLERANCE))
    return t_obs, float(res.pvalue), (better + 1) / (permutations + 1)


def compare_alpha(
    values: pd.Series,
    groups: pd.Series,
    permutations: int = 999,
    seed: int | None = 0,
    planned: list[Comparison] | None = None,
) -> pd.DataFrame:
    """Compare one alpha metric between groups, as QIIME 1.9 ``compare_alpha_diversity.py``.

    Parameters
    ----------
    values : pandas.Series
        Metric per sample (e.g. a column of :func:`alpha_diversity`).
    groups : pandas.Series
        Group label per sample.
    permutations : int
        Monte Carlo permutations for the nonparametric p (QIIME default 999).
    seed : int or None
        Seed of the permutation RNG (the same seed is used for every pair).
    planned : list of Comparison, optional
        Pairs to test; default every pair of groups present plus the pooled comparisons of
        :func:`otuflow.stats.comparisons.plan_comparisons` (groups with < 2 samples are reported
        as skipped).

    Returns
    -------
    pandas.DataFrame
        First row ``comparison="all groups"``, ``test="kruskal"`` (H in ``statistic``, its p in
        ``p``); then one row per pair with ``mean_a, sd_a, mean_b, sd_b, t, p_parametric,
        p`` (Monte Carlo), ``p_bonferroni``, ``q_bh`` and ``skipped`` (reason or empty).
    """
    values = values.dropna()
    labels = check_groups(groups, values.index)
    skipped = []
    if planned is None:
        planned, skipped = plan_comparisons(labels)
    rows = []
    names = sorted(pd.unique(labels), key=str)
    parts = [values[labels == g].to_numpy(dtype=float) for g in names]
    kw_row = {"comparison": "all groups", "test": "kruskal", "group_a": ", ".join(map(str, names)),
              "n_a": len(values), "statistic": np.nan, "p": np.nan, "skipped": ""}
    if len(names) < 2:
        kw_row["skipped"] = "fewer than two groups"
    elif np.ptp(values.to_numpy(dtype=float)) == 0:
        kw_row.update(statistic=0.0, p=1.0)
    else:
        kw = stats.kruskal(*parts)
        kw_row.update(statistic=float(kw.statistic), p=float(kw.pvalue))
    rows.append(kw_row)
    for cmp in planned:
        a = values.reindex(cmp.samples_a).dropna().to_numpy(dtype=float)
        b = values.reindex(cmp.samples_b).dropna().to_numpy(dtype=float)
        row = {"comparison": cmp.label, "test": "t (Monte Carlo)", "group_a": cmp.name_a,
               "group_b": cmp.name_b, "n_a": a.size, "n_b": b.size, "skipped": ""}
        if a.size < 2 or b.size < 2:
            row["skipped"] = "fewer than 2 samples with a value in a group"
        else:
            t, p_par, p_mc = monte_carlo_t(a, b, permutations, seed)
            row.update(mean_a=a.mean(), sd_a=a.std(ddof=1), mean_b=b.mean(), sd_b=b.std(ddof=1),
                       statistic=t, p_parametric=p_par, p=p_mc)
            if np.isnan(p_mc):
                row["skipped"] = "t undefined (no variance within groups)"
        rows.append(row)
    for s in skipped:
        rows.append({"comparison": f"{s.name_a} vs {s.name_b}", "test": "t (Monte Carlo)",
                     "group_a": s.name_a, "group_b": s.name_b, "skipped": s.reason})
    out = pd.DataFrame(rows)
    for col in ("mean_a", "sd_a", "mean_b", "sd_b", "p_parametric", "group_b", "n_b"):
        if col not in out:
            out[col] = np.nan
    pair = (out["test"] != "kruskal") & (out["skipped"] == "") & out["p"].notna()
    out["p_bonferroni"] = np.nan
    out["q_bh"] = np.nan
    if pair.any():
        out.loc[pair, "p_bonferroni"] = bonferroni(out.loc[pair, "p"].to_numpy())
        out.loc[pair, "q_bh"] = benjamini_hochberg(out.loc[pair, "p"].to_numpy())
    cols = ["comparison", "test", "group_a", "n_a", "group_b", "n_b", "mean_a", "sd_a",
            "mean_b", "sd_b", "statistic", "p_parametric", "p", "p_bonferroni", "q_bh",
            "skipped"]
    out.attrs.update(permutations=permutations, seed=seed)
    return out[cols]
