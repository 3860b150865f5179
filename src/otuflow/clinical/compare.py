"""Group comparisons of the clinical table: Tables 1-2 and the cytokine and immune-cell tests.

Every test is scipy's: Student's t (``ttest_ind``), one-way ANOVA (``f_oneway``),
Kruskal-Wallis (``kruskal``), Pearson chi-square (``chi2_contingency``) and Fisher's exact test
(``fisher_exact``; exact for 2x2 tables, Monte Carlo with a fixed seed for larger ones, as
scipy offers). Multiple testing: raw p beside the Benjamini-Hochberg q of the table
(statsmodels ``multipletests``).

Notes: docs/algorithms.md, "Clinical tables, host measures and microbe-host links".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from otuflow.clinical.schema import BY_NAME, OPIOID_ONLY

#: Fisher's exact test replaces chi-square when an expected count is below this.
MIN_EXPECTED = 5
#: Shapiro-Wilk p at or above which every group counts as normal (ANOVA; else Kruskal-Wallis).
NORMALITY_ALPHA = 0.05
#: p (or q) thresholds of one, two and three stars.
STAR_LEVELS = (0.05, 0.01, 0.001)
#: Monte Carlo tables of Fisher's exact test beyond 2x2.
FISHER_RESAMPLES = 99_999

STUDENT = "Student's t-test (two-sided, equal variances)"
ANOVA = "one-way ANOVA"
KRUSKAL = "Kruskal-Wallis"
CHI2_YATES = "Pearson χ² with Yates' continuity correction"
CHI2 = "Pearson χ² (no continuity correction)"
FISHER = "Fisher's exact test"
FISHER_MC = "Fisher's exact test (Monte Carlo, {n} tables)"


def mean_sd(values: pd.Series) -> str:
    """``mean ± SD`` (sample SD) with a precision fitting the values."""
    values = values.dropna()
    if values.empty:
        return "–"
    mean, sd = values.mean(), values.std(ddof=1) if len(values) > 1 else float("nan")
    digits = 1 if abs(mean) >= 10 else 2
    return f"{mean:.{digits}f} ± {sd:.{digits}f}"


def n_percent(count: int, total: int) -> str:
    """``n (%)``."""
    return f"{count} ({100 * count / total:.1f})" if total else "0 (–)"


def bh(p: Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg q values; NaN p values stay NaN and do not count."""
    p = np.asarray(p, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        q[ok] = multipletests(p[ok], method="fdr_bh")[1]
    return q


def contingency_test(table: np.ndarray, seed: int) -> tuple[str, float, float, float]:
    """Pearson chi-square, or Fisher's exact test when an expected count is below 5.

    Parameters
    ----------
    table : numpy.ndarray
        Counts, levels x groups (levels or groups with no patients are dropped first).
    seed : int
        Seed of the Monte Carlo Fisher test of tables larger than 2x2.

    Returns
    -------
    (test, statistic, df, p)
        ``statistic`` is chi-square (NaN for Fisher), ``df`` its degrees of freedom.
    """
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        return "not tested (one level)", float("nan"), float("nan"), float("nan")
    expected = stats.contingency.expected_freq(table)
    if (expected < MIN_EXPECTED).any():
        if table.shape == (2, 2):
            return FISHER, float("nan"), float("nan"), float(stats.fisher_exact(table).pvalue)
        method = stats.MonteCarloMethod(n_resamples=FISHER_RESAMPLES,
                                        rng=np.random.default_rng(seed))  # fmt: skip
        p = float(stats.fisher_exact(table, method=method).pvalue)
        return FISHER_MC.format(n=f"{FISHER_RESAMPLES:,}"), float("nan"), float("nan"), p
    result = stats.chi2_contingency(table, correction=True)
    name = CHI2_YATES if result.dof == 1 else CHI2
    return name, float(result.statistic), float(result.dof), float(result.pvalue)


def continuous_test(
    samples: Sequence[np.ndarray], student: bool = True
) -> tuple[str, float, float, float]:
    """Student's t for two groups; one-way ANOVA or Kruskal-Wallis for more.

    Parameters
    ----------
    samples : sequence of numpy.ndarray
        Values of each group.
    student : bool
        Use Student's t when there are two groups. Otherwise (and always for three or more
        groups) ANOVA is used when every group of at least 3 values passes Shapiro-Wilk at
        :data:`NORMALITY_ALPHA`, else Kruskal-Wallis.

    Returns
    -------
    (test, statistic, df, p)
        t (df = n1 + n2 - 2), F (df = between groups) or H (df = groups - 1).
    """
    samples = [np.asarray(s, dtype=float) for s in samples if len(s)]
    if len(samples) < 2 or any(len(s) < 2 for s in samples):
        return "not tested (too few patients)", float("nan"), float("nan"), float("nan")
    if len(samples) == 2 and student:
        result = stats.ttest_ind(*samples)
        return STUDENT, float(result.statistic), float(result.df), float(result.pvalue)
    normal = all(stats.shapiro(s).pvalue >= NORMALITY_ALPHA for s in samples if len(s) >= 3)
    if normal and all(np.ptp(s) > 0 for s in samples):
        result = stats.f_oneway(*samples)
        return ANOVA + " (groups normal by Shapiro-Wilk)", float(result.statistic), float(
            len(samples) - 1), float(result.pvalue)
    result = stats.kruskal(*samples)
    return KRUSKAL + " (a group not normal by Shapiro-Wilk)", float(result.statistic), float(
        len(samples) - 1), float(result.pvalue)


def _count_header(groups: Sequence[str], data: pd.DataFrame, column: str) -> list[str]:
    return [f"{g} (n = {int((data[column] == g).sum())})" for g in groups]


def characteristics_table(
    data: pd.DataFrame, fields: Sequence[str], group_column: str, groups: Sequence[str],
    seed: int,
) -> pd.DataFrame:
    """A publication "Table 1": each field by group with its test, p and BH q.

    Parameters
    ----------
    data : pandas.DataFrame
        Patients (:attr:`otuflow.clinical.table.ClinicalTable.data` or a subset).
    fields : sequence of str
        Columns to show, in order (absent columns are skipped).
    group_column : str
        Column holding each patient's group.
    groups : sequence of str
        Groups, in column order. With two groups, continuous fields get Student's t; with more,
        ANOVA or Kruskal-Wallis. Opioid-only fields (dose, days) are compared between the groups
        other than ``Control``.
    seed : int
        Seed of Monte Carlo Fisher tests.

    Returns
    -------
    pandas.DataFrame
        Columns ``Characteristic``, one per group (header ``name (n = k)``), ``Test``,
        ``Statistic``, ``df``, ``p``, ``q``. A category gives a header row carrying the test and
        one row per level with ``n (%)``; a number gives one row with ``mean ± SD``.
    """
    headers = _count_header(groups, data, group_column)
    rows = []
    for field in fields:
        if field not in data:
            continue
        column = BY_NAME[field]
        compared = [g for g in groups if not (field in OPIOID_ONLY and g == "Control")]
        subset = data[data[group_column].isin(compared) & data[field].notna()]
        if column.kind == "number":
            samples = [subset.loc[subset[group_column] == g, field].to_numpy() for g in compared]
            test, statistic, df, p = continuous_test(samples, student=len(groups) == 2)
            if field in OPIOID_ONLY:
                test += " between " + " and ".join(compared)
            cells = {
                h: mean_sd(data.loc[data[group_column] == g, field]) if g in compared else "–"
                for g, h in zip(groups, headers, strict=True)
            }
            rows.append({"Characteristic": f"{column.label_with_unit}, mean ± SD", **cells,
                         "Test": test, "Statistic": statistic, "df": df, "p": p})  # fmt: skip
            continue
        levels = list(column.allowed)
        counts = pd.crosstab(subset[field], subset[group_column]).reindex(
            index=levels, columns=compared, fill_value=0)
        test, statistic, df, p = contingency_test(counts.to_numpy(), seed)
        rows.append({"Characteristic": f"{column.label}, n (%)",
                     **dict.fromkeys(headers, ""), "Test": test, "Statistic": statistic,
                     "df": df, "p": p})  # fmt: skip
        totals = counts.sum(axis=0)
        for level in levels:
            cells = {h: n_percent(int(counts.loc[level, g]), int(totals[g]))
                     for g, h in zip(groups, headers, strict=True)}  # fmt: skip
            rows.append({"Characteristic": f"    {level}", **cells, "Test": "",
                         "Statistic": np.nan, "df": np.nan, "p": np.nan})  # fmt: skip
    table = pd.DataFrame(rows, columns=["Characteristic", *headers, "Test", "Statistic", "df",
                                        "p"])  # fmt: skip
    table["q"] = bh(table["p"])
    return table


def measure_tests(
    data: pd.DataFrame, measures: Sequence[str], figure: str, by_sex: bool = False,
    group_column: str = "opioid_group", groups: Sequence[str] = ("Control", "Opioid"),
) -> pd.DataFrame:
    """Student's t-tests of host measures between two groups, with BH q over the rows.

    Parameters
    ----------
    data : pandas.DataFrame
        Patients.
    measures : sequence of str
        Number columns to test (absent ones are skipped).
    figure : str
        Name of the figure the rows belong to (a column of the output).
    by_sex : bool
        Instead of all patients: Control vs Opioid within each sex, and male vs female within
        each group (Fig. 2).
    group_column, groups : str, sequence of str
        The two groups.

    Returns
    -------
    pandas.DataFrame
        One row per measure and comparison: ``figure``, ``measure``, ``label``, ``subset``,
        ``group_a``, ``group_b``, ``n_a``, ``n_b``, ``mean_a``, ``sd_a``, ``mean_b``, ``sd_b``,
        ``test``, ``t``, ``df``, ``p``, ``q``, ``stars``.
    """
    comparisons = []  # (subset label, mask, column, a, b)
    if by_sex:
        for sex in ("male", "female"):
            comparisons.append((sex, data["sex"] == sex, group_column, *groups))
        for group in groups:
            comparisons.append((group, data[group_column] == group, "sex", "male", "female"))
    else:
        comparisons.append(("all", pd.Series(True, index=data.index), group_column, *groups))
    rows = []
    for measure in measures:
        if measure not in data:
            continue
        for subset, mask, column, a, b in comparisons:
            values = data.loc[mask & data[measure].notna()]
            xa = values.loc[values[column] == a, measure].to_numpy()
            xb = values.loc[values[column] == b, measure].to_numpy()
            if len(xa) >= 2 and len(xb) >= 2:
                result = stats.ttest_ind(xa, xb)
                t, df, p = float(result.statistic), float(result.df), float(result.pvalue)
            else:
                t = df = p = float("nan")
            rows.append({
                "figure": figure, "measure": measure, "label": BY_NAME[measure].label_with_unit,
                "subset": subset, "group_a": a, "group_b": b, "n_a": len(xa), "n_b": len(xb),
                "mean_a": np.mean(xa) if len(xa) else np.nan,
                "sd_a": np.std(xa, ddof=1) if len(xa) > 1 else np.nan,
                "mean_b": np.mean(xb) if len(xb) else np.nan,
                "sd_b": np.std(xb, ddof=1) if len(xb) > 1 else np.nan,
                "test": STUDENT, "t": t, "df": df, "p": p,
            })  # fmt: skip
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["q"] = bh(table["p"])
    table["stars"] = table["p"].map(stars)
    return table


def stars(p: float) -> str:
    """``***`` p < 0.001, ``**`` p < 0.01, ``*`` p < 0.05, else "" (also for NaN)."""
    return "*" * sum(bool(p < level) for level in STAR_LEVELS)
