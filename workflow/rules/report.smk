"""The HTML report: reads only its declared inputs, the files the run plan lists for it."""


rule report:
    input:
        **PLAN.report_inputs(),
        svg=[PLAN.path("figure", stem=f.stem, ext=".svg") for f in PLAN.figures()],
    output:
        PLAN.path("report"),
    params:
        config=config,
        plan=PLAN,
    resources:
        mem_mb=2000,
        runtime=10,
    log:
        f"{OUT}/logs/report.log",
    benchmark:
        f"{OUT}/benchmarks/report.tsv"
    conda:
        conda_env("python")
    script:
        "../../scripts/report.py"
