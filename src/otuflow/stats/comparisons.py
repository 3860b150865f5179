"""Which two-group comparisons to run: pooled groups vs the reference, then every pair of groups."""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Mapping, Sequence
from itertools import combinations
from typing import NamedTuple

import pandas as pd

from otuflow.stats._inputs import StatsInputError, check_groups_series

DEFAULT_POOLED: Mapping[str, Sequence[str]] = {"Opioid": ("Opioid-S", "Opioid-T")}
DEFAULT_REFERENCE = "Control"


class Comparison(NamedTuple):
    """Two sets of samples to compare; unpacks as ``(name_a, samples_a, name_b, samples_b)``."""

    name_a: str
    samples_a: tuple
    name_b: str
    samples_b: tuple

    @property
    def label(self) -> str:
        """``"A vs B"``."""
        return f"{self.name_a} vs {self.name_b}"

    @property
    def slug(self) -> str:
        """File-name part, ``<A>_vs_<B>`` with characters unsafe in file names replaced by ``_``.

        Written into file names only; code that needs the groups uses the object, never a
        parsed slug.
        """
        return f"{_file_safe(self.name_a)}_vs_{_file_safe(self.name_b)}"

    def restricted_to(self, samples: Container[str]) -> Comparison:
        """The same comparison on the samples in ``samples`` only."""
        return Comparison(
            self.name_a,
            tuple(s for s in self.samples_a if s in samples),
            self.name_b,
            tuple(s for s in self.samples_b if s in samples),
        )

    def groups(self) -> pd.Series:
        """Sample -> ``name_a``/``name_b`` labels, for the two-group test functions."""
        return pd.Series(
            [self.name_a] * len(self.samples_a) + [self.name_b] * len(self.samples_b),
            index=list(self.samples_a) + list(self.samples_b),
            dtype=object,
        )


def _file_safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9.+-]+", "_", name).strip("._") or "group"


class SkippedComparison(NamedTuple):
    """A comparison that was not run, with the reason."""

    name_a: str
    name_b: str
    reason: str


def plan_comparisons(
    groups: pd.Series,
    pooled: Mapping[str, Sequence[str]] | None = None,
    reference: str | None = DEFAULT_REFERENCE,
    min_samples: int = 2,
) -> tuple[list[Comparison], list[SkippedComparison]]:
    """List the comparisons to run and those skipped (with reasons).

    Parameters
    ----------
    groups : pandas.Series
        Group label per sample.
    pooled : mapping, optional
        Pooled group name -> member group labels (default ``{"Opioid": ["Opioid-S",
        "Opioid-T"]}``). A pooled group is compared with ``reference`` only when at least two of
        its members are present (otherwise it would repeat a pairwise comparison).
    reference : str or None
        Reference group; it is placed second (``name_b``) in every comparison it takes part in.
    min_samples : int
        A side with fewer samples is skipped.

    Returns
    -------
    (list of Comparison, list of SkippedComparison)
        Pooled comparisons first, then every pair of present groups (reference pairs first, the
        rest in sorted order).
    """
    groups = check_groups_series(groups).dropna()
    pooled = DEFAULT_POOLED if pooled is None else pooled
    members = {str(g): tuple(groups.index[groups == g]) for g in pd.unique(groups)}
    present = sorted(members)
    if reference is not None and reference in members:
        present = [reference] + [g for g in present if g != reference]
    candidates: list[tuple[str, tuple, str, tuple]] = []
    skipped: list[SkippedComparison] = []
    for name, parts in pooled.items():
        if name in members:
            raise StatsInputError(f"pooled group name {name!r} is also a group label")
        found = [p for p in parts if p in members]
        if not found:
            continue  # pooling does not apply to this design
        if reference is None or reference not in members:
            skipped.append(SkippedComparison(name, str(reference), "reference group absent"))
        elif len(found) < 2:
            skipped.append(SkippedComparison(
                name, reference, f"fewer than two of {list(parts)} present; pooled group "
                "would repeat a pairwise comparison"))
        else:
            samples = tuple(s for p in found for s in members[p])
            candidates.append((name, samples, reference, members[reference]))
    for first, second in combinations(present, 2):
        if first == reference:
            first, second = second, first
        candidates.append((first, members[first], second, members[second]))
    planned = []
    for candidate in candidates:
        reason = too_small(Comparison(*candidate), min_samples)
        if reason:
            skipped.append(SkippedComparison(candidate[0], candidate[2], reason))
        else:
            planned.append(Comparison(*candidate))
    return planned, skipped


def too_small(comparison: Comparison, min_samples: int = 2) -> str:
    """Why ``comparison`` cannot run (a side with fewer than ``min_samples``), or ""."""
    return "; ".join(
        f"{name} has {len(members)} sample(s) (< {min_samples})"
        for name, members in (
            (comparison.name_a, comparison.samples_a),
            (comparison.name_b, comparison.samples_b),
        )
        if len(members) < min_samples
    )


def comparisons(
    groups: pd.Series,
    pooled: Mapping[str, Sequence[str]] | None = None,
    reference: str | None = DEFAULT_REFERENCE,
    min_samples: int = 2,
) -> list[Comparison]:
    """The comparisons of :func:`plan_comparisons` that can be run (skipped ones dropped)."""
    return plan_comparisons(groups, pooled, reference, min_samples)[0]


def run_pairwise(
    test: Callable[..., pd.DataFrame],
    counts: pd.DataFrame,
    groups: pd.Series,
    planned: Sequence[Comparison] | None = None,
    **kwargs,
) -> pd.DataFrame:
    """Run a two-group test (e.g. ``metastats``, ``stamp_welch``) for every comparison.

    ``test`` is called as ``test(counts, comparison.groups(), name_a, name_b, **kwargs)``; the
    results are stacked with a leading ``comparison`` column ("A vs B").
    """
    planned = comparisons(groups) if planned is None else planned
    frames = []
    for cmp in planned:
        res = test(counts, cmp.groups(), cmp.name_a, cmp.name_b, **kwargs)
        res.insert(0, "comparison", cmp.label)
        frames.append(res)
    if not frames:
        raise StatsInputError("no comparison can be run (every group has < 2 samples?)")
    return pd.concat(frames, ignore_index=True)
