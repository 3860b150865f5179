"""Snakemake entry point: every figure of the run plan, in one process."""

from otuflow.report.figures import draw_all_figures
from otuflow.snakemake_io import log_to

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    files = draw_all_figures(
        sm.params.plan, dict(sm.input.items()), sm.params.colors, sm.params.order,
        sm.params.q_threshold, sm.params.confidence, sm.params.seed, sm.params.feature,
    )  # fmt: skip
    print("\n".join(f"wrote {f}" for f in files))
