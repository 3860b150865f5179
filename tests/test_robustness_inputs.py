"""Bad input through the whole workflow: every case stops (or degrades) with a message that names
the sample, file or line at fault and says what to do, and leaves no output that looks complete.

Errors found while the workflow is parsed are checked with dry runs (`snakemake -n`); errors found
inside a job with real runs of the smallest target that reaches them. Every run uses its own
working directory, so Snakemake's locks and metadata never mix with other runs.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import REPO, require_tools, write_config
from conftest import fastq_records as _records
from conftest import write_fastq_records as _write
from otuflow.checks import config_errors
from otuflow.iupac import PrimerError, validate_primer
from otuflow.samplesheet import SAMPLE_ID_PATTERN, SampleSheetError, read_sample_sheet
from otuflow.simulate import simulate_cohort

SHEET_HEADER = "sample\tr1\tr2\topioid\tdose_mg_day\tdays_on_opioid\n"


def snakemake(config: Path, workdir: Path, *args: str, cores: int = 2):
    """Run the workflow in its own working directory; return the completed process."""
    workdir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "snakemake", *args, "--snakefile", str(REPO / "Snakefile"),
        "--directory", str(workdir), "--cores", str(cores), "--configfile", str(config),
        "--quiet", "progress",
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, cwd=workdir)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    """A small simulated cohort (2 samples per group, 600 read pairs each)."""
    return simulate_cohort(
        tmp_path_factory.mktemp("robust") / "cohort", seed=5, samples_per_group=(2, 2, 2),
        pairs_per_sample=600,
    )  # fmt: skip


def make_config(path: Path, cohort: Path, sheet: Path | str, **sections) -> Path:
    """Config for the cohort's reference with a given sample sheet and extra sections."""
    sections.setdefault("outdir", str(path.parent / "results"))
    taxonomy = {
        "reference_fasta": str(cohort / "reference" / "reference.fasta"),
        "reference_taxonomy": str(cohort / "reference" / "taxonomy.tsv"),
        **sections.pop("taxonomy", {}),
    }
    return write_config(path, samples=str(sheet), taxonomy=taxonomy, **sections)


def sheet_rows(cohort: Path, samples=("C01", "C02", "S01", "S02", "T01", "T02")) -> list[str]:
    """Lines of the cohort's own sample sheet (absolute read paths) for some samples."""
    table = pd.read_csv(cohort / "samples.tsv", sep="\t", dtype=str, keep_default_na=False)
    table = table.set_index("sample").loc[list(samples)]
    return [
        "\t".join([s, str(cohort / r.r1), str(cohort / r.r2), r.opioid, r.dose_mg_day,
                   r.days_on_opioid])
        for s, r in table.iterrows()
    ]  # fmt: skip


def dry_run(tmp_path: Path, cohort: Path, sheet_text: str | None, **sections):
    """Write a sheet (None: leave it missing) and a config, then dry-run the workflow."""
    sheet = tmp_path / "samples.tsv"
    if sheet_text is not None:
        sheet.write_text(sheet_text)
    config = make_config(tmp_path / "config.yaml", cohort, sheet, **sections)
    return snakemake(config, tmp_path / "wd", "-n")


def assert_fails_with(result, *fragments: str) -> str:
    """The run failed and its output holds every fragment; returns the output."""
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    for fragment in fragments:
        assert fragment in output, f"{fragment!r} not in:\n{output[-4000:]}"
    return output


# --- sample sheet: found while parsing ---------------------------------------------------------


def test_missing_sample_sheet(tmp_path, cohort):
    result = dry_run(tmp_path, cohort, None)
    assert_fails_with(result, f"Sample sheet '{tmp_path / 'samples.tsv'}' not found",
                      "Set 'samples' in the config")  # fmt: skip


@pytest.mark.parametrize(
    "text, fragments",
    [
        ("", ["the sample sheet is empty", "add a header and one row per sample"]),
        ("sample,r1,r2,group\nC01,a.fq,b.fq,Control\n",
         ["line 1 is separated by commas", "Save it as tab-delimited text"]),
        ("sample\tr1\tgroup\n",
         ["line 1: missing column(s) r2", "the header has sample, r1, group"]),
    ],
    ids=["empty", "commas", "missing-r2"],
)  # fmt: skip
def test_malformed_sample_sheet(tmp_path, cohort, text, fragments):
    result = dry_run(tmp_path, cohort, text)
    assert_fails_with(result, "Sample sheet problem", str(tmp_path / "samples.tsv"), *fragments)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("# only a comment\n\n", "the sample sheet is empty"),
        (SHEET_HEADER, "has a header but no samples"),
        ("sample;r1;r2;group\n", "line 1 is separated by semicolons"),
        ("sample r1 r2 group\n", "line 1 has no tab"),
        ("sample\tr1\tr2\topioid\n", "(missing: dose_mg_day, days_on_opioid)"),
        ("sample\tr1\tr2\tgroup\nC01\ta.fq\tb.fq\n", "line 2: 3 fields but the header has 4"),
    ],
    ids=["comment-only", "header-only", "semicolons", "spaces", "missing-clinical", "short-row"],
)  # fmt: skip
def test_more_malformed_sheets_unit(tmp_path, text, fragment):
    # same path to the user as test_malformed_sample_sheet, checked without Snakemake
    sheet = tmp_path / "samples.tsv"
    sheet.write_text(text)
    with pytest.raises(SampleSheetError, match=re.escape(fragment)):
        read_sample_sheet(sheet)


def test_duplicate_sample_ids(tmp_path, cohort):
    rows = sheet_rows(cohort, ("C01", "S01"))
    c02 = sheet_rows(cohort, ("C02",))[0].replace("C02\t", "C01\t", 1)
    result = dry_run(tmp_path, cohort, SHEET_HEADER + "\n".join([*rows, c02]) + "\n")
    assert_fails_with(result, "line 4: sample ID 'C01' is already used on line 2",
                      "sample IDs must be unique")  # fmt: skip


BAD_IDS = ["C 01", "C/01", "../C01", "C01;touch pwned", "$(touch pwned)", "C01`touch pwned`",
           "C01|cat", "C01>x", "C01&", "C01.1", "-C01", "C01*", "C01'", 'C01"', "Ç01", "x" * 65]


@pytest.mark.parametrize("sample", ["C01;touch pwned", "../C01"])
def test_sample_ids_outside_the_pattern_are_rejected(tmp_path, cohort, sample):
    rows = sheet_rows(cohort, ("C01", "C02"))
    rows[1] = sample + rows[1][3:]
    result = dry_run(tmp_path, cohort, SHEET_HEADER + "\n".join(rows) + "\n")
    assert_fails_with(result, f"line 3: sample ID {sample!r} is not allowed",
                      "Use 1-64 letters, digits, '_' or '-'")  # fmt: skip
    assert not list(tmp_path.rglob("pwned")) and not (tmp_path / "results").exists()


@pytest.mark.parametrize("sample", BAD_IDS)
def test_sample_id_pattern_unit(tmp_path, sample):
    sheet = tmp_path / "samples.tsv"
    sheet.write_text(f"sample\tr1\tr2\tgroup\nC01\ta\tb\tControl\n{sample}\tc\td\tControl\n")
    with pytest.raises(SampleSheetError, match=r"line 3: sample ID .* is not allowed"):
        read_sample_sheet(sheet, check_files=False)
    assert not SAMPLE_ID_PATTERN.match(sample)


def test_missing_read_file(tmp_path, cohort):
    rows = sheet_rows(cohort, ("C01", "C02"))
    rows[1] = rows[1].replace("C02_R2.fastq.gz", "C02_R2_missing.fastq.gz")
    result = dry_run(tmp_path, cohort, SHEET_HEADER + "\n".join(rows) + "\n")
    assert_fails_with(result, "line 3: r2 file", "C02_R2_missing.fastq.gz' does not exist",
                      "relative paths are read from the sample sheet's folder")  # fmt: skip


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_read_file(tmp_path, cohort):
    locked = tmp_path / "C02_R1.fastq.gz"
    shutil.copy(cohort / "reads" / "C02_R1.fastq.gz", locked)
    locked.chmod(0)
    rows = sheet_rows(cohort, ("C01", "C02"))
    rows[1] = rows[1].replace(str(cohort / "reads" / "C02_R1.fastq.gz"), str(locked))
    result = dry_run(tmp_path, cohort, SHEET_HEADER + "\n".join(rows) + "\n")
    assert_fails_with(result, "line 3: r1 file", "is not readable")


def test_read_path_that_is_a_folder(tmp_path, cohort):
    # the unreadable-file case above cannot be staged as root; a folder is refused the same way
    rows = sheet_rows(cohort, ("C01", "C02"))
    rows[1] = rows[1].replace(str(cohort / "reads" / "C02_R1.fastq.gz"), str(cohort / "reads"))
    result = dry_run(tmp_path, cohort, SHEET_HEADER + "\n".join(rows) + "\n")
    assert_fails_with(result, f"line 3: r1 '{cohort / 'reads'}' is a folder",
                      "give the path of the FASTQ file")  # fmt: skip


def test_r1_equal_to_r2(tmp_path, cohort):
    rows = sheet_rows(cohort, ("C01", "C02"))
    rows[0] = rows[0].replace("C01_R2.fastq.gz", "C01_R1.fastq.gz")
    result = dry_run(tmp_path, cohort, SHEET_HEADER + "\n".join(rows) + "\n")
    assert_fails_with(result, "line 2: r1 and r2 are the same file",
                      "give the forward (R1) and reverse (R2) reads")  # fmt: skip


def test_relative_read_paths_are_resolved_against_the_sheet_folder(tmp_path, cohort):
    sheet_dir = tmp_path / "project" / "sheets"
    shutil.copytree(cohort / "reads", sheet_dir / "reads")
    rows = [f"{s}\treads/{s}_R1.fastq.gz\treads/{s}_R2.fastq.gz\t\t0\t0" for s in ("C01", "C02")]
    (sheet_dir / "samples.tsv").write_text(SHEET_HEADER + "\n".join(rows) + "\n")
    config = make_config(tmp_path / "config.yaml", cohort, sheet_dir / "samples.tsv")
    # the working directory (where Snakemake runs) holds no reads/ folder
    result = snakemake(config, tmp_path / "wd", "-n", str(tmp_path / "results/qc/reads/C02.json"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"input: {sheet_dir / 'reads' / 'C02_R1.fastq.gz'}" in result.stdout


def test_relative_read_paths_are_not_resolved_against_the_working_directory(tmp_path, cohort):
    workdir = tmp_path / "wd"
    shutil.copytree(cohort / "reads", workdir / "reads")  # would be found from here
    sheet_dir = tmp_path / "elsewhere"
    sheet_dir.mkdir()
    (sheet_dir / "samples.tsv").write_text(
        SHEET_HEADER + "C01\treads/C01_R1.fastq.gz\treads/C01_R2.fastq.gz\t\t0\t0\n"
    )
    config = make_config(tmp_path / "config.yaml", cohort, sheet_dir / "samples.tsv")
    result = snakemake(config, workdir, "-n")
    assert_fails_with(result, f"r1 file '{sheet_dir / 'reads' / 'C01_R1.fastq.gz'}' does not exist",
                      "relative paths are read from the sample sheet's folder")  # fmt: skip


@pytest.mark.parametrize(
    "column, value, fragments",
    [
        ("dose_mg_day", "-5", ["dose_mg_day is '-5'; it must be a finite number >= 0"]),
        ("days_on_opioid", "ten", ["days_on_opioid is 'ten', which is not a number",
                                   "Give a number (e.g. 30)"]),
    ],
    ids=["negative-dose", "non-numeric-days"],
)  # fmt: skip
def test_impossible_clinical_values(tmp_path, cohort, column, value, fragments):
    rows = [r.split("\t") for r in sheet_rows(cohort, ("C01", "S01"))]
    rows[1][SHEET_HEADER.strip().split("\t").index(column)] = value
    result = dry_run(tmp_path, cohort, SHEET_HEADER + "\n".join("\t".join(r) for r in rows) + "\n")
    assert_fails_with(result, "line 3:", *fragments)


def test_unknown_group(tmp_path, cohort):
    rows = [r.split("\t")[:3] for r in sheet_rows(cohort, ("C01", "S01"))]
    text = "sample\tr1\tr2\tgroup\n" + "\n".join(
        "\t".join([*r, g]) for r, g in zip(rows, ["Control", "Opioid-X"], strict=True)
    )
    result = dry_run(tmp_path, cohort, text + "\n")
    assert_fails_with(result, "line 3: group 'Opioid-X' is not one of Control, Opioid-S, Opioid-T",
                      "add the group to 'groups: order' in the config")  # fmt: skip


def test_group_with_one_sample_is_announced_and_its_comparisons_dropped(tmp_path, cohort):
    rows = sheet_rows(cohort, ("C01", "C02", "S01", "S02", "T01"))
    result = dry_run(tmp_path, cohort, SHEET_HEADER + "\n".join(rows) + "\n")
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stdout + result.stderr
    for pair in ("Opioid-T vs Control", "Opioid-S vs Opioid-T"):
        assert f"{pair} is skipped: Opioid-T has 1 sample(s) (< 2)" in output, output[-3000:]
    assert "metastats_Opioid-T_vs_Control" not in output
    assert "metastats_Opioid_vs_Control" in output  # the pooled comparison still runs


# --- config: found while parsing ---------------------------------------------------------------


@pytest.mark.parametrize(
    "sections, fragments",
    [
        ({"diversity": {"shanon_base": 2}},
         ["unknown key diversity.shanon_base (known keys here: rarefaction_depth", "shannon_base"]),
        ({"merge": {"min_overlap": "sixteen"}},
         ["merge.min_overlap: 'sixteen' is not of type 'integer'"]),
        ({"primers": {"forward": "CCTACGGGNGGCWGCXJ"}},
         ["primers: forward 'CCTACGGGNGGCWGCXJ' has letters that are not IUPAC nucleotide codes: "
          "'J', 'X'", "Use A C G T and R Y S W K M B D H V N only"]),
    ],
    ids=["unknown-key", "wrong-type", "non-iupac-primer"],
)  # fmt: skip
def test_bad_config(tmp_path, cohort, sections, fragments):
    result = dry_run(tmp_path, cohort, SHEET_HEADER + "\n".join(sheet_rows(cohort)) + "\n",
                     **sections)  # fmt: skip
    output = assert_fails_with(result, "Config problem", *fragments)
    if "primers" not in sections:
        assert "Fix these keys in the config file given with --configfile (it is" in output


MINIMAL = {"samples": "s.tsv", "outdir": "out", "taxonomy": {"reference_fasta": "ref.fasta"}}


@pytest.mark.parametrize(
    "config, message",
    [
        ({**MINIMAL, "bogus_key": 1}, "unknown key bogus_key (known keys here: samples,"),
        ({**MINIMAL, "seed": -1}, "seed: -1 is less than the minimum of 0"),
        ({**MINIMAL, "diversity": {"beta_metrics": ["bray"]}},
         "diversity.beta_metrics.0: 'bray' is not one of"),
        ({**MINIMAL, "primers": {"trim": "yes"}}, "primers.trim: 'yes' is not of type"),
        ({k: v for k, v in MINIMAL.items() if k != "samples"}, "missing key samples: the sample"),
    ],
    ids=["unknown-top-level-key", "below-minimum", "bad-enum", "string-for-boolean", "no-samples"],
)  # fmt: skip
def test_config_schema_messages_unit(config, message):
    """One message per problem (MINIMAL itself is valid)."""
    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    errors = config_errors(config, schema)
    assert len(errors) == 1 and errors[0].startswith(message), errors


def test_primer_with_a_gap_names_the_letter_unit():
    with pytest.raises(PrimerError, match=r"primers: reverse 'GACTAC-HVGGG' .* '-'"):
        validate_primer("GACTAC-HVGGG", "primers: reverse")


def test_config_errors_lists_every_problem_by_key():
    schema = {
        "type": "object", "additionalProperties": False, "required": ["samples"],
        "properties": {
            "samples": {"type": "string"},
            "merge": {"type": "object", "additionalProperties": False,
                      "properties": {"min_overlap": {"type": "integer", "minimum": 5}}},
        },
    }  # fmt: skip
    config = {"merge": {"min_overlap": 3, "max_diff": 2}, "extra": 1}
    assert config_errors(config, schema) == [
        "unknown key extra (known keys here: samples, merge)",
        "missing key samples: the sample sheet (TSV with sample, r1, r2 and group or clinical "
        "columns)",
        "unknown key merge.max_diff (known keys here: min_overlap)",
        "merge.min_overlap: 3 is less than the minimum of 5",
    ]
    assert config_errors({"samples": "s.tsv"}, schema) == []


# --- FASTQ files: found by the read check of process_reads----------------------------------------


def _phred64(records):
    return [[h, s, p, "".join(chr(ord(c) + 31) for c in q)] for h, s, p, q in records]


def _damaged_pairs(cohort: Path, folder: Path) -> dict[str, tuple[Path, Path]]:
    """Sample ID -> (R1, R2) files, each pair damaged in one way."""
    folder.mkdir()
    r1 = _records(cohort / "reads" / "C01_R1.fastq.gz")
    r2 = _records(cohort / "reads" / "C01_R2.fastq.gz")
    raw = (cohort / "reads" / "C01_R1.fastq.gz").read_bytes()
    pairs = {}

    def pair(name, one, two):
        pairs[name] = (_write(folder / f"{name}_R1.fastq", one),
                       _write(folder / f"{name}_R2.fastq", two))  # fmt: skip

    pair("halfempty", [], r2)  # both files empty: the sample is left out (test_robustness_samples)
    (folder / "truncgz_R1.fastq.gz").write_bytes(raw[: len(raw) // 2])
    pairs["truncgz"] = (folder / "truncgz_R1.fastq.gz", _write(folder / "truncgz_R2.fastq", r2))
    (folder / "notfastq_R1.fastq").write_text(">read1\nACGTACGT\n>read2\nACGTACGT\n")
    pairs["notfastq"] = (folder / "notfastq_R1.fastq", _write(folder / "notfastq_R2.fastq", r2))
    pair("counts", r1, r2[:-1])
    renamed = [list(rec) for rec in r2]
    renamed[9][0] = "@someotherread 2:N:0:1"
    pair("ids", r1, renamed)
    pair("phred64", _phred64(r1), _phred64(r2))
    pair("short", [[h, s[:12], p, q[:12]] for h, s, p, q in r1],
         [[h, s[:12], p, q[:12]] for h, s, p, q in r2])  # fmt: skip
    pair("good", r1, r2)
    return pairs


BAD_FASTQ = {
    "halfempty": ["sample halfempty:", "halfempty_R1.fastq ends after 0 reads but",
                  "halfempty_R2.fastq has more", "R1 and R2 must hold the same reads"],
    "truncgz": ["truncgz_R1.fastq.gz: the gzip stream is broken", "truncated or damaged",
                "Copy or download it again"],
    "notfastq": ["notfastq_R1.fastq: line 1 does not start a FASTQ record",
                 "is this a FASTQ file?"],
    "counts": ["sample counts:", "counts_R2.fastq ends after 599 reads but", "has more",
               "R1 and R2 must hold the same reads in the same order"],
    "ids": ["sample ids: read 10 has ID", "'someotherread' in", "ids_R2.fastq (line 37)",
            "the files are not mates of each other"],
    "phred64": ["sample phred64: quality characters range from", "looks like old Illumina Phred+64",
                "seqtk seq -Q64 -V"],
    "short": ["sample short: mean read lengths 12/12 nt are shorter than the 16 nt",
              "config 'merge: min_overlap'"],
}  # fmt: skip


@pytest.fixture(scope="module")
def bad_fastq_run(cohort, tmp_path_factory):
    """One run (--keep-going) over a sheet of damaged FASTQ pairs plus one good pair."""
    require_tools("vsearch", "cutadapt")
    root = tmp_path_factory.mktemp("badfastq")
    pairs = _damaged_pairs(cohort, root / "reads")
    sheet = root / "samples.tsv"
    sheet.write_text("sample\tr1\tr2\tgroup\n" + "".join(
        f"{s}\t{r1}\t{r2}\tControl\n" for s, (r1, r2) in pairs.items()))  # fmt: skip
    config = make_config(root / "config.yaml", cohort, sheet)
    out = root / "results"
    targets = [str(out / "qc" / "reads" / f"{s}.json") for s in pairs]
    return snakemake(config, root / "wd", *targets, "--keep-going"), out


@pytest.mark.parametrize("sample", list(BAD_FASTQ))
def test_bad_fastq_stops_its_sample_with_a_clear_message(bad_fastq_run, sample):
    result, out = bad_fastq_run
    output = assert_fails_with(result, *BAD_FASTQ[sample])
    # Snakemake shows the failed job's log (show-failed-logs, set by profiles/default)
    log = out / "logs" / "check_reads" / f"{sample}.log"
    assert f"Logfile {log}:" in output
    assert "ERROR: " in output.split(f"Logfile {log}:")[1].split("Logfile")[0]
    assert not (out / "qc" / "reads" / f"{sample}.json").exists()


def test_good_pair_beside_bad_ones_is_checked(bad_fastq_run):
    _, out = bad_fastq_run
    assert (out / "qc" / "reads" / "good.json").is_file()
    assert list((out / "qc" / "reads").iterdir()) == [out / "qc" / "reads" / "good.json"]


# --- primers: found by the check_primers job, before any cohort step --------------------------


@pytest.fixture(scope="module")
def wrong_primer_runs(cohort, tmp_path_factory):
    """A fungal ITS primer as the forward primer: default threshold, then the check switched off."""
    require_tools("vsearch", "cutadapt")
    runs = {}
    for name, fraction in (("default", 0.2), ("off", 0.0)):
        root = tmp_path_factory.mktemp(f"primer-{name}")
        config = make_config(
            root / "config.yaml", cohort, cohort / "samples.tsv",
            primers={"forward": "CTTGGTCATTTAGAGGAAGTAA", "min_fraction_with_primers": fraction},
        )  # fmt: skip
        target = root / "results" / "qc" / "primer_trimming.tsv"
        runs[name] = (snakemake(config, root / "wd", str(target)), target)
    return runs


def test_primers_in_almost_no_reads_stop_the_run(wrong_primer_runs):
    result, target = wrong_primer_runs["default"]
    assert_fails_with(
        result, "ERROR: sample C01: only ", "sample S01: only 0 of 600 read pairs (",
        "carry the configured primers (minimum 20%)",
        "Check 'primers: forward/reverse' in the config",
        "set 'primers: trim: false'", "logs/check_primers.log",
        "The configured primers do not fit this cohort (6 of the 6 samples with reads are below "
        "the minimum)",
    )  # fmt: skip
    # the failed check leaves no table that looks complete
    assert not target.exists()


def test_primer_check_threshold_is_configurable(wrong_primer_runs):
    result, target = wrong_primer_runs["off"]
    assert result.returncode == 0, result.stderr[-3000:]
    table = pd.read_csv(target, sep="\t", index_col="sample")
    assert table.loc["S01", "pairs_in"] == 600
    assert table.loc["S01", "fraction"] < 0.2
    assert table["excluded"].isna().all()  # switched off: no sample is left out


# --- references ---------------------------------------------------------------------------------


def test_malformed_taxonomy_line(tmp_path, cohort):
    lines = (cohort / "reference" / "taxonomy.tsv").read_text().splitlines()
    lines[4] = lines[4].replace("\t", "  ")
    taxonomy = tmp_path / "taxonomy.tsv"
    taxonomy.write_text("\n".join(lines) + "\n")
    config = make_config(tmp_path / "config.yaml", cohort, cohort / "samples.tsv",
                         taxonomy={"reference_taxonomy": str(taxonomy)})  # fmt: skip
    result = snakemake(config, tmp_path / "wd", "prepare_reference")
    # the reference is prepared in a cache folder named after its contents: only this test uses it
    cache = re.search(r"(\S+/resources/cache/reference-[0-9a-f]+)/prepare_reference\.log",
                      result.stdout + result.stderr)  # fmt: skip
    try:
        assert_fails_with(
            result, "otuflow prepare-reference failed", f"{taxonomy}, line 5: expected "
            f"'ID<TAB>lineage', got {lines[4][:80]!r}",
        )  # fmt: skip
        assert cache and not (Path(cache.group(1)) / "reference.fasta").exists()
    finally:
        if cache and not (Path(cache.group(1)) / "reference.fasta").exists():
            shutil.rmtree(cache.group(1))


def test_silva_download_with_wrong_md5(tmp_path, cohort):
    download = tmp_path / f"otuflow_test_{os.getpid()}.fasta.gz"
    download.write_bytes(gzip.compress(b">x\nACGT\n", mtime=0))
    silva_dir = REPO / "resources" / "silva"
    fetch_log = silva_dir / "fetch.log"
    had_dir, old_log = silva_dir.exists(), fetch_log.read_bytes() if fetch_log.exists() else None
    config = make_config(
        tmp_path / "config.yaml", cohort, cohort / "samples.tsv",
        taxonomy={"source": "silva", "silva_url": download.as_uri(), "silva_md5": "0" * 32},
    )  # fmt: skip
    try:
        result = snakemake(config, tmp_path / "wd", "fetch_silva")
        assert_fails_with(
            result, f"MD5 of {download.as_uri()} is", f"expected {'0' * 32}",
            "the download was removed", "Check the URL and MD5 in the config",
        )  # fmt: skip
        assert not list(silva_dir.glob(f"{download.name}*"))  # neither the file nor a .part
    finally:
        if old_log is not None:
            fetch_log.write_bytes(old_log)
        elif had_dir:
            fetch_log.unlink(missing_ok=True)
        elif silva_dir.exists():
            shutil.rmtree(silva_dir)


# --- small groups and samples below the rarefaction depth: a real run ----------------------------


@pytest.fixture(scope="module")
def small_groups_run(cohort, tmp_path_factory):
    """Opioid-T has 1 sample; S02 is cut to 150 pairs, below the rarefaction depth."""
    require_tools("vsearch", "cutadapt", "mafft", "FastTree")
    root = tmp_path_factory.mktemp("smallgroups")
    for mate in ("R1", "R2"):
        records = _records(cohort / "reads" / f"S02_{mate}.fastq.gz")
        _write(root / f"S02_{mate}.fastq", records[:150])
    rows = sheet_rows(cohort, ("C01", "C02", "S01", "S02", "T01"))
    rows[3] = "\t".join(["S02", str(root / "S02_R1.fastq"), str(root / "S02_R2.fastq"),
                         *rows[3].split("\t")[3:]])  # fmt: skip
    sheet = root / "samples.tsv"
    sheet.write_text(SHEET_HEADER + "\n".join(rows) + "\n")
    out = root / "results"
    config = make_config(
        root / "config.yaml", cohort, sheet, outdir=str(out),
        diversity={"rarefaction_floor": 300, "permutations": 19, "nmds_starts": 1,
                   "beta_metrics": ["braycurtis"], "rarefaction_curve_steps": 2,
                   "rarefaction_curve_iterations": 1},
        differential={"permutations": 19},
    )  # fmt: skip
    targets = ["alpha/rarefaction_dropped.tsv", "alpha/alpha_tests.tsv", "beta/permanova.tsv",
               "differential/summary.tsv"]  # fmt: skip
    result = snakemake(config, root / "wd", *[str(out / t) for t in targets])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return out


@pytest.mark.slow
def test_sample_below_rarefaction_depth_is_dropped_and_listed(small_groups_run):
    dropped = pd.read_csv(small_groups_run / "alpha" / "rarefaction_dropped.tsv", sep="\t")
    assert list(dropped["sample"]) == ["S02"]
    row = dropped.iloc[0]
    assert row["reads"] < row["depth"] and row["depth"] >= 300
    # below tracking: min_mapped_reads (the rarefaction floor, 300) it is left out of every
    # analysis before the depth is chosen, and listed with that reason
    assert row["reason"] == "excluded from the analyses: fewer mapped reads than 300"
    rarefied = pd.read_csv(small_groups_run / "alpha" / "rarefied_otu_table.tsv", sep="\t",
                           index_col=0)  # fmt: skip
    assert list(rarefied.columns) == ["C01", "C02", "S01", "T01"]
    assert (rarefied.sum() == row["depth"]).all()


@pytest.mark.slow
def test_comparisons_with_a_one_sample_group_are_skipped_with_the_reason(small_groups_run):
    summary = pd.read_csv(small_groups_run / "differential" / "summary.tsv", sep="\t")
    skipped = summary.dropna(subset=["skipped"]).set_index("comparison")["skipped"]
    # S02 (150 pairs) has fewer mapped reads than tracking: min_mapped_reads (by default the
    # rarefaction floor, 300 here), so it is no replicate in differential abundance either
    assert skipped.to_dict() == {
        "Opioid-T vs Control": "Opioid-T has 1 sample(s) (< 2)",
        "Opioid-S vs Opioid-T": "Opioid-T has 1 sample(s) (< 2)",
        "Opioid-S vs Control": "Opioid-S has 1 sample(s) (< 2)",
    }
    ran = set(summary.loc[summary["skipped"].isna(), "comparison"])
    assert ran == {"Opioid vs Control"}
    # after rarefaction S02 is gone too, so Opioid-S has one sample in the diversity tests
    alpha = pd.read_csv(small_groups_run / "alpha" / "alpha_tests.tsv", sep="\t")
    alpha_skipped = alpha.dropna(subset=["skipped"]).set_index("comparison")["skipped"]
    assert alpha_skipped["Opioid-S vs Control"] == "Opioid-S has 1 sample(s) (< 2)"
    assert "Opioid-T has 1 sample(s) (< 2)" in alpha_skipped["Opioid-S vs Opioid-T"]
    ran = set(alpha.loc[alpha["skipped"].isna(), "comparison"])
    assert ran == {"all groups", "Opioid vs Control"}


# --- surfacing the reason a job failed -----------------------------------------------------------
