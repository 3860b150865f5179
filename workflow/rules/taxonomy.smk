"""Reference preparation (cached under resources/), classifier training and OTU taxonomy."""


if TAXONOMY["source"] == "silva":

    rule fetch_silva:
        output:
            reference_files()[0],
        params:
            url=TAXONOMY["silva_url"],
            md5=TAXONOMY["silva_md5"],
        resources:
            mem_mb=1000,
            runtime=120,
        log:
            f"{SILVA_DIR}/fetch.log",
        benchmark:
            f"{SILVA_DIR}/fetch.benchmark.tsv"
        conda:
            conda_env("python")
        script:
            "../../scripts/fetch_reference.py"


rule prepare_reference:
    input:
        unpack(reference_inputs),
    output:
        fasta=f"{REFERENCE_DIR}/reference.fasta",
        taxonomy=f"{REFERENCE_DIR}/taxonomy.tsv",
        sintax=f"{REFERENCE_DIR}/sintax.fasta",
    params:
        args=lambda wildcards, input, output: prepare_reference_args(
            TAXONOMY, config["primers"], input.fasta, input.get("taxonomy"), output
        ),
    resources:
        mem_mb=8000,
        runtime=120,
    log:
        f"{REFERENCE_DIR}/prepare_reference.log",
    benchmark:
        f"{REFERENCE_DIR}/prepare_reference.benchmark.tsv"
    conda:
        conda_env("python")
    script:
        "../../scripts/run_otuflow.py"


if TAXONOMY["method"] == "rdp":

    rule train_classifier:
        input:
            fasta=rules.prepare_reference.output.fasta,
            taxonomy=rules.prepare_reference.output.taxonomy,
        output:
            f"{REFERENCE_DIR}/rdp_model.npz",
        params:
            args=lambda wildcards, input, output: [
                "train", "--reference", input.fasta, "--taxonomy", input.taxonomy,
                "--format", "tsv", "--out", output[0],
            ],  # fmt: skip
        resources:
            mem_mb=8000,
            runtime=240,
        log:
            f"{REFERENCE_DIR}/train_classifier.log",
        benchmark:
            f"{REFERENCE_DIR}/train_classifier.benchmark.tsv"
        conda:
            conda_env("python")
        script:
            "../../scripts/run_otuflow.py"

    rule classify_otus:
        input:
            otus=rules.name_otus.output.otus,
            model=rules.train_classifier.output[0],
        output:
            PLAN.path("otu_taxonomy"),
        params:
            args=lambda wildcards, input, output, threads: [
                "classify", "--model", input.model, "--query", input.otus, "--out", output[0],
                "--confidence", TAXONOMY["confidence"], "--bootstraps", TAXONOMY["bootstraps"],
                "--seed", config["seed"], "--threads", threads,
            ],  # fmt: skip
        threads: 2
        resources:
            mem_mb=8000,
            runtime=120,
        log:
            f"{OUT}/logs/classify_otus.log",
        benchmark:
            f"{OUT}/benchmarks/classify_otus.tsv"
        conda:
            conda_env("python")
        script:
            "../../scripts/run_otuflow.py"

else:

    # One thread: with --randseed, vsearch's SINTAX results repeat only single-threaded.
    rule sintax_search:
        input:
            otus=rules.name_otus.output.otus,
            database=rules.prepare_reference.output.sintax,
        output:
            f"{OUT}/work/taxonomy/sintax.tsv",
        params:
            cutoff=TAXONOMY["confidence"],
            seed=config["seed"],
        threads: 1
        resources:
            mem_mb=4000,
            runtime=120,
        log:
            f"{OUT}/logs/sintax_search.log",
        benchmark:
            f"{OUT}/benchmarks/sintax_search.tsv"
        conda:
            conda_env("reads")
        shell:
            "vsearch --sintax {input.otus:q} --db {input.database:q}"
            " --tabbedout {output:q} --sintax_cutoff {params.cutoff} --randseed {params.seed}"
            " --threads 1 --strand both --notrunclabels 2> {log:q}"

    rule classify_otus:
        input:
            otus=rules.name_otus.output.otus,
            sintax=rules.sintax_search.output[0],
        output:
            PLAN.path("otu_taxonomy"),
        params:
            confidence=TAXONOMY["confidence"],
        resources:
            mem_mb=2000,
            runtime=10,
        log:
            f"{OUT}/logs/classify_otus.log",
        benchmark:
            f"{OUT}/benchmarks/classify_otus.tsv"
        conda:
            conda_env("python")
        script:
            "../../scripts/sintax_table.py"


rule taxa_tables:
    input:
        table=rules.otu_table.output.tsv,
        taxonomy=rules.classify_otus.output[0],
    output:
        genus=PLAN.path("taxa_table", rank="genus"),
        phylum=PLAN.path("taxa_table", rank="phylum"),
    params:
        args=lambda wildcards, input, output: [
            "taxa-tables", "--otu-table", input.table, "--taxonomy", input.taxonomy,
            "--genus-out", output.genus, "--phylum-out", output.phylum,
        ],  # fmt: skip
    resources:
        mem_mb=2000,
        runtime=10,
    log:
        f"{OUT}/logs/taxa_tables.log",
    benchmark:
        f"{OUT}/benchmarks/taxa_tables.tsv"
    conda:
        conda_env("python")
    script:
        "../../scripts/run_otuflow.py"
