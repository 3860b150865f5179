"""Per-sample read processing (read check, primer trimming, pair merging, filtering,
dereplication), the primer gate, sample groups and read tracking."""


# A sample's whole chain is one job (Snakemake's start-up is paid once per sample, not five times):
# read check (`python -m`, importing only the FASTQ check) -> primer trimming -> pair merging ->
# quality filtering -> dereplication. Each step keeps its own log and the counts read tracking
# needs, so the intermediate reads can be temporary. R1 and R2 that both hold no reads pass
# (announced before any job, left out of the analyses).
rule process_reads:
    input:
        unpack(sample_reads),
    output:
        checked=f"{OUT}/qc/reads/{{sample}}.json",
        trimmed_r1=temp(f"{OUT}/work/trimmed/{{sample}}_R1.fastq"),
        trimmed_r2=temp(f"{OUT}/work/trimmed/{{sample}}_R2.fastq"),
        cutadapt_report=f"{OUT}/work/trimmed/{{sample}}.cutadapt.json",
        merged=temp(f"{OUT}/work/merged/{{sample}}.fastq"),
        merged_count=f"{OUT}/work/merged/{{sample}}.count",
        filtered=temp(f"{OUT}/work/filtered/{{sample}}.fasta"),
        filtered_count=f"{OUT}/work/filtered/{{sample}}.count",
        derep=f"{OUT}/work/derep/{{sample}}.fasta",
    params:
        min_read_length=config["merge"]["min_overlap"],
        adapters=cutadapt_adapter_args(config["primers"]),
        error_rate=config["primers"]["max_error_rate"],
        quality=config["primers"]["quality_cutoff"],
        min_overlap=config["merge"]["min_overlap"],
        max_diffs=config["merge"]["max_diffs"],
        max_ee=config["filter"]["max_ee"],
        min_length=config["filter"]["min_length"],
        max_length=config["filter"]["max_length"],
        max_ns=config["filter"]["max_ns"],
    threads: 1
    resources:
        mem_mb=lambda wildcards, input, attempt: (1000 + int(3 * input.size_mb)) * attempt,
        runtime=60,
    log:
        check=f"{OUT}/logs/check_reads/{{sample}}.log",
        trim=f"{OUT}/logs/trim_primers/{{sample}}.log",
        merge=f"{OUT}/logs/merge_pairs/{{sample}}.log",
        filter=f"{OUT}/logs/filter_reads/{{sample}}.log",
        derep=f"{OUT}/logs/dereplicate_sample/{{sample}}.log",
    benchmark:
        f"{OUT}/benchmarks/process_reads/{{sample}}.tsv"
    conda:
        conda_env("reads")
    shell:
        "python -m otuflow.fastq_check --r1 {input.r1:q} --r2 {input.r2:q}"
        " --sample {wildcards.sample:q} --min-length {params.min_read_length} --allow-empty"
        " --out {output.checked:q} > {log.check:q} 2>&1"
        " && cutadapt --cores {threads} -e {params.error_rate} -q {params.quality}"
        " -Q {params.quality} {params.adapters:q} --minimum-length 1"
        " --json {output.cutadapt_report:q} -o {output.trimmed_r1:q} -p {output.trimmed_r2:q}"
        " {input.r1:q} {input.r2:q} > {log.trim:q} 2>&1"
        " && vsearch --fastq_mergepairs {output.trimmed_r1:q} --reverse {output.trimmed_r2:q}"
        " --fastq_minovlen {params.min_overlap} --fastq_maxdiffs {params.max_diffs}"
        " --relabel {wildcards.sample:q}. --fastqout {output.merged:q} --threads {threads}"
        " 2> {log.merge:q}"
        " && awk 'END {{print NR / 4}}' {output.merged:q} > {output.merged_count:q}"
        " && vsearch --fastq_filter {output.merged:q} --fastq_maxee {params.max_ee}"
        " --fastq_minlen {params.min_length} --fastq_maxlen {params.max_length}"
        " --fastq_maxns {params.max_ns} --fastaout {output.filtered:q} --fasta_width 0"
        " 2> {log.filter:q}"
        " && awk 'END {{print NR / 2}}' {output.filtered:q} > {output.filtered_count:q}"
        " && vsearch --derep_fulllength {output.filtered:q} --strand plus --sizeout"
        " --relabel {wildcards.sample:q}.u --output {output.derep:q} --fasta_width 0"
        " 2> {log.derep:q}"


# Before the cohort steps: a sample whose reads mostly lack the configured primers is left out of
# the analyses; most samples lacking them stop the run (the primers are wrong).
rule check_primers:
    input:
        reports=expand(rules.process_reads.output.cutadapt_report, sample=SAMPLES),
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
        reports=expand(rules.process_reads.output.cutadapt_report, sample=SAMPLES),
        primers=rules.check_primers.output[0],
        merged=expand(rules.process_reads.output.merged_count, sample=SAMPLES),
        filtered=expand(rules.process_reads.output.filtered_count, sample=SAMPLES),
        table=PLAN.path("otu_table"),
    output:
        table=PLAN.path("read_tracking"),
        excluded=PLAN.path("excluded_samples"),
    params:
        samples=SAMPLES,
        max_step_loss=config["tracking"]["max_step_loss"],
        min_mapped_reads=MIN_MAPPED_READS,
        feature=FEATURES.noun,
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
