"""Reference preparation (cached under resources/), classifier training and OTU taxonomy."""


rule fetch_silva:
    output:
        f"{SILVA_DIR}/{Path(config['taxonomy']['silva_url']).name}",
    params:
        url=config["taxonomy"]["silva_url"],
        md5=config["taxonomy"]["silva_md5"],
    resources:
        mem_mb=1000,
        runtime=120,
    log:
        f"{SILVA_DIR}/fetch.log",
    benchmark:
        f"{SILVA_DIR}/fetch.benchmark.tsv"
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/fetch_reference.py"


rule prepare_reference:
    input:
        unpack(lambda wildcards: reference_inputs()),
    output:
        fasta=f"{REFERENCE_DIR}/reference.fasta",
        taxonomy=f"{REFERENCE_DIR}/taxonomy.tsv",
        sintax=f"{REFERENCE_DIR}/sintax.fasta",
    params:
        args=prepare_reference_args,
    resources:
        mem_mb=8000,
        runtime=120,
    log:
        f"{REFERENCE_DIR}/prepare_reference.log",
    benchmark:
        f"{REFERENCE_DIR}/prepare_reference.benchmark.tsv"
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/run_otuflow.py"


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
        "../../envs/python.yaml"
    script:
        "../../scripts/run_otuflow.py"


rule classify_otus:
    input:
        otus=rules.name_otus.output[0],
        model=rules.train_classifier.output[0],
        sintax=rules.prepare_reference.output.sintax,
    output:
        f"{OUT}/taxonomy/otu_taxonomy.tsv",
    params:
        args=classify_args,
    threads: 2
    resources:
        mem_mb=8000,
        runtime=120,
    log:
        f"{OUT}/logs/classify_otus.log",
    benchmark:
        f"{OUT}/benchmarks/classify_otus.tsv"
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/run_otuflow.py"


rule taxa_tables:
    input:
        table=rules.otu_table.output.tsv,
        taxonomy=rules.classify_otus.output[0],
    output:
        genus=f"{OUT}/taxonomy/genus_table.tsv",
        phylum=f"{OUT}/taxonomy/phylum_table.tsv",
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
        "../../envs/python.yaml"
    script:
        "../../scripts/run_otuflow.py"
