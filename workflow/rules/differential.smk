"""Genus composition and differential abundance between groups (Metastats, Welch, Wilcoxon)."""


rule composition:
    input:
        genus=rules.taxa_tables.output.genus,
        phylum=rules.taxa_tables.output.phylum,
        groups=rules.write_groups.output[0],
        excluded=rules.read_tracking.output.excluded,
    output:
        genus=PLAN.path("relative_abundance", rank="genus"),
        phylum=PLAN.path("relative_abundance", rank="phylum"),
        genus_top=PLAN.path("top_taxa", rank="genus"),
        phylum_top=PLAN.path("top_taxa", rank="phylum"),
        genus_groups=PLAN.path("group_means", rank="genus"),
        phylum_groups=PLAN.path("group_means", rank="phylum"),
    params:
        top_genera=config["composition"]["top_genera"],
        top_phyla=config["composition"]["top_phyla"],
    resources:
        mem_mb=2000,
        runtime=10,
    log:
        f"{OUT}/logs/composition.log",
    benchmark:
        f"{OUT}/benchmarks/composition.tsv"
    conda:
        conda_env("python")
    script:
        "../../scripts/composition.py"


rule differential_abundance:
    input:
        table=rules.otu_table.output.tsv,
        taxonomy=rules.classify_otus.output[0],
        groups=rules.write_groups.output[0],
        excluded=rules.read_tracking.output.excluded,
    output:
        **PLAN.differential_tables(),
    params:
        rank=PLAN.rank,
        permutations=config["differential"]["permutations"],
        confidence=config["differential"]["confidence"],
        q_threshold=config["differential"]["q_threshold"],
        comparisons=PLAN.comparisons,
        skipped=PLAN.skipped,
        seed=config["seed"],
    resources:
        mem_mb=4000,
        runtime=60,
    log:
        f"{OUT}/logs/differential_abundance.log",
    benchmark:
        f"{OUT}/benchmarks/differential_abundance.tsv"
    conda:
        conda_env("python")
    script:
        "../../scripts/differential_abundance.py"
