"""OTU phylogeny for UniFrac: MAFFT alignment, FastTree GTR tree, midpoint rooting."""


rule align_otus:
    input:
        rules.name_otus.output,
    output:
        f"{OUT}/phylogeny/otus.aligned.fasta",
    threads: 2
    resources:
        mem_mb=4000,
        runtime=120,
    log:
        f"{OUT}/logs/align_otus.log",
    benchmark:
        f"{OUT}/benchmarks/align_otus.tsv"
    conda:
        "../../envs/mafft.yaml"
    shell:
        "mafft --auto --thread {threads} {input} > {output} 2> {log}"


rule build_tree:
    input:
        rules.align_otus.output,
    output:
        f"{OUT}/phylogeny/otus.unrooted.tree",
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
    log:
        f"{OUT}/logs/build_tree.log",
    benchmark:
        f"{OUT}/benchmarks/build_tree.tsv"
    conda:
        "../../envs/fasttree.yaml"
    shell:
        "FastTree -nt -gtr -quiet {input} > {output} 2> {log}"


rule root_tree:
    input:
        rules.build_tree.output,
    output:
        f"{OUT}/phylogeny/otus.tree",
    resources:
        mem_mb=2000,
        runtime=10,
    log:
        f"{OUT}/logs/root_tree.log",
    benchmark:
        f"{OUT}/benchmarks/root_tree.tsv"
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/root_tree.py"
