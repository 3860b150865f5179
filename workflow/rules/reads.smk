"""Per-sample read processing: primer/adapter trimming, pair merging and quality filtering."""


rule check_reads:
    input:
        unpack(sample_reads),
    output:
        f"{OUT}/qc/reads/{{sample}}.json",
    params:
        min_length=config["merge"]["min_overlap"],
        script=workflow.source_path("../../scripts/check_reads.py"),
    resources:
        mem_mb=500,
        runtime=30,
    log:
        f"{OUT}/logs/check_reads/{{sample}}.log",
    benchmark:
        f"{OUT}/benchmarks/check_reads/{{sample}}.tsv"
    conda:
        "../../envs/python.yaml"
    shell:
        "python {params.script} --r1 {input.r1:q} --r2 {input.r2:q} --sample {wildcards.sample}"
        " --min-length {params.min_length} --out {output:q} > {log} 2>&1"


rule trim_primers:
    input:
        unpack(sample_reads),
        checked=rules.check_reads.output,
    output:
        r1=f"{OUT}/work/trimmed/{{sample}}_R1.fastq.gz",
        r2=f"{OUT}/work/trimmed/{{sample}}_R2.fastq.gz",
        report=f"{OUT}/work/trimmed/{{sample}}.cutadapt.json",
    params:
        adapters=cutadapt_adapter_args(),
        error_rate=config["primers"]["max_error_rate"],
        quality=config["primers"]["quality_cutoff"],
        check=workflow.source_path("../../scripts/check_trimming.py"),
        min_fraction=config["primers"]["min_fraction_with_primers"] if config["primers"]["trim"] else 0,
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    log:
        f"{OUT}/logs/trim_primers/{{sample}}.log",
    benchmark:
        f"{OUT}/benchmarks/trim_primers/{{sample}}.tsv"
    conda:
        "../../envs/cutadapt.yaml"
    shell:
        "(cutadapt --cores {threads} -e {params.error_rate} -q {params.quality} -Q {params.quality}"
        " {params.adapters}"
        " --minimum-length 1 --json {output.report} -o {output.r1} -p {output.r2}"
        " {input.r1} {input.r2}"
        " && python {params.check} --report {output.report}"
        " --sample {wildcards.sample} --min-fraction {params.min_fraction}) > {log} 2>&1"


rule merge_pairs:
    input:
        r1=rules.trim_primers.output.r1,
        r2=rules.trim_primers.output.r2,
    output:
        f"{OUT}/work/merged/{{sample}}.fastq",
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
        "../../envs/vsearch.yaml"
    shell:
        "vsearch --fastq_mergepairs {input.r1} --reverse {input.r2}"
        " --fastq_minovlen {params.min_overlap} --fastq_maxdiffs {params.max_diffs}"
        " --relabel {wildcards.sample}. --fastqout {output} --threads {threads} 2> {log}"


rule filter_reads:
    input:
        rules.merge_pairs.output,
    output:
        f"{OUT}/work/filtered/{{sample}}.fasta",
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
        "../../envs/vsearch.yaml"
    shell:
        "vsearch --fastq_filter {input} --fastq_maxee {params.max_ee}"
        " --fastq_minlen {params.min_length} --fastq_maxlen {params.max_length}"
        " --fastq_maxns {params.max_ns} --fastaout {output} --fasta_width 0 2> {log}"


rule write_groups:
    input:
        config["samples"],
    output:
        f"{OUT}/groups.tsv",
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
        "../../envs/python.yaml"
    script:
        "../../scripts/write_groups.py"


rule read_tracking:
    input:
        reports=expand(rules.trim_primers.output.report, sample=SAMPLES),
        merged=expand(rules.merge_pairs.output, sample=SAMPLES),
        filtered=expand(rules.filter_reads.output, sample=SAMPLES),
        table=f"{OUT}/otu/otu_table.tsv",
    output:
        f"{OUT}/qc/read_tracking.tsv",
    params:
        samples=SAMPLES,
        max_step_loss=config["tracking"]["max_step_loss"],
    resources:
        mem_mb=1000,
        runtime=10,
    log:
        f"{OUT}/logs/read_tracking.log",
    benchmark:
        f"{OUT}/benchmarks/read_tracking.tsv"
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/read_tracking.py"
