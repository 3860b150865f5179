"""Figures (PNG + SVG, group colours from the config); one script per figure rule."""


rule figure_read_tracking:
    input:
        tracking=rules.read_tracking.output[0],
        groups=rules.write_groups.output[0],
    output:
        figure_files("read_tracking"),
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
        conda_env("python")
    script:
        "../../scripts/figure_read_tracking.py"


rule figure_alpha:
    input:
        alpha=rules.alpha_diversity.output.alpha,
        tests=rules.alpha_diversity.output.tests,
        curves=rules.alpha_diversity.output.curves,
        groups=rules.write_groups.output[0],
    output:
        curves=figure_files("rarefaction_curves"),
        boxes=figure_files("alpha_diversity"),
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
        conda_env("python")
    script:
        "../../scripts/figure_alpha.py"


rule figure_ordination:
    input:
        pcoa=rules.beta_diversity.output.pcoa,
        nmds=rules.beta_diversity.output.nmds,
        summary=rules.beta_diversity.output.summary,
        permanova=rules.beta_diversity.output.permanova,
        groups=rules.write_groups.output[0],
    output:
        pcoa=figure_files("pcoa_{metric}"),
        nmds=figure_files("nmds_{metric}"),
    params:
        colors=config["groups"]["colors"],
        order=config["groups"]["order"],
    resources:
        mem_mb=2000,
        runtime=10,
    log:
        f"{OUT}/logs/figures/ordination_{{metric}}.log",
    benchmark:
        f"{OUT}/benchmarks/figures/ordination_{{metric}}.tsv"
    conda:
        conda_env("python")
    script:
        "../../scripts/figure_ordination.py"


rule figure_composition:
    input:
        top=PLAN.path("top_taxa"),
        groups=rules.write_groups.output[0],
    output:
        samples=figure_files("{rank}_bars_samples"),
        groups=figure_files("{rank}_bars_groups"),
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
        conda_env("python")
    script:
        "../../scripts/figure_composition.py"


rule figure_differential:
    input:
        **{
            f"stamp_{c.slug}": PLAN.path("differential_test", test="stamp", comparison=c.slug)
            for c in PLAN.comparisons
        },
        metastats=[
            PLAN.path("differential_test", test="metastats", comparison=c.slug)
            for c in PLAN.comparisons
        ],
        relative=PLAN.path("differential_relative", rank=PLAN.rank),
        groups=rules.write_groups.output[0],
    output:
        **{f"stamp_{c.slug}": figure_files(f"stamp_{c.slug}") for c in PLAN.comparisons},
        boxes=figure_files("significant_taxa"),
    params:
        colors=config["groups"]["colors"],
        order=config["groups"]["order"],
        rank=PLAN.rank,
        q_threshold=config["differential"]["q_threshold"],
        confidence=config["differential"]["confidence"],
        comparisons=PLAN.comparisons,
    resources:
        mem_mb=2000,
        runtime=10,
    log:
        f"{OUT}/logs/figures/differential.log",
    benchmark:
        f"{OUT}/benchmarks/figures/differential.tsv"
    conda:
        conda_env("python")
    script:
        "../../scripts/figure_differential.py"
