"""Figures (PNG + SVG, group colours from the config): every figure of the run plan in one job."""


# One job, one process: a Python start-up with matplotlib, pandas and scipy imports costs more
# than drawing a small figure, so drawing each family in its own job multiplied it (issue 15).
rule figures:
    input:
        **PLAN.figure_inputs(),
    output:
        [f for figure in PLAN.figures() for f in PLAN.figure_files(figure)],
    params:
        plan=PLAN,
        colors=config["groups"]["colors"],
        order=config["groups"]["order"],
        q_threshold=config["differential"]["q_threshold"],
        confidence=config["differential"]["confidence"],
        seed=config["seed"],
        feature=FEATURES.noun,
    resources:
        mem_mb=2000,
        runtime=20,
    log:
        f"{OUT}/logs/figures.log",
    benchmark:
        f"{OUT}/benchmarks/figures.tsv"
    conda:
        conda_env("python")
    script:
        "../../scripts/figures.py"
