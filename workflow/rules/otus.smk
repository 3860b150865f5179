"""Cohort-level OTU picking: dereplication, 97 % clustering, chimera removal, read mapping."""


rule dereplicate_sample:
    input:
        rules.filter_reads.output,
    output:
        f"{OUT}/work/derep/{{sample}}.fasta",
    threads: 1
    resources:
        mem_mb=lambda wildcards, input, attempt: (500 + int(3 * input.size_mb)) * attempt,
        runtime=20,
    log:
        f"{OUT}/logs/dereplicate_sample/{{sample}}.log",
    benchmark:
        f"{OUT}/benchmarks/dereplicate_sample/{{sample}}.tsv"
    conda:
        "../../envs/vsearch.yaml"
    shell:
        "vsearch --derep_fulllength {input} --strand plus --sizeout"
        " --relabel {wildcards.sample}.u --output {output} --fasta_width 0 2> {log}"


rule dereplicate_pooled:
    input:
        expand(rules.dereplicate_sample.output, sample=SAMPLES),
    output:
        pooled=temp(f"{OUT}/work/otus/pooled.fasta"),
        uniques=f"{OUT}/work/otus/uniques.fasta",
    params:
        min_size=config["dereplicate"]["min_size"],
    threads: 1
    resources:
        mem_mb=lambda wildcards, input, attempt: (1000 + int(3 * input.size_mb)) * attempt,
        runtime=60,
    log:
        f"{OUT}/logs/dereplicate_pooled.log",
    benchmark:
        f"{OUT}/benchmarks/dereplicate_pooled.tsv"
    conda:
        "../../envs/vsearch.yaml"
    shell:
        "cat {input} > {output.pooled} && vsearch --derep_fulllength {output.pooled}"
        " --strand plus --sizein --sizeout --minuniquesize {params.min_size}"
        " --output {output.uniques} --fasta_width 0 2> {log}"


rule cluster_otus:
    input:
        rules.dereplicate_pooled.output.uniques,
    output:
        f"{OUT}/work/otus/centroids.fasta",
    params:
        identity=config["cluster"]["identity"],
    threads: 4
    resources:
        mem_mb=lambda wildcards, input, attempt: (1000 + int(4 * input.size_mb)) * attempt,
        runtime=120,
    log:
        f"{OUT}/logs/cluster_otus.log",
    benchmark:
        f"{OUT}/benchmarks/cluster_otus.tsv"
    conda:
        "../../envs/vsearch.yaml"
    shell:
        "vsearch --cluster_size {input} --id {params.identity} --strand plus --sizein --sizeout"
        " --centroids {output} --fasta_width 0 --threads {threads} 2> {log}"


rule remove_chimeras:
    input:
        rules.cluster_otus.output,
    output:
        nonchimeras=f"{OUT}/work/otus/nonchimeras.fasta",
        chimeras=f"{OUT}/otu/chimeras.fasta",
    params:
        denovo=config["chimera"]["denovo"],
        reference=config["chimera"]["reference"],
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    log:
        f"{OUT}/logs/remove_chimeras.log",
    benchmark:
        f"{OUT}/benchmarks/remove_chimeras.tsv"
    conda:
        "../../envs/vsearch.yaml"
    shell:
        """
        (
        if [ "{params.denovo}" = "True" ]; then
            vsearch --uchime_denovo {input} --sizein --sizeout --fasta_width 0 \
                --nonchimeras {output.nonchimeras}.denovo --chimeras {output.chimeras}
        else
            cp {input} {output.nonchimeras}.denovo && : > {output.chimeras}
        fi
        if [ -n "{params.reference}" ]; then
            vsearch --uchime_ref {output.nonchimeras}.denovo --db "{params.reference}" \
                --sizein --sizeout --fasta_width 0 --threads {threads} \
                --nonchimeras {output.nonchimeras} --chimeras {output.chimeras}.ref
            cat {output.chimeras}.ref >> {output.chimeras} && rm {output.chimeras}.ref
            rm {output.nonchimeras}.denovo
        else
            mv {output.nonchimeras}.denovo {output.nonchimeras}
        fi
        ) 2> {log}
        """


rule name_otus:
    input:
        rules.remove_chimeras.output.nonchimeras,
    output:
        f"{OUT}/otu/otus.fasta",
    resources:
        mem_mb=1000,
        runtime=10,
    log:
        f"{OUT}/logs/name_otus.log",
    benchmark:
        f"{OUT}/benchmarks/name_otus.tsv"
    conda:
        "../../envs/vsearch.yaml"
    shell:
        "vsearch --sortbysize {input} --sizein --relabel OTU_ --output {output}"
        " --fasta_width 0 2> {log}"


# Each sample's unique sequences are mapped with their abundances (--sizein): the same counts as
# mapping every filtered read (identical reads get identical hits), faster the more reads repeat.
rule map_reads:
    input:
        reads=rules.dereplicate_sample.output,
        otus=rules.name_otus.output[0],
    output:
        f"{OUT}/work/mapped/{{sample}}.otutab.tsv",
    params:
        identity=config["mapping"]["identity"],
        maxaccepts=config["mapping"]["maxaccepts"],
        maxrejects=config["mapping"]["maxrejects"],
    threads: 2
    resources:
        mem_mb=lambda wildcards, input, attempt: (500 + int(4 * input.size_mb)) * attempt,
        runtime=60,
    log:
        f"{OUT}/logs/map_reads/{{sample}}.log",
    benchmark:
        f"{OUT}/benchmarks/map_reads/{{sample}}.tsv"
    conda:
        "../../envs/vsearch.yaml"
    shell:
        "vsearch --usearch_global {input.reads} --db {input.otus} --id {params.identity}"
        " --strand plus --maxaccepts {params.maxaccepts} --maxrejects {params.maxrejects}"
        " --sizein --otutabout {output} --threads {threads} 2> {log}"


rule otu_table:
    input:
        otus=rules.name_otus.output[0],
        mapped=expand(rules.map_reads.output, sample=SAMPLES),
    output:
        tsv=f"{OUT}/otu/otu_table.tsv",
        biom=f"{OUT}/otu/otu_table.biom",
    params:
        samples=SAMPLES,
    resources:
        mem_mb=2000,
        runtime=20,
    log:
        f"{OUT}/logs/otu_table.log",
    benchmark:
        f"{OUT}/benchmarks/otu_table.tsv"
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/otu_table.py"
