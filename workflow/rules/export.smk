"""Results in the formats QIIME 2, phyloseq and mothur read as they are (otuflow.export)."""


rule export_for_clients:
    input:
        otu_table=PLAN.path("otu_table"),
        otu_taxonomy=PLAN.path("otu_taxonomy"),
        groups=PLAN.path("groups"),
        otus=PLAN.path("otus"),
        alignment=PLAN.path("alignment"),
        tree=PLAN.path("tree"),
    output:
        **PLAN.export_files(),
    params:
        identity=config["cluster"]["identity"],
    resources:
        mem_mb=2000,
        runtime=10,
    log:
        f"{OUT}/logs/export_for_clients.log",
    benchmark:
        f"{OUT}/benchmarks/export_for_clients.tsv"
    conda:
        conda_env("python")
    script:
        "../../scripts/export_for_clients.py"
