"""Genus composition and differential abundance between groups (Metastats, Welch, Wilcoxon)."""


rule composition:
    input:
        genus=rules.taxa_tables.output.genus,
        phylum=rules.taxa_tables.output.phylum,
        groups=rules.write_groups.output[0],
    output:
        genus=f"{OUT}/composition/genus_relative_abundance.tsv",
        phylum=f"{OUT}/composition/phylum_relative_abundance.tsv",
        genus_top=f"{OUT}/composition/genus_top.tsv",
        phylum_top=f"{OUT}/composition/phylum_top.tsv",
        genus_groups=f"{OUT}/composition/genus_group_means.tsv",
        phylum_groups=f"{OUT}/composition/phylum_group_means.tsv",
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
        "../../envs/python.yaml"
    script:
        "../../scripts/composition.py"


rule differential_abundance:
    input:
        table=rules.otu_table.output.tsv,
        taxonomy=rules.classify_otus.output[0],
        groups=rules.write_groups.output[0],
    output:
        **differential_outputs(),
    params:
        rank=config["differential"]["rank"],
        permutations=config["differential"]["permutations"],
        confidence=config["differential"]["confidence"],
        reference=config["differential"]["reference"],
        pooled=config["differential"]["pooled"],
        seed=config["seed"],
    resources:
        mem_mb=4000,
        runtime=60,
    log:
        f"{OUT}/logs/differential_abundance.log",
    benchmark:
        f"{OUT}/benchmarks/differential_abundance.tsv"
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/differential_abundance.py"
