"""Relative abundance tables for composition plots: proportions, top-N with "Other", group means."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from otuflow.stats._inputs import StatsInputError, check_counts, check_groups, proportions

OTHER = "Other"


def relative_abundance(table: pd.DataFrame) -> pd.DataFrame:
    """Per-sample proportions of a features x samples count table (columns sum to 1).

    A sample with no reads gets proportions 0 (STAMP's convention) rather than NaN.
    """
    counts = check_counts(table)
    return pd.DataFrame(proportions(counts.to_numpy()), index=counts.index,
                        columns=counts.columns)


def top_n_with_other(
    rel: pd.DataFrame, n: int = 30, keep: Iterable[str] = ("Unassigned",)
) -> pd.DataFrame:
    """Keep the ``n`` most abundant features and sum the rest into an explicit ``Other`` row.

    Parameters
    ----------
    rel : pandas.DataFrame
        Features x samples relative abundances.
    n : int
        Number of features kept, ranked by mean relative abundance over samples (ties broken by
        feature name), excluding the ``keep`` rows.
    keep : iterable of str
        Rows always kept as themselves (e.g. ``Unassigned``), never folded into ``Other``.

    Returns
    -------
    pandas.DataFrame
        Top features (decreasing mean), then the ``keep`` rows present, then ``Other``
        (omitted if nothing is folded). Column sums are unchanged.
    """
    if n < 0:
        raise StatsInputError(f"n must be >= 0; got {n}")
    if OTHER in rel.index:
        raise StatsInputError(f"the table already has a feature named {OTHER!r}; rename it first")
    keep = [k for k in keep if k in rel.index]
    rest = rel.drop(index=keep)
    means = rest.mean(axis=1)
    ranking = sorted(rest.index, key=lambda f: (-means[f], str(f)))
    top, folded = ranking[:n], ranking[n:]
    parts = [rest.loc[top], rel.loc[keep]]
    if folded:
        parts.append(rest.loc[folded].sum(axis=0).to_frame(OTHER).T)
    return pd.concat(parts)


def group_means(rel: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Mean relative abundance of each feature per group (features x groups, groups sorted)."""
    labels = check_groups(groups, rel.columns)
    names = sorted(pd.unique(labels), key=str)
    return pd.DataFrame({g: rel.loc[:, (labels == g).to_numpy()].mean(axis=1) for g in names},
                        index=rel.index)
