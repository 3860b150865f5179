"""Configuration, sample sheet and path helpers shared by every rule."""

from pathlib import Path

from snakemake.utils import validate

# The Snakefile imports the otuflow package from this checkout; scripts find it through the
# scripts/otuflow link, so they work in any environment (venv, conda, container).
import sys  # noqa: E402

sys.path.insert(0, str(Path(workflow.basedir) / "src"))

import yaml  # noqa: E402
from snakemake.logging import logger  # noqa: E402

from otuflow.checks import config_errors, failed_job_messages  # noqa: E402
from otuflow.iupac import PrimerError, reverse_complement, validate_primer  # noqa: E402
from otuflow.samplesheet import GroupRule, SampleSheetError, read_sample_sheet  # noqa: E402


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
            "file(s) given with --configfile; config.yaml documents every key and "
            "workflow/schemas/config.schema.yaml lists the allowed values."
        )
    validate(config, schema)  # fills in the defaults


_check_config()

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
        f"{OUT}/taxonomy/otu_taxonomy.tsv",
        f"{OUT}/taxonomy/genus_table.tsv",
        f"{OUT}/taxonomy/phylum_table.tsv",
        f"{OUT}/alpha/alpha_diversity.tsv",
        f"{OUT}/alpha/alpha_tests.tsv",
        f"{OUT}/beta/permanova.tsv",
        *expand(
            f"{OUT}/beta/{{kind}}_{{metric}}.tsv",
            kind=["ordination_pcoa", "ordination_nmds"],
            metric=config["diversity"]["beta_metrics"],
        ),
        f"{OUT}/composition/genus_top.tsv",
        *differential_outputs().values(),
        f"{OUT}/report.html",
        f"{OUT}/provenance/provenance.json",
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


# --- taxonomy reference: prepared once per reference and primer set, cached under resources/ ---
TAXONOMY = config["taxonomy"]
SILVA_DIR = str(Path(workflow.basedir) / "resources" / "silva")


def _reference_files():
    """Reference FASTA and taxonomy TSV ("" when not used) as configured."""
    if TAXONOMY["source"] == "silva":
        return f"{SILVA_DIR}/{Path(TAXONOMY['silva_url']).name}", ""
    if not TAXONOMY["reference_fasta"]:
        raise WorkflowError("Set taxonomy: reference_fasta in the config (or source: silva).")
    return TAXONOMY["reference_fasta"], TAXONOMY["reference_taxonomy"]


def missing_reference_files():
    """Configured reference files that do not exist (reported when taxonomy is needed)."""
    if TAXONOMY["source"] == "silva":
        return []
    return [
        f"taxonomy: {key} file {TAXONOMY[key]!r} does not exist"
        for key in ("reference_fasta", "reference_taxonomy")
        if TAXONOMY[key] and not Path(TAXONOMY[key]).is_file()
    ]


def _reference_key():
    """Cache key: the reference files' contents (or the SILVA URL + MD5) and the preparation
    parameters, so a reference is prepared and a model trained once per input set."""
    from otuflow.classify.model import cache_key

    fasta, taxonomy = _reference_files()
    params = {
        k: TAXONOMY[k]
        for k in ("reference_format", "domains", "max_ambiguous", "extract_region")
    }
    if TAXONOMY["extract_region"]:
        params.update(
            primers=[FORWARD_PRIMER, REVERSE_PRIMER], mismatch=TAXONOMY["region_max_mismatch"]
        )
    if TAXONOMY["source"] == "silva":
        params.update(url=TAXONOMY["silva_url"], md5=TAXONOMY["silva_md5"])
        return cache_key([], params)[:16]
    if missing_reference_files():
        # Not there yet: the key comes from the paths; the run stops with a clear message only
        # if a taxonomy output is requested (see the prepare_reference rule).
        params.update(paths=[fasta, taxonomy])
        return cache_key([], params)[:16]
    return cache_key([p for p in (fasta, taxonomy) if p], params)[:16]


REFERENCE_DIR = str(Path(workflow.basedir) / "resources" / "cache" / f"reference-{_reference_key()}")


def reference_inputs():
    """Input files of the reference preparation; a clear error if they are missing."""
    problems = missing_reference_files()
    if problems:
        raise WorkflowError(
            "; ".join(problems) + ". Point taxonomy: reference_fasta/reference_taxonomy at your "
            "16S reference (or set taxonomy: source: silva)."
        )
    fasta, taxonomy = _reference_files()
    return {"fasta": fasta, **({"taxonomy": taxonomy} if taxonomy else {})}


def prepare_reference_args(wildcards, input, output):
    """`otuflow prepare-reference` arguments."""
    args = [
        "prepare-reference", "--fasta", input.fasta, "--format", TAXONOMY["reference_format"],
        "--domains", ",".join(TAXONOMY["domains"]),
        "--max-ambiguous", str(TAXONOMY["max_ambiguous"]),
        "--out-fasta", output.fasta, "--out-taxonomy", output.taxonomy,
        "--out-sintax", output.sintax,
    ]  # fmt: skip
    if "taxonomy" in input.keys():
        args += ["--taxonomy", input.taxonomy]
    if TAXONOMY["extract_region"]:
        args += [
            "--primers", f"{FORWARD_PRIMER},{REVERSE_PRIMER}",
            "--max-mismatch", str(TAXONOMY["region_max_mismatch"]),
        ]  # fmt: skip
    return args


def classify_args(wildcards, input, output, threads):
    """`otuflow classify` (or `otuflow sintax`) arguments for the configured method."""
    common = [
        "--query", input.otus, "--out", output[0], "--confidence", str(TAXONOMY["confidence"]),
        "--seed", str(config["seed"]), "--threads", str(threads),
    ]  # fmt: skip
    if TAXONOMY["method"] == "sintax":
        return ["sintax", "--db", input.sintax, *common]
    return ["classify", "--model", input.model, "--bootstraps", str(TAXONOMY["bootstraps"]), *common]


# --- comparisons between groups, fixed by the sample sheet ---
from otuflow.stats.comparisons import plan_comparisons  # noqa: E402

COMPARISONS, SKIPPED_COMPARISONS = plan_comparisons(
    SAMPLE_SHEET["group"], config["differential"]["pooled"], config["differential"]["reference"]
)
for _skipped in SKIPPED_COMPARISONS:
    logger.warning(
        f"otuflow: differential abundance {_skipped.name_a} vs {_skipped.name_b} is skipped: "
        f"{_skipped.reason} (listed in {OUT}/differential/summary.tsv)."
    )


def comparison_slug(comparison):
    """File-name part of a comparison: ``<groupA>_vs_<groupB>``."""
    return f"{comparison.name_a}_vs_{comparison.name_b}"


def differential_outputs():
    """Every file the differential-abundance job writes."""
    folder = f"{OUT}/differential"
    rank = config["differential"]["rank"]
    files = {
        "kruskal": f"{folder}/kruskal_wallis.tsv",
        "summary": f"{folder}/summary.tsv",
        "counts": f"{folder}/{rank}_counts.tsv",
        "relative": f"{folder}/{rank}_relative_abundance.tsv",
    }
    for comparison in COMPARISONS:
        slug = comparison_slug(comparison)
        for test in ("metastats", "stamp", "wilcoxon"):
            files[f"{test}_{slug}"] = f"{folder}/{test}_{slug}.tsv"
    return files


def differential_figure_inputs(wildcards):
    """Tables behind the differential-abundance figures."""
    tables = differential_outputs()
    files = {"rel": rules.differential_abundance.output.relative}
    for comparison in COMPARISONS:
        slug = comparison_slug(comparison)
        files[f"stamp_{slug}"] = tables[f"stamp_{slug}"]
        files[f"metastats_{slug}"] = tables[f"metastats_{slug}"]
    return files


def differential_figure_outputs():
    """STAMP plot per comparison and the box plots of the significant taxa."""
    files = {"boxes": multiext(f"{OUT}/figures/significant_taxa", ".png", ".svg")}
    for comparison in COMPARISONS:
        slug = comparison_slug(comparison)
        files[f"stamp_{slug}"] = multiext(f"{OUT}/figures/stamp_{slug}", ".png", ".svg")
    return files


def figure_files():
    """Every figure's PNG and SVG."""
    metrics = config["diversity"]["beta_metrics"]
    stems = ["read_tracking", "rarefaction_curves", "alpha_diversity"]
    stems += [f"{kind}_{m}" for m in metrics for kind in ("pcoa", "nmds")]
    stems += [f"{rank}_bars_{by}" for rank in ("genus", "phylum") for by in ("samples", "groups")]
    stems += ["significant_taxa"] + [f"stamp_{comparison_slug(c)}" for c in COMPARISONS]
    return [f"{OUT}/figures/{stem}{ext}" for stem in stems for ext in (".png", ".svg")]


onerror:
    # Rules write their tools' messages to log files; repeat why each failed job stopped.
    _messages = failed_job_messages(log if isinstance(log, list) else [log])
    if _messages:
        print("\notuflow: the failed job(s) stopped because:", file=sys.stderr)
        for _message in _messages:
            print(f"  {_message}", file=sys.stderr)
