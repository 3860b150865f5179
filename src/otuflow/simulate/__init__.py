"""Deterministic simulator of a 16S V3-V4 opioid cohort with full ground truth."""

from otuflow.simulate.cohort import CohortExistsError, existing_cohort_problem, simulate_cohort
from otuflow.simulate.params import CohortParams

__all__ = ["CohortExistsError", "CohortParams", "existing_cohort_problem", "simulate_cohort"]
