"""Configuration, sample sheet and path helpers shared by every rule."""

import os
from pathlib import Path

from snakemake.utils import validate

# Rules and scripts import the otuflow package from this checkout, in any environment.
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(Path(workflow.basedir) / "src"), os.environ.get("PYTHONPATH", "")) if p
)
import sys  # noqa: E402

sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from otuflow.iupac import reverse_complement, validate_primer  # noqa: E402
from otuflow.samplesheet import GroupRule, SampleSheetError, read_sample_sheet  # noqa: E402


validate(config, Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml")

OUT = config["outdir"].rstrip("/")
FORWARD_PRIMER = validate_primer(config["primers"]["forward"], "primers.forward")
REVERSE_PRIMER = validate_primer(config["primers"]["reverse"], "primers.reverse")

try:
    SAMPLE_SHEET = read_sample_sheet(
        config["samples"],
        GroupRule(config["groups"]["min_days"], config["groups"]["min_dose_mg_day"]),
        tuple(config["groups"]["order"]),
    )
except SampleSheetError as error:
    raise WorkflowError(f"Sample sheet problem: {error}") from None

SAMPLES = list(SAMPLE_SHEET.index)


wildcard_constraints:
    sample="|".join(SAMPLES),


def final_outputs():
    """Every file `snakemake` builds by default."""
    return [
        f"{OUT}/groups.tsv",
        f"{OUT}/qc/read_tracking.tsv",
        f"{OUT}/otu/otus.fasta",
        f"{OUT}/otu/otu_table.tsv",
        f"{OUT}/otu/otu_table.biom",
    ]


def sample_reads(wildcards):
    """R1 and R2 paths of one sample from the sample sheet."""
    row = SAMPLE_SHEET.loc[wildcards.sample]
    return {"r1": row["r1"], "r2": row["r2"]}
