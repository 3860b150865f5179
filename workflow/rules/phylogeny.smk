"""OTU phylogeny for UniFrac: MAFFT alignment, FastTree GTR tree, midpoint rooting."""


# --threadit 0: MAFFT's threaded iterative refinement gives different alignments from run to
# run; with it off, the alignment is the same for every run and thread count.
rule align_otus:
    input:
        rules.name_otus.output.otus,
    output:
        PLAN.path("alignment"),
    threads: 2
    resources:
        mem_mb=4000,
        runtime=120,
    log:
        f"{OUT}/logs/align_otus.log",
    benchmark:
        f"{OUT}/benchmarks/align_otus.tsv"
    conda:
        conda_env("mafft")
    shell:
        "mafft --auto --thread {threads} --threadit 0 {input:q} > {output:q} 2> {log:q}"


rule build_tree:
    input:
        rules.align_otus.output,
    output:
        PLAN.path("unrooted_tree"),
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
    log:
        f"{OUT}/logs/build_tree.log",
    benchmark:
        f"{OUT}/benchmarks/build_tree.tsv"
    conda:
        conda_env("fasttree")
    shell:
        "FastTree -nt -gtr -quiet {input:q} > {output:q} 2> {log:q}"


rule root_tree:
    input:
        rules.build_tree.output,
    output:
        PLAN.path("tree"),
    resources:
        mem_mb=2000,
        runtime=10,
    log:
        f"{OUT}/logs/root_tree.log",
    benchmark:
        f"{OUT}/benchmarks/root_tree.tsv"
    conda:
        conda_env("python")
    script:
        "../../scripts/root_tree.py"
