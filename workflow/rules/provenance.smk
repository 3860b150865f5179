"""Software versions recorded from each tool's own environment, and the run's provenance record."""

# Role -> path of every reference file the run reads (hashed with MD5, as SILVA publishes).
PROVENANCE_REFERENCES = {
    role: path
    for role, path in zip(
        ("reference_fasta", "reference_taxonomy", "chimera_reference"),
        (*reference_files(), config["chimera"]["reference"]),
        strict=True,
    )
    if path
}


# The version output (stdout and stderr) is the rule's output: vsearch prints its version on
# stderr, the others on stdout. A tool that fails leaves what it said in the log.
for _key, _tool in TOOLS.items():

    rule:
        name:
            f"version_{_key}"
        output:
            version_files()[_key],
        params:
            command=list(_tool.command),
        resources:
            mem_mb=500,
            runtime=5,
        log:
            f"{OUT}/logs/versions/{_key}.log",
        conda:
            conda_env(_tool.env)
        shell:
            "{params.command:q} < /dev/null > {output:q} 2>&1"
            " || {{ cat {output:q} > {log:q}; exit 1; }}"


rule version_python:
    output:
        version_files()[PYTHON_KEY],
    params:
        snakemake=snakemake.__version__,
    resources:
        mem_mb=500,
        runtime=5,
    log:
        f"{OUT}/logs/versions/{PYTHON_KEY}.log",
    conda:
        conda_env("python")
    script:
        "../../scripts/python_versions.py"


rule provenance:
    input:
        **version_files(),
        sheet=config["samples"],
        reads=[SAMPLE_SHEET.loc[s, col] for s in SAMPLES for col in ("r1", "r2")],
        references=list(PROVENANCE_REFERENCES.values()),
    output:
        record=PLAN.path("provenance"),
        run_info=PLAN.path("run_info"),
    params:
        config=config,
        reads={s: SAMPLE_SHEET.loc[s, ["group", "r1", "r2"]].to_dict() for s in SAMPLES},
        references=PROVENANCE_REFERENCES,
        code_dir=lambda wildcards: workflow.basedir,
        version_keys=[*TOOLS, PYTHON_KEY],
    resources:
        mem_mb=500,
        runtime=30,
    log:
        f"{OUT}/logs/provenance.log",
    conda:
        conda_env("python")
    script:
        "../../scripts/provenance.py"
