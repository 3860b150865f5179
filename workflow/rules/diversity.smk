"""Rarefaction, alpha diversity with group tests, beta diversity with PCoA, NMDS and PERMANOVA."""


rule rarefy:
    input:
        table=rules.otu_table.output.tsv,
    output:
        table=f"{OUT}/alpha/rarefied_otu_table.tsv",
        dropped=f"{OUT}/alpha/rarefaction_dropped.tsv",
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
        "../../envs/python.yaml"
    script:
        "../../scripts/rarefy.py"


rule alpha_diversity:
    input:
        table=rules.otu_table.output.tsv,
        rarefied=rules.rarefy.output.table,
        groups=rules.write_groups.output[0],
    output:
        alpha=f"{OUT}/alpha/alpha_diversity.tsv",
        tests=f"{OUT}/alpha/alpha_tests.tsv",
        curves=f"{OUT}/alpha/rarefaction_curves.tsv",
    params:
        base=config["diversity"]["shannon_base"],
        permutations=config["diversity"]["permutations"],
        steps=config["diversity"]["rarefaction_curve_steps"],
        iterations=config["diversity"]["rarefaction_curve_iterations"],
        seed=config["seed"],
        reference=config["differential"]["reference"],
        pooled=config["differential"]["pooled"],
    resources:
        mem_mb=2000,
        runtime=30,
    log:
        f"{OUT}/logs/alpha_diversity.log",
    benchmark:
        f"{OUT}/benchmarks/alpha_diversity.tsv"
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/alpha_diversity.py"


rule beta_diversity:
    input:
        rarefied=rules.rarefy.output.table,
        tree=rules.root_tree.output[0],
        groups=rules.write_groups.output[0],
    output:
        matrix=f"{OUT}/beta/{{metric}}.tsv",
        pcoa=f"{OUT}/beta/ordination_pcoa_{{metric}}.tsv",
        nmds=f"{OUT}/beta/ordination_nmds_{{metric}}.tsv",
        summary=f"{OUT}/beta/ordination_summary_{{metric}}.tsv",
        permanova=f"{OUT}/beta/permanova_{{metric}}.tsv",
    params:
        permutations=config["diversity"]["permutations"],
        nmds_starts=config["diversity"]["nmds_starts"],
        seed=config["seed"],
        reference=config["differential"]["reference"],
        pooled=config["differential"]["pooled"],
    wildcard_constraints:
        metric="|".join(config["diversity"]["beta_metrics"]),
    resources:
        mem_mb=4000,
        runtime=60,
    log:
        f"{OUT}/logs/beta_diversity/{{metric}}.log",
    benchmark:
        f"{OUT}/benchmarks/beta_diversity/{{metric}}.tsv"
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/beta_diversity.py"


rule permanova_summary:
    input:
        expand(rules.beta_diversity.output.permanova, metric=config["diversity"]["beta_metrics"]),
    output:
        f"{OUT}/beta/permanova.tsv",
    resources:
        mem_mb=500,
        runtime=5,
    log:
        f"{OUT}/logs/permanova_summary.log",
    benchmark:
        f"{OUT}/benchmarks/permanova_summary.tsv"
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/concat_tables.py"
