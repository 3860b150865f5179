"""Configuration, sample sheet and path helpers shared by every rule."""

from pathlib import Path

from snakemake.utils import validate

# The Snakefile imports the otuflow package from this checkout; scripts find it through the
# scripts/otuflow link, so they work in any environment (venv, conda, container).
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
        f"{OUT}/phylogeny/otus.tree",
        f"{OUT}/alpha/alpha_diversity.tsv",
        f"{OUT}/alpha/alpha_tests.tsv",
        f"{OUT}/beta/permanova.tsv",
    ]


def sample_reads(wildcards):
    """R1 and R2 paths of one sample from the sample sheet."""
    row = SAMPLE_SHEET.loc[wildcards.sample]
    return {"r1": row["r1"], "r2": row["r2"]}


def cutadapt_adapter_args():
    """cutadapt adapter options for the configured primers and adapters."""
    primers = config["primers"]
    if primers["trim"]:
        # Linked adapters: the 5' primer is required and removes anything before it (spacers,
        # adapter tails); the reverse-complemented opposite primer is trimmed on read-through.
        r1 = (
            f"{FORWARD_PRIMER};required;min_overlap={len(FORWARD_PRIMER)}"
            f"...{reverse_complement(REVERSE_PRIMER)};optional"
        )
        r2 = (
            f"{REVERSE_PRIMER};required;min_overlap={len(REVERSE_PRIMER)}"
            f"...{reverse_complement(FORWARD_PRIMER)};optional"
        )
        args = f"-g '{r1}' -G '{r2}'"
        if primers["require_both"]:
            args += " --discard-untrimmed --pair-filter=any"
        return args
    # Reads start after the primers: only trim the adapters read through at the 3' end.
    return (
        f"-a '{reverse_complement(primers['adapter_r2'])}' "
        f"-A '{reverse_complement(primers['adapter_r1'])}'"
    )
