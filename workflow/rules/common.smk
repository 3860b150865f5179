"""Configuration, sample sheet and run plan shared by every rule."""

import os
import sys
from pathlib import Path

import yaml
from snakemake.logging import logger
from snakemake.utils import validate

# Programs installed beside the Python that runs Snakemake (cutadapt, and python itself with the
# otuflow package) are found without activating its venv; with --sdm conda each rule's own
# environment comes first on PATH.
os.environ.update(
    PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
)

try:
    from otuflow.checks import (
        RunFolderError,
        check_run_folder,
        config_errors,
        record_run_folder,
        setting_conflicts,
        stale_results,
    )
    from otuflow.clinical.table import ClinicalTableError, read_clinical_table
    from otuflow.features import feature_kind
    from otuflow.iupac import PrimerError, validate_primer
    from otuflow.fastq_check import holds_no_reads
    from otuflow.plan import RunPlan
    from otuflow.safety import system_folder_problem
    from otuflow.rule_args import (
        cutadapt_adapter_args,
        prepare_reference_args,
        reference_cache_key,
        reference_settings,
    )
    from otuflow.samplesheet import GroupRule, SampleSheetError, read_sample_sheet
    from otuflow.software import PYTHON_KEY, TOOLS
except ModuleNotFoundError as error:
    raise WorkflowError(
        f"The otuflow package is not installed in the Python that runs Snakemake "
        f"({sys.executable}): {error}. Run `make setup` in the otuflow folder and use its "
        "`.venv/bin/snakemake`, or `pip install -e <otuflow folder>` into this environment."
    ) from None


def _check_config():
    """Stop before any job with every config problem listed by its dotted key."""
    schema = Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml"
    # Primers first: the schema's pattern error would not say which letters are wrong.
    primers = config.get("primers") if isinstance(config.get("primers"), dict) else {}
    for key in ("forward", "reverse"):
        if isinstance(primers.get(key), str):
            try:
                validate_primer(primers[key], f"primers: {key}")
            except PrimerError as error:
                raise WorkflowError(f"Config problem: {error}") from None
    problems = config_errors(config, yaml.safe_load(schema.read_text()))
    if problems:
        raise WorkflowError(
            "Config problem(s):\n  " + "\n  ".join(problems) + "\nFix these keys in the config "
            "file given with --configfile (it is the whole config: keys it leaves out take the "
            "defaults of workflow/schemas/config.schema.yaml, never the demo's values); "
            "config.yaml documents every key."
        )
    validate(config, schema)  # fills in the defaults
    conflicts = setting_conflicts(config)
    if conflicts:
        raise WorkflowError("Config problem(s):\n  " + "\n  ".join(conflicts))


_check_config()

try:
    SAMPLE_SHEET = read_sample_sheet(
        config["samples"],
        GroupRule(config["groups"]["min_days"], config["groups"]["min_dose_mg_day"]),
        tuple(config["groups"]["order"]),
    )
except SampleSheetError as error:
    raise WorkflowError(f"Sample sheet problem: {error}") from None

if config["clinical"]["table"]:
    # Checked here, before any job: a bad clinical table would otherwise fail after the reads.
    try:
        CLINICAL = read_clinical_table(
            config["clinical"]["table"],
            SAMPLE_SHEET,
            config["samples"],
            GroupRule(config["groups"]["min_days"], config["groups"]["min_dose_mg_day"]),
        )
    except ClinicalTableError as error:
        raise WorkflowError(f"Clinical table problem: {error}") from None
    if CLINICAL.unknown_columns:
        logger.warning(
            f"otuflow: clinical table columns not in the schema are ignored: "
            f"{', '.join(CLINICAL.unknown_columns)} (listed in "
            f"{config['outdir']}/clinical/columns.tsv)."
        )

try:
    PLAN = RunPlan.from_config(config, SAMPLE_SHEET["group"])
except ValueError as error:
    raise WorkflowError(f"Config problem: {error}") from None

OUT = PLAN.outdir
if Path(OUT).exists() and not Path(OUT).is_dir():
    raise WorkflowError(
        f"Config problem: outdir {OUT!r} is a file, not a folder; choose a folder for the results."
    )
if system_folder_problem(OUT):
    raise WorkflowError(
        f"Config problem: outdir: {system_folder_problem(OUT)}; results need a folder of their "
        "own (e.g. results, or /data/project/results)."
    )
# (workflow.cores raises when no --cores is given, as with a cluster executor)
_cores = workflow.resource_settings.cores
if _cores is not None and _cores < 1:
    raise WorkflowError(
        f"--cores {_cores}: give the number of cores to use (--cores 4), or --cores all "
        "for every core of this machine."
    )
if len(SAMPLE_SHEET) < 2:
    raise WorkflowError(
        f"Sample sheet problem: {config['samples']} lists one sample "
        f"({SAMPLE_SHEET.index[0]}). otuflow compares samples and groups (rarefaction, beta "
        "diversity, differential abundance); add samples to the sheet."
    )
# A sample whose files hold no reads runs through every step with none and is left out of the
# analyses (qc/excluded_samples.tsv); one file empty and its mate not is an error (check_reads).
EMPTY_SAMPLES = [
    sample
    for sample, row in SAMPLE_SHEET.iterrows()
    if holds_no_reads(row["r1"]) and holds_no_reads(row["r2"])
]
for _sample in EMPTY_SAMPLES:
    logger.warning(
        f"otuflow: sample {_sample}: {SAMPLE_SHEET.loc[_sample, 'r1']} and "
        f"{SAMPLE_SHEET.loc[_sample, 'r2']} hold no reads; the sample is left out of every "
        f"analysis (listed in {PLAN.path('excluded_samples')})."
    )
if len(SAMPLE_SHEET) - len(EMPTY_SAMPLES) < 2:
    raise WorkflowError(
        f"Sample sheet problem: {config['samples']} lists "
        f"{len(SAMPLE_SHEET) - len(EMPTY_SAMPLES)} sample(s) whose FASTQ files hold reads "
        f"(no reads in: {', '.join(EMPTY_SAMPLES)}). otuflow compares samples and groups; "
        "fix the empty files or add samples to the sheet."
    )
_present_groups = sorted(set(SAMPLE_SHEET["group"]), key=str)
if len(_present_groups) < 2:
    logger.warning(
        f"otuflow: every sample of {config['samples']} is in one group "
        f"({_present_groups[0]}): the OTU table, taxonomy, alpha and beta diversity and "
        "composition are made, group tests (alpha tests, PERMANOVA, differential abundance) are "
        "skipped and listed."
    )
# A sample needs this many mapped reads to count in composition and differential abundance.
MIN_MAPPED_READS = (
    config["tracking"]["min_mapped_reads"]
    if config["tracking"]["min_mapped_reads"] is not None
    else config["diversity"]["rarefaction_floor"]
)
SAMPLES = list(PLAN.samples)
FEATURES = feature_kind(config)

# An output folder belongs to the folder its runs start in, where Snakemake keeps their history.
try:
    check_run_folder(OUT, Path.cwd())
except RunFolderError as error:
    raise WorkflowError(str(error)) from None


onstart:
    record_run_folder(OUT, Path.cwd())


_stale = stale_results(
    OUT,
    PLAN.final_outputs() + [f for fig in PLAN.figures() for f in PLAN.figure_files(fig)],
    ("differential", "figures"),
)
if _stale:
    logger.warning(
        f"otuflow: {len(_stale)} file(s) in {OUT} are left from an earlier run with other samples "
        f"or comparisons (e.g. {_stale[0]}); this run does not make them and the report does not "
        "link them. Delete them, or use a new outdir, to keep only this run's results."
    )

for _skipped in PLAN.skipped:
    logger.warning(
        f"otuflow: differential abundance {_skipped.name_a} vs {_skipped.name_b} is skipped: "
        f"{_skipped.reason} (listed in {PLAN.path('differential_summary')})."
    )


wildcard_constraints:
    sample="|".join(SAMPLES),


def sample_reads(wildcards):
    """R1 and R2 paths of one sample from the sample sheet."""
    row = SAMPLE_SHEET.loc[wildcards.sample]
    return {"r1": row["r1"], "r2": row["r2"]}


# --- taxonomy reference: prepared once per reference and settings, cached under resources/ ---
TAXONOMY = config["taxonomy"]
SILVA_DIR = str(Path(workflow.basedir) / "resources" / "silva")


def reference_files():
    """Reference FASTA and taxonomy TSV ("" when the headers carry the lineage)."""
    if TAXONOMY["source"] == "silva":
        return f"{SILVA_DIR}/{Path(TAXONOMY['silva_url']).name}", ""
    return TAXONOMY["reference_fasta"], TAXONOMY["reference_taxonomy"]


def missing_reference_files():
    """Configured local reference files that do not exist."""
    if TAXONOMY["source"] == "silva":
        return []
    return [
        f"taxonomy: {key} file {TAXONOMY[key]!r} does not exist"
        for key in ("reference_fasta", "reference_taxonomy")
        if TAXONOMY[key] and not Path(TAXONOMY[key]).is_file()
    ]


REFERENCE_DIR = str(
    Path(workflow.basedir)
    / "resources"
    / "cache"
    / "reference-{}".format(
        reference_cache_key(
            [f for f in reference_files() if f and TAXONOMY["source"] == "local"],
            reference_settings(TAXONOMY, config["primers"]),
        )
    )
)


def reference_inputs(wildcards):
    """Input files of the reference preparation; a clear error if they are missing."""
    problems = missing_reference_files()
    if problems:
        raise WorkflowError(
            "; ".join(problems) + ". Point taxonomy: reference_fasta/reference_taxonomy at your "
            "16S reference (or set taxonomy: source: silva)."
        )
    fasta, taxonomy = reference_files()
    return {"fasta": fasta, **({"taxonomy": taxonomy} if taxonomy else {})}


def conda_env(name):
    """Path of the conda environment file of one tool, for `conda:` directives."""
    return f"../../envs/{name}.yaml"


def figure_files(stem):
    """PNG and SVG of the plan's figure ``stem`` (may hold wildcards)."""
    return [PLAN.path("figure", stem=stem, ext=ext) for ext in (".png", ".svg")]


def feature_centroids():
    """The centroids the features come from: 97 % OTU clusters or UNOISE3 ASVs."""
    if FEATURES.key == "asv":
        return rules.denoise_asvs.output[0]
    return rules.cluster_otus.output[0]


def chimera_steps():
    """Outputs of the chimera removal steps switched on, in order (rules defined in otus.smk)."""
    steps = []
    if config["chimera"]["denovo"]:
        steps.append(rules.remove_chimeras_denovo.output)
    if config["chimera"]["reference"]:
        steps.append(rules.remove_chimeras_reference.output)
    return steps


def version_files():
    """Software key -> the file holding its version output."""
    return {key: PLAN.path("tool_version", tool=key) for key in [*TOOLS, PYTHON_KEY]}
