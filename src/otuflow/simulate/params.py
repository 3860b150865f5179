"""The parameters that fully determine a simulated cohort, and the simulator's model version.

Kept apart from :mod:`otuflow.simulate.cohort` (which writes the cohort) so that the modules
documenting a cohort, such as :mod:`otuflow.simulate.readme`, can use them without importing
the writer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from otuflow.simulate.community import GROUPS

MODEL_VERSION = 1
"""Bumped whenever the same parameters would produce different files."""


@dataclass(frozen=True)
class CohortParams:
    """Parameters that fully determine a simulated cohort.

    Attributes
    ----------
    seed : int
        Master seed (>= 0).
    samples_per_group : tuple of int
        Samples in Control, Opioid-S, Opioid-T (1-99 each).
    pairs_per_sample : int
        Read pairs per sample (>= 1).
    """

    seed: int = 42
    samples_per_group: tuple[int, int, int] = (7, 10, 8)
    pairs_per_sample: int = 5000

    def __post_init__(self) -> None:
        counts = tuple(self.samples_per_group)
        if len(counts) != len(GROUPS) or not all(isinstance(n, int) for n in counts):
            raise ValueError(
                f"samples_per_group must be three whole numbers (Control, Opioid-S, Opioid-T), "
                f"got {self.samples_per_group!r}."
            )
        if not all(1 <= n <= 99 for n in counts):
            raise ValueError(f"samples_per_group {counts}: each group needs 1 to 99 samples.")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a whole number >= 0, got {self.seed!r}.")
        if not isinstance(self.pairs_per_sample, int) or self.pairs_per_sample < 1:
            raise ValueError(f"pairs_per_sample must be >= 1, got {self.pairs_per_sample!r}.")
        object.__setattr__(self, "samples_per_group", counts)

    def as_dict(self) -> dict:
        """Parameters plus the model version, as recorded in ``truth/params.json``."""
        out = asdict(self)
        out["samples_per_group"] = dict(zip(GROUPS, self.samples_per_group, strict=True))
        out["model_version"] = MODEL_VERSION
        return out
