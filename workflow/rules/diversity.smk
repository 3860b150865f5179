"""Rarefaction, alpha diversity with group tests, beta diversity with PCoA, NMDS and PERMANOVA
(every metric in one job)."""


rule rarefy:
    input:
        table=rules.otu_table.output.tsv,
        excluded=rules.read_tracking.output.excluded,
    output:
        table=PLAN.path("rarefied"),
        dropped=PLAN.path("rarefaction_dropped"),
    params:
        depth=config["diversity"]["rarefaction_depth"],
        floor=config["diversity"]["rarefaction_floor"],
        seed=config["seed"],
    resources:
        mem_mb=2000,
        runtime=10,
    log:
        f"{OUT}/logs/rarefy.log",
    benchmark:
        f"{OUT}/benchmarks/rarefy.tsv"
    conda:
        conda_env("python")
    script:
        "../../scripts/rarefy.py"


rule alpha_diversity:
    input:
        table=rules.otu_table.output.tsv,
        rarefied=rules.rarefy.output.table,
        groups=rules.write_groups.output[0],
    output:
        alpha=PLAN.path("alpha"),
        tests=PLAN.path("alpha_tests"),
        curves=PLAN.path("rarefaction_curves"),
    params:
        base=config["diversity"]["shannon_base"],
        permutations=config["diversity"]["permutations"],
        steps=config["diversity"]["rarefaction_curve_steps"],
        iterations=config["diversity"]["rarefaction_curve_iterations"],
        seed=config["seed"],
        comparisons=PLAN.comparisons,
        skipped=PLAN.skipped,
    resources:
        mem_mb=2000,
        runtime=30,
    log:
        f"{OUT}/logs/alpha_diversity.log",
    benchmark:
        f"{OUT}/benchmarks/alpha_diversity.tsv"
    conda:
        conda_env("python")
    script:
        "../../scripts/alpha_diversity.py"


# Every metric in one job: one process start-up and import, the table read once (issue 15).
rule beta_diversity:
    input:
        rarefied=rules.rarefy.output.table,
        tree=rules.root_tree.output[0],
        groups=rules.write_groups.output[0],
    output:
        matrix=expand(PLAN.path("distance_matrix"), metric=PLAN.beta_metrics),
        pcoa=expand(PLAN.path("pcoa"), metric=PLAN.beta_metrics),
        nmds=expand(PLAN.path("nmds"), metric=PLAN.beta_metrics),
        summary=expand(PLAN.path("ordination_summary"), metric=PLAN.beta_metrics),
        permanova=expand(PLAN.path("permanova_metric"), metric=PLAN.beta_metrics),
        permanova_all=PLAN.path("permanova"),
    params:
        metrics=PLAN.beta_metrics,
        permutations=config["diversity"]["permutations"],
        nmds_starts=config["diversity"]["nmds_starts"],
        nmds_max_starts=config["diversity"]["nmds_max_starts"],
        permdisp_definition=config["diversity"]["permdisp_definition"],
        permdisp_centre=config["diversity"]["permdisp_centre"],
        seed=config["seed"],
        comparisons=PLAN.comparisons,
    resources:
        mem_mb=4000,
        runtime=60,
    log:
        f"{OUT}/logs/beta_diversity.log",
    benchmark:
        f"{OUT}/benchmarks/beta_diversity.tsv"
    conda:
        conda_env("python")
    script:
        "../../scripts/beta_diversity.py"
