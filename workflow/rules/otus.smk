"""Cohort-level OTU picking: dereplication, 97 % clustering, chimera removal, read mapping."""


rule dereplicate_pooled:
    input:
        samples=expand(rules.process_reads.output.derep, sample=SAMPLES),
        primers_checked=rules.check_primers.output,
    output:
        pooled=temp(f"{OUT}/work/otus/pooled.fasta"),
        uniques=f"{OUT}/work/otus/uniques.fasta",
    params:
        min_size=config["dereplicate"]["min_size"],
        no_reads=(
            f"otuflow: no read of any sample passed pair merging and quality filtering (merge: "
            f"min_overlap {config['merge']['min_overlap']}, max_diffs "
            f"{config['merge']['max_diffs']}; filter: length {config['filter']['min_length']}-"
            f"{config['filter']['max_length']} nt, max_ee {config['filter']['max_ee']}, max_ns "
            f"{config['filter']['max_ns']}). Counts per sample: {OUT}/work/merged/*.count and "
            f"{OUT}/work/filtered/*.count. Set the filter length window around your amplicon's "
            "length after primer removal."
        ),
        no_uniques=(
            f"otuflow: no sequence occurs {config['dereplicate']['min_size']} or more times in "
            f"the pooled reads, so there is nothing to cluster; lower dereplicate: min_size or "
            f"check the read counts in {OUT}/work/filtered/*.count."
        ),
    threads: 1
    resources:
        mem_mb=lambda wildcards, input, attempt: (1000 + int(3 * input.size_mb)) * attempt,
        runtime=60,
    log:
        f"{OUT}/logs/dereplicate_pooled.log",
    benchmark:
        f"{OUT}/benchmarks/dereplicate_pooled.tsv"
    conda:
        conda_env("reads")
    shell:
        "cat {input.samples:q} > {output.pooled:q}"
        " && if [ ! -s {output.pooled:q} ]; then echo {params.no_reads:q} | tee {log:q} >&2;"
        " exit 1; fi"
        " && vsearch --derep_fulllength {output.pooled:q}"
        " --strand plus --sizein --sizeout --minuniquesize {params.min_size}"
        " --output {output.uniques:q} --fasta_width 0 2> {log:q}"
        " && if [ ! -s {output.uniques:q} ]; then echo {params.no_uniques:q} | tee -a {log:q}"
        " >&2; exit 1; fi"


rule denoise_asvs:
    input:
        rules.dereplicate_pooled.output.uniques,
    output:
        f"{OUT}/work/otus/denoised.fasta",
    params:
        min_size=config["denoise"]["min_size"],
        alpha=config["denoise"]["alpha"],
    threads: 4
    resources:
        mem_mb=lambda wildcards, input, attempt: (1000 + int(4 * input.size_mb)) * attempt,
        runtime=120,
    log:
        f"{OUT}/logs/denoise_asvs.log",
    benchmark:
        f"{OUT}/benchmarks/denoise_asvs.tsv"
    conda:
        conda_env("reads")
    shell:
        "vsearch --cluster_unoise {input:q} --minsize {params.min_size}"
        " --unoise_alpha {params.alpha} --strand plus --sizein --sizeout --centroids {output:q}"
        " --fasta_width 0 --threads {threads} 2> {log:q}"


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
        conda_env("reads")
    shell:
        "vsearch --cluster_size {input:q} --id {params.identity} --strand plus --sizein"
        " --sizeout --centroids {output:q} --fasta_width 0 --threads {threads} 2> {log:q}"


# De novo chimera removal (UCHIME), then optionally against a reference of chimera-free
# sequences; each is its own rule, and a step that is switched off passes its input on.
rule remove_chimeras_denovo:
    input:
        feature_centroids(),
    output:
        nonchimeras=f"{OUT}/work/otus/nonchimeras_denovo.fasta",
        chimeras=f"{OUT}/work/otus/chimeras_denovo.fasta",
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    log:
        f"{OUT}/logs/remove_chimeras_denovo.log",
    benchmark:
        f"{OUT}/benchmarks/remove_chimeras_denovo.tsv"
    conda:
        conda_env("reads")
    params:
        command=FEATURES.chimera_option,
    shell:
        "vsearch {params.command} {input:q} --sizein --sizeout --fasta_width 0"
        " --nonchimeras {output.nonchimeras:q} --chimeras {output.chimeras:q} 2> {log:q}"


if config["chimera"]["reference"]:

    rule remove_chimeras_reference:
        input:
            otus=(
                rules.remove_chimeras_denovo.output.nonchimeras
                if config["chimera"]["denovo"]
                else feature_centroids()
            ),
            reference=config["chimera"]["reference"],
        output:
            nonchimeras=f"{OUT}/work/otus/nonchimeras_reference.fasta",
            chimeras=f"{OUT}/work/otus/chimeras_reference.fasta",
        threads: 2
        resources:
            mem_mb=4000,
            runtime=60,
        log:
            f"{OUT}/logs/remove_chimeras_reference.log",
        benchmark:
            f"{OUT}/benchmarks/remove_chimeras_reference.tsv"
        conda:
            conda_env("reads")
        shell:
            "vsearch --uchime_ref {input.otus:q} --db {input.reference:q} --sizein --sizeout"
            " --fasta_width 0 --threads {threads} --nonchimeras {output.nonchimeras:q}"
            " --chimeras {output.chimeras:q} 2> {log:q}"


# Features named OTU_1, OTU_2, ... (or ASV_1, ...) by decreasing abundance; the chimeras of every
# step in one file.
rule name_otus:
    input:
        otus=chimera_steps()[-1].nonchimeras if chimera_steps() else feature_centroids(),
        chimeras=[step.chimeras for step in chimera_steps()],
    output:
        otus=PLAN.path("otus"),
        chimeras=PLAN.path("chimeras"),
    params:
        prefix=FEATURES.prefix,
    resources:
        mem_mb=1000,
        runtime=10,
    log:
        f"{OUT}/logs/name_otus.log",
    benchmark:
        f"{OUT}/benchmarks/name_otus.tsv"
    conda:
        conda_env("reads")
    shell:
        "cat {input.chimeras:q} /dev/null > {output.chimeras:q}"
        " && vsearch --sortbysize {input.otus:q} --sizein --relabel {params.prefix:q}"
        " --output {output.otus:q} --fasta_width 0 2> {log:q}"


# Every distinct sequence of the cohort, labelled by its SHA-1 (as otuflow.otutable.sequence_key
# computes it), to be searched once. Its own rule, so remaking this temporary file (when the hits
# are asked for again) touches nothing else.
rule pool_distinct_sequences:
    input:
        expand(rules.process_reads.output.derep, sample=SAMPLES),
    output:
        temp(f"{OUT}/work/otus/distinct.fasta"),
    threads: 1
    resources:
        mem_mb=lambda wildcards, input, attempt: (1000 + int(3 * input.size_mb)) * attempt,
        runtime=60,
    log:
        f"{OUT}/logs/pool_distinct_sequences.log",
    benchmark:
        f"{OUT}/benchmarks/pool_distinct_sequences.tsv"
    conda:
        conda_env("reads")
    shell:
        "cat {input:q} | vsearch --derep_fulllength - --strand plus --sizein --sizeout"
        " --relabel_sha1 --output {output:q} --fasta_width 0 2> {log:q}"


# Every distinct sequence of the cohort is searched once; otu_table then counts each sample's
# reads from its dereplicated reads. Identical reads get identical hits, so the counts equal
# mapping every read, and the cost grows with the distinct sequences, not with samples x
# sequences. --maxhits 1: the best of the accepted hits, the one --otutabout counts. Sorted, so
# the file does not depend on the thread count.
rule map_distinct:
    input:
        reads=rules.pool_distinct_sequences.output[0],
        otus=rules.name_otus.output.otus,
    output:
        f"{OUT}/work/mapped/distinct_hits.tsv",
    params:
        identity=config["mapping"]["identity"],
        maxaccepts=config["mapping"]["maxaccepts"],
        maxrejects=config["mapping"]["maxrejects"],
    threads: 8
    resources:
        mem_mb=lambda wildcards, input, attempt: (1000 + int(2 * input.size_mb)) * attempt,
        runtime=240,
    log:
        f"{OUT}/logs/map_distinct.log",
    benchmark:
        f"{OUT}/benchmarks/map_distinct.tsv"
    conda:
        conda_env("reads")
    shell:
        "vsearch --usearch_global {input.reads:q} --db {input.otus:q} --id {params.identity}"
        " --strand plus --maxaccepts {params.maxaccepts} --maxrejects {params.maxrejects}"
        " --maxhits 1 --userout /dev/stdout --userfields query+target --threads {threads}"
        " 2> {log:q}"
        " | LC_ALL=C sort > {output:q}"


rule otu_table:
    input:
        otus=rules.name_otus.output.otus,
        hits=rules.map_distinct.output[0],
        derep=expand(rules.process_reads.output.derep, sample=SAMPLES),
    output:
        tsv=PLAN.path("otu_table"),
        biom=PLAN.path("otu_biom"),
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
        conda_env("python")
    script:
        "../../scripts/otu_table.py"
