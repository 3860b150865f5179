"""Clear messages for the remaining cryptic inputs: each names the file, line or key and what to
do, before any long work."""

from __future__ import annotations

import gzip
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, write_config
from otuflow.cli import main as cli_main
from otuflow.fastq_check import FastqError, check_fastq_pair
from otuflow.samplesheet import GroupRule, SampleSheetError, read_sample_sheet

RULE = GroupRule(7, 30)
GROUPS = ("Control", "Opioid-S", "Opioid-T")


def _fastq(path: Path, n: int = 3, seq: str = "ACGTACGTACGTACGTACGT") -> Path:
    path.write_text("".join(f"@r{i}\n{seq}\n+\n{'I' * len(seq)}\n" for i in range(n)))
    return path


def _pairs(folder: Path, samples=("a", "b", "c", "d")) -> dict[str, tuple[Path, Path]]:
    return {s: (_fastq(folder / f"{s}_R1.fastq"), _fastq(folder / f"{s}_R2.fastq"))
            for s in samples}  # fmt: skip


def _sheet(folder: Path, pairs, header="sample\tr1\tr2\tgroup") -> Path:
    groups = ["Control", "Control", "Opioid-S", "Opioid-S"]
    lines = [header] + [f"{s}\t{r1}\t{r2}\t{g}" for (s, (r1, r2)), g in zip(pairs.items(), groups,
                                                                             strict=False)]
    path = folder / "samples.tsv"
    path.write_text("\n".join(lines) + "\n")
    return path


# --- sample sheet ---------------------------------------------------------------------------


def test_latin1_sample_sheet_names_file_line_and_how_to_save_as_utf8(tmp_path):
    sheet = _sheet(tmp_path, _pairs(tmp_path))
    text = sheet.read_text()
    # an Excel (Windows-1252) export with a note column holding "Müller" on the third line
    lines = text.splitlines()
    lines[0] += "\tnote"
    lines[1:] = [line + "\t" for line in lines[1:]]
    lines[2] += "Müller"
    sheet.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    with pytest.raises(SampleSheetError) as error:
        read_sample_sheet(sheet, RULE, GROUPS)
    message = str(error.value)
    assert message.startswith(f"{sheet}: line 3: byte 0xfc is not UTF-8 text")
    assert "Latin-1 or Windows-1252" in message and "Save it as UTF-8" in message
    assert "iconv -f CP1252 -t UTF-8" in message


def test_duplicated_header_column_is_refused(tmp_path):
    sheet = _sheet(tmp_path, _pairs(tmp_path), header="sample\tr1\tr1\tgroup")
    with pytest.raises(SampleSheetError, match=r"line 1: column\(s\) r1 appear more than once"):
        read_sample_sheet(sheet, RULE, GROUPS)


def test_r2_hard_linked_to_r1_is_the_same_file(tmp_path):
    pairs = _pairs(tmp_path)
    r1, r2 = pairs["b"]
    r2.unlink()
    os.link(r1, r2)  # another name, the same inode
    with pytest.raises(SampleSheetError) as error:
        read_sample_sheet(_sheet(tmp_path, pairs), RULE, GROUPS)
    assert f"line 3: r1 and r2 are the same file ({r1} and {r2}, linked)" in str(error.value)


# --- reads ----------------------------------------------------------------------------------


def test_non_nucleotide_letters_in_reads_name_file_and_line(tmp_path):
    r1 = _fastq(tmp_path / "r1.fastq", n=5)
    r2 = tmp_path / "r2.fastq"
    records = r1.read_text().splitlines()
    records[13] = "ACGTACGTAXGTACG*ACGT"  # the sequence of the 4th record
    r2.write_text("\n".join(records) + "\n")
    with pytest.raises(FastqError) as error:
        check_fastq_pair(r1, r2, "s1")
    message = str(error.value)
    assert message.startswith(f"{r2}: line 14: the read holds '*', 'X', which are not nucleotide")
    # IUPAC ambiguity codes and lower case are reads, not damage
    _fastq(r2, n=5, seq="acgtRYSWKMBDHVNacgtA")
    assert check_fastq_pair(r1, r2, "s1").pairs == 5


def test_plain_text_named_gz_says_so(tmp_path):
    r1 = _fastq(tmp_path / "r1.fastq.gz")
    r2 = _fastq(tmp_path / "r2.fastq")
    with pytest.raises(FastqError) as error:
        check_fastq_pair(r1, r2, "s1")
    assert str(error.value).startswith(
        f"{r1}: the name ends in .gz but the file is plain FASTQ text (it starts with '@r'"
    )
    assert "Compress it with `gzip`, or remove .gz from its name" in str(error.value)


@pytest.mark.skipif(shutil.which("gzip") is None, reason="needs the gzip program")
def test_truncated_gzip_counts_the_lines_that_decode(tmp_path):
    rng = random.Random(1)
    full = tmp_path / "full.fastq.gz"
    with gzip.open(full, "wt") as handle:
        for i in range(5000):
            seq = "".join(rng.choice("ACGT") for _ in range(100))
            handle.write(f"@r{i}\n{seq}\n+\n{'I' * 100}\n")
    cut = tmp_path / "cut.fastq.gz"
    cut.write_bytes(full.read_bytes()[:60_000])  # the first block of reads already breaks
    # the count gzip itself decodes before the stream breaks
    decoded = subprocess.run(["gzip", "-dc", str(cut)], capture_output=True).stdout.count(b"\n")
    assert 0 < decoded < 20_000
    with pytest.raises(FastqError) as error:
        check_fastq_pair(cut, cut, "s1")
    assert f"{cut}: the gzip stream is broken after line {decoded} (" in str(error.value)


# --- config and command line: before any job -----------------------------------------------


def _dry_run(tmp_path: Path, *extra: str, **sections):
    pairs = _pairs(tmp_path)
    reference = tmp_path / "ref.fasta"
    reference.write_text(">x\nACGT\n")
    config = write_config(
        tmp_path / "config.yaml", samples=str(_sheet(tmp_path, pairs)),
        outdir=sections.pop("outdir", str(tmp_path / "results")),
        taxonomy={"reference_fasta": str(reference), "reference_taxonomy": ""}, **sections,
    )  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", *extra, "--snakefile", str(REPO / "Snakefile"),
         "--directory", str(tmp_path), "--configfile", str(config)],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    return result.returncode, result.stdout + result.stderr


def test_outdir_that_is_a_file_is_one_clear_line(tmp_path):
    (tmp_path / "results").write_text("not a folder")
    code, output = _dry_run(tmp_path)
    assert code != 0
    assert f"outdir '{tmp_path / 'results'}' is a file, not a folder" in output
    assert "Traceback" not in output and "NotADirectoryError" not in output


@pytest.mark.parametrize("outdir", ["/", "/usr", "~"])
def test_outdir_system_or_home_folder_is_refused(tmp_path, outdir):
    code, output = _dry_run(tmp_path, outdir=outdir)
    assert code != 0
    assert f"Config problem: outdir: {outdir} is " in output
    assert "results need a folder of their own" in output


def test_negative_cores_is_explained(tmp_path):
    code, output = _dry_run(tmp_path, "--cores", "-1")
    assert code != 0
    assert "--cores -1: give the number of cores to use (--cores 4), or --cores all" in output


# --- reference: the whole-gene minimum length is a config key --------------------------------


def test_short_reference_without_region_cut_names_the_minimum_length(tmp_path, capsys):
    rng = random.Random(2)
    fasta = tmp_path / "v3v4.fasta"  # amplicon-length sequences with SINTAX lineages
    seqs = ["".join(rng.choice("ACGT") for _ in range(420)) for _ in range(12)]
    fasta.write_text("".join(f">r{i};tax=d:Bacteria,p:P{i % 3},g:G{i}\n{s}\n"
                             for i, s in enumerate(seqs)))  # fmt: skip
    out = ["--out-fasta", str(tmp_path / "o.fasta"), "--out-taxonomy", str(tmp_path / "o.tsv")]
    assert cli_main(["prepare-reference", "--fasta", str(fasta), *out]) == 1
    err = capsys.readouterr().err
    assert "0 of 12 reference sequences kept" in err and "12 too short" in err
    assert "shorter than the minimum length of 1200 nt (the default for whole 16S genes" in err
    assert "taxonomy: min_reference_length" in err
    assert cli_main(["prepare-reference", "--fasta", str(fasta), "--min-length", "300", *out]) == 0
    assert (tmp_path / "o.fasta").read_text().count(">") == 12
