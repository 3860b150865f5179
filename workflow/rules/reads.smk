"""Per-sample read processing: read check, primer/adapter trimming, pair merging, filtering."""


# The one per-sample Python step: a plain `python -m` command (no Snakemake script preamble, no
# path in params), since it runs once per sample and imports only the FASTQ check. R1 and R2
# that both hold no reads pass (announced before any job, left out of the analyses).
rule check_reads:
    input:
        unpack(sample_reads),
    output:
        f"{OUT}/qc/reads/{{sample}}.json",
    params:
        min_length=config["merge"]["min_overlap"],
    resources:
        mem_mb=500,
        runtime=30,
    log:
        f"{OUT}/logs/check_reads/{{sample}}.log",
    benchmark:
        f"{OUT}/benchmarks/check_reads/{{sample}}.tsv"
    conda:
        conda_env("python")
    shell:
        "python -m otuflow.fastq_check --r1 {input.r1:q} --r2 {input.r2:q}"
        " --sample {wildcards.sample:q} --min-length {params.min_length} --allow-empty"
        " --out {output:q} > {log:q} 2>&1"


rule trim_primers:
    input:
        unpack(sample_reads),
        checked=rules.check_reads.output,
    output:
        r1=temp(f"{OUT}/work/trimmed/{{sample}}_R1.fastq.gz"),
        r2=temp(f"{OUT}/work/trimmed/{{sample}}_R2.fastq.gz"),
        report=f"{OUT}/work/trimmed/{{sample}}.cutadapt.json",
    params:
        adapters=cutadapt_adapter_args(config["primers"]),
        error_rate=config["primers"]["max_error_rate"],
        quality=config["primers"]["quality_cutoff"],
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    log:
        f"{OUT}/logs/trim_primers/{{sample}}.log",
    benchmark:
        f"{OUT}/benchmarks/trim_primers/{{sample}}.tsv"
    conda:
        conda_env("cutadapt")
    shell:
        "cutadapt --cores {threads} -e {params.error_rate} -q {params.quality}"
        " -Q {params.quality} {params.adapters:q} --minimum-length 1"
        " --json {output.report:q} -o {output.r1:q} -p {output.r2:q}"
        " {input.r1:q} {input.r2:q} > {log:q} 2>&1"


# Before the cohort steps: a sample whose reads mostly lack the configured primers is left out of
# the analyses; most samples lacking them stop the run (the primers are wrong).
rule check_primers:
    input:
        reports=expand(rules.trim_primers.output.report, sample=SAMPLES),
    output:
        PLAN.path("primer_trimming"),
    params:
        samples=SAMPLES,
        min_fraction=(
            config["primers"]["min_fraction_with_primers"] if config["primers"]["trim"] else 0
        ),
        excluded_list=PLAN.path("excluded_samples"),
    resources:
        mem_mb=500,
        runtime=5,
    log:
        f"{OUT}/logs/check_primers.log",
    benchmark:
        f"{OUT}/benchmarks/check_primers.tsv"
    conda:
        conda_env("python")
    script:
        "../../scripts/check_primers.py"


# Each step also counts the reads it kept (read tracking), so its reads can be temporary.
rule merge_pairs:
    input:
        r1=rules.trim_primers.output.r1,
        r2=rules.trim_primers.output.r2,
    output:
        reads=temp(f"{OUT}/work/merged/{{sample}}.fastq"),
        reads_count=f"{OUT}/work/merged/{{sample}}.count",
    params:
        min_overlap=config["merge"]["min_overlap"],
        max_diffs=config["merge"]["max_diffs"],
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    log:
        f"{OUT}/logs/merge_pairs/{{sample}}.log",
    benchmark:
        f"{OUT}/benchmarks/merge_pairs/{{sample}}.tsv"
    conda:
        conda_env("vsearch")
    shell:
        "vsearch --fastq_mergepairs {input.r1:q} --reverse {input.r2:q}"
        " --fastq_minovlen {params.min_overlap} --fastq_maxdiffs {params.max_diffs}"
        " --relabel {wildcards.sample:q}. --fastqout {output.reads:q} --threads {threads}"
        " 2> {log:q} && awk 'END {{print NR / 4}}' {output.reads:q} > {output.reads_count:q}"


rule filter_reads:
    input:
        rules.merge_pairs.output.reads,
    output:
        reads=temp(f"{OUT}/work/filtered/{{sample}}.fasta"),
        reads_count=f"{OUT}/work/filtered/{{sample}}.count",
    params:
        max_ee=config["filter"]["max_ee"],
        min_length=config["filter"]["min_length"],
        max_length=config["filter"]["max_length"],
        max_ns=config["filter"]["max_ns"],
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    log:
        f"{OUT}/logs/filter_reads/{{sample}}.log",
    benchmark:
        f"{OUT}/benchmarks/filter_reads/{{sample}}.tsv"
    conda:
        conda_env("vsearch")
    shell:
        "vsearch --fastq_filter {input:q} --fastq_maxee {params.max_ee}"
        " --fastq_minlen {params.min_length} --fastq_maxlen {params.max_length}"
        " --fastq_maxns {params.max_ns} --fastaout {output.reads:q} --fasta_width 0"
        " 2> {log:q} && awk 'END {{print NR / 2}}' {output.reads:q} > {output.reads_count:q}"


rule write_groups:
    input:
        config["samples"],
    output:
        PLAN.path("groups"),
    params:
        min_days=config["groups"]["min_days"],
        min_dose_mg_day=config["groups"]["min_dose_mg_day"],
        groups=config["groups"]["order"],
    resources:
        mem_mb=500,
        runtime=5,
    log:
        f"{OUT}/logs/write_groups.log",
    benchmark:
        f"{OUT}/benchmarks/write_groups.tsv"
    conda:
        conda_env("python")
    script:
        "../../scripts/write_groups.py"


rule read_tracking:
    input:
        reports=expand(rules.trim_primers.output.report, sample=SAMPLES),
        primers=rules.check_primers.output[0],
        merged=expand(rules.merge_pairs.output.reads_count, sample=SAMPLES),
        filtered=expand(rules.filter_reads.output.reads_count, sample=SAMPLES),
        table=PLAN.path("otu_table"),
    output:
        table=PLAN.path("read_tracking"),
        excluded=PLAN.path("excluded_samples"),
    params:
        samples=SAMPLES,
        max_step_loss=config["tracking"]["max_step_loss"],
        min_mapped_reads=MIN_MAPPED_READS,
    resources:
        mem_mb=1000,
        runtime=10,
    log:
        f"{OUT}/logs/read_tracking.log",
    benchmark:
        f"{OUT}/benchmarks/read_tracking.tsv"
    conda:
        conda_env("python")
    script:
        "../../scripts/read_tracking.py"
