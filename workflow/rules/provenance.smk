"""Provenance record of a run: resolved config, input checksums, reference MD5s, software versions."""

# Role -> path of every reference file the run reads (hashed with MD5, as SILVA publishes).
PROVENANCE_REFERENCES = dict(
    zip(("reference_fasta", "reference_taxonomy"), _reference_files(), strict=True)
)
PROVENANCE_REFERENCES["chimera_reference"] = config["chimera"]["reference"]
PROVENANCE_REFERENCES = {role: path for role, path in PROVENANCE_REFERENCES.items() if path}


rule provenance:
    input:
        sheet=config["samples"],
        reads=[SAMPLE_SHEET.loc[s, col] for s in SAMPLES for col in ("r1", "r2")],
        references=list(PROVENANCE_REFERENCES.values()),
    output:
        record=f"{OUT}/provenance/provenance.json",
        run_info=f"{OUT}/provenance/run_info.json",
    params:
        config=config,
        reads={s: SAMPLE_SHEET.loc[s, ["group", "r1", "r2"]].to_dict() for s in SAMPLES},
        references=PROVENANCE_REFERENCES,
        code_dir=workflow.basedir,
    resources:
        mem_mb=500,
        runtime=30,
    log:
        f"{OUT}/logs/provenance.log",
    conda:
        "../../envs/python.yaml"
    script:
        "../../scripts/provenance.py"
