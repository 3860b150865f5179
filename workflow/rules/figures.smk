"""Figures (PNG + SVG, group colours from the config) and the HTML report."""

FIG = f"{OUT}/figures"


rule figure_read_tracking:
    input:
        tracking=rules.read_tracking.output[0],
        groups=rules.write_groups.output[0],
    output:
        multiext(f"{FIG}/read_tracking", ".png", ".svg"),
    params:
        colors=config["groups"]["colors"],
        order=config["groups"]["order"],
    resources:
        mem_mb=2000,
        runtime=10,
    log:
        f"{OUT}/logs/figures/read_tracking.log",
    benchmark:
        f"{OUT}/benchmarks/figures/read_tracking.tsv"
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/draw_figures.py"


rule figure_alpha:
    input:
        alpha=rules.alpha_diversity.output.alpha,
        tests=rules.alpha_diversity.output.tests,
        curves=rules.alpha_diversity.output.curves,
        groups=rules.write_groups.output[0],
    output:
        curves=multiext(f"{FIG}/rarefaction_curves", ".png", ".svg"),
        boxes=multiext(f"{FIG}/alpha_diversity", ".png", ".svg"),
    params:
        colors=config["groups"]["colors"],
        order=config["groups"]["order"],
        seed=config["seed"],
    resources:
        mem_mb=2000,
        runtime=10,
    log:
        f"{OUT}/logs/figures/alpha.log",
    benchmark:
        f"{OUT}/benchmarks/figures/alpha.tsv"
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/draw_figures.py"


rule figure_ordination:
    input:
        pcoa=rules.beta_diversity.output.pcoa,
        nmds=rules.beta_diversity.output.nmds,
        summary=rules.beta_diversity.output.summary,
        permanova=rules.beta_diversity.output.permanova,
        groups=rules.write_groups.output[0],
    output:
        pcoa=multiext(f"{FIG}/pcoa_{{metric}}", ".png", ".svg"),
        nmds=multiext(f"{FIG}/nmds_{{metric}}", ".png", ".svg"),
    params:
        colors=config["groups"]["colors"],
        order=config["groups"]["order"],
    wildcard_constraints:
        metric="|".join(config["diversity"]["beta_metrics"]),
    resources:
        mem_mb=2000,
        runtime=10,
    log:
        f"{OUT}/logs/figures/ordination_{{metric}}.log",
    benchmark:
        f"{OUT}/benchmarks/figures/ordination_{{metric}}.tsv"
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/draw_figures.py"


rule figure_composition:
    input:
        top=lambda wildcards: rules.composition.output[f"{wildcards.rank}_top"],
        groups=rules.write_groups.output[0],
    output:
        samples=multiext(f"{FIG}/{{rank}}_bars_samples", ".png", ".svg"),
        groups=multiext(f"{FIG}/{{rank}}_bars_groups", ".png", ".svg"),
    params:
        colors=config["groups"]["colors"],
        order=config["groups"]["order"],
    wildcard_constraints:
        rank="genus|phylum",
    resources:
        mem_mb=2000,
        runtime=10,
    log:
        f"{OUT}/logs/figures/composition_{{rank}}.log",
    benchmark:
        f"{OUT}/benchmarks/figures/composition_{{rank}}.tsv"
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/draw_figures.py"


rule figure_differential:
    input:
        unpack(differential_figure_inputs),
        groups=rules.write_groups.output[0],
    output:
        **differential_figure_outputs(),
    params:
        colors=config["groups"]["colors"],
        order=config["groups"]["order"],
        rank=config["differential"]["rank"],
        q_threshold=config["differential"]["q_threshold"],
        slugs=[comparison_slug(c) for c in COMPARISONS],
    resources:
        mem_mb=2000,
        runtime=10,
    log:
        f"{OUT}/logs/figures/differential.log",
    benchmark:
        f"{OUT}/benchmarks/figures/differential.tsv"
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/draw_figures.py"


rule tool_versions:
    output:
        f"{OUT}/report/tool_versions.tsv",
    resources:
        mem_mb=500,
        runtime=5,
    log:
        f"{OUT}/logs/tool_versions.log",
    benchmark:
        f"{OUT}/benchmarks/tool_versions.tsv"
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/tool_versions.py"


rule report:
    input:
        figure_files(),
        rules.tool_versions.output,
        tables=[
            f"{OUT}/groups.tsv",
            rules.read_tracking.output[0],
            rules.alpha_diversity.output.tests,
            rules.rarefy.output.dropped,
            rules.permanova_summary.output[0],
            rules.composition.output.genus_groups,
            rules.taxa_tables.output.genus,
            *differential_outputs().values(),
        ],
        versions=rules.tool_versions.output[0],
    output:
        f"{OUT}/report.html",
    params:
        config=config,
        slugs=[comparison_slug(c) for c in COMPARISONS],
        outdir=lambda wildcards, output: Path(output[0]).parent,
    resources:
        mem_mb=2000,
        runtime=10,
    log:
        f"{OUT}/logs/report.log",
    benchmark:
        f"{OUT}/benchmarks/report.tsv"
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/report.py"
