"""Provenance: checksums against hashlib and known digests, versions against the tools themselves,
defaults filled into the recorded config, and byte-identical records from identical runs."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
import shutil
import subprocess
import sys
from datetime import datetime

import pytest

from conftest import REPO, VENV_BIN, require_tools, write_config
from otuflow import __version__
from otuflow.provenance import (
    collect_provenance,
    describe_file,
    file_digest,
    git_state,
    run_info,
    write_json,
)
from otuflow.simulate import simulate_cohort

RECORD = "provenance/provenance.json"


def test_digests_match_known_values(tmp_path):
    abc = tmp_path / "abc.txt"
    abc.write_bytes(b"abc")
    # FIPS 180-2 and RFC 1321 test vectors
    assert file_digest(abc) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert file_digest(abc, "md5") == "900150983cd24fb0d6963f7d28e17f72"
    big = tmp_path / "big.bin"
    data = bytes(range(256)) * 9000  # > 2 MiB: several read blocks
    big.write_bytes(data)
    assert file_digest(big) == hashlib.sha256(data).hexdigest()
    assert describe_file(big, "md5") == {
        "path": str(big.resolve()), "bytes": len(data), "md5": hashlib.md5(data).hexdigest(),
    }  # fmt: skip


def test_git_state(tmp_path):
    require_tools("git")
    assert git_state(tmp_path) == (None, None)
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    (tmp_path / "f.txt").write_text("one\n")
    subprocess.run([*git, "add", "f.txt"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "one"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    assert git_state(tmp_path) == (head.strip(), False)
    (tmp_path / "untracked.txt").write_text("not part of the code\n")
    assert git_state(tmp_path) == (head.strip(), False)
    (tmp_path / "f.txt").write_text("two\n")
    assert git_state(tmp_path) == (head.strip(), True)


def test_collect_provenance_records_inputs_and_is_repeatable(tmp_path):
    sheet = tmp_path / "samples.tsv"
    sheet.write_text("sample\tr1\tr2\tgroup\nA\tA_1.fq\tA_2.fq\tControl\n")
    for mate in ("1", "2"):
        (tmp_path / f"A_{mate}.fq").write_text(f"@r{mate}\nACGT\n+\nIIII\n")
    reads = {"A": {"group": "Control", "r1": str(tmp_path / "A_1.fq"),
                   "r2": str(tmp_path / "A_2.fq")}}  # fmt: skip
    ref = tmp_path / "ref.fasta"
    ref.write_text(">x\nACGT\n")
    config = {"samples": str(sheet), "seed": 7, "merge": {"min_overlap": 16}}
    software = {"vsearch": "2.22.1", "numpy": "2.4.0"}
    record = collect_provenance(config, sheet, reads, {"reference_fasta": str(ref)}, tmp_path,
                                software)  # fmt: skip
    assert record["seed"] == 7 and record["config"] == config
    assert record["sample_sheet"]["sha256"] == hashlib.sha256(sheet.read_bytes()).hexdigest()
    assert record["samples"]["A"]["group"] == "Control"
    r2 = hashlib.sha256(b"@r2\nACGT\n+\nIIII\n").hexdigest()
    assert record["samples"]["A"]["r2"]["sha256"] == r2
    assert record["references"]["reference_fasta"]["md5"] == hashlib.md5(b">x\nACGT\n").hexdigest()
    assert record["otuflow"] == {"version": __version__, "git_commit": None}
    assert record["software"] == software
    assert "written_at" not in json.dumps(record)
    write_json(record, tmp_path / "a.json")
    again = collect_provenance(config, sheet, reads, {"reference_fasta": str(ref)}, tmp_path,
                               dict(software))  # fmt: skip
    write_json(again, tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    info = run_info(tmp_path)
    assert datetime.fromisoformat(info["written_at"]).utcoffset().total_seconds() == 0
    assert info["git_dirty"] is None


@pytest.fixture(scope="module")
def workflow_record(tmp_path_factory):
    """The provenance rule run twice on a 3-sample cohort; the second run is forced."""
    root = tmp_path_factory.mktemp("provenance")
    cohort = simulate_cohort(root / "cohort", seed=9, samples_per_group=(1, 1, 1),
                             pairs_per_sample=200)  # fmt: skip
    out = root / "results"
    config = write_config(
        root / "config.yaml", samples=str(cohort / "samples.tsv"), outdir=str(out), seed=123,
        taxonomy={"reference_fasta": str(cohort / "reference" / "reference.fasta"),
                  "reference_taxonomy": str(cohort / "reference" / "taxonomy.tsv")},
    )  # fmt: skip
    workdir = root / "wd"
    workdir.mkdir()
    records = []
    require_tools("vsearch", "cutadapt", "mafft", "FastTree")
    for extra in ([], ["--forcerun", "provenance"]):
        result = subprocess.run(
            [sys.executable, "-m", "snakemake", str(out / RECORD), *extra, "--snakefile",
             str(REPO / "Snakefile"), "--directory", str(workdir), "--cores", "1",
             "--configfile", str(config), "--quiet", "progress"],
            capture_output=True, text=True, cwd=workdir,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
        records.append((out / RECORD).read_bytes())
        assert (out / "provenance" / "run_info.json").is_file()
    return cohort, records


def test_workflow_record_holds_config_checksums_and_versions(workflow_record):
    cohort, (record, _) = workflow_record
    data = json.loads(record)
    # the resolved config: given keys and the schema's defaults for the others
    assert data["seed"] == data["config"]["seed"] == 123
    assert data["config"]["merge"] == {"min_overlap": 16, "max_diffs": 10}
    assert data["config"]["primers"]["forward"] == "CCTACGGGNGGCWGCAG"
    sheet = cohort / "samples.tsv"
    assert data["sample_sheet"] == describe_file(sheet)
    assert data["sample_sheet"]["sha256"] == hashlib.sha256(sheet.read_bytes()).hexdigest()
    assert list(data["samples"]) == ["C01", "S01", "T01"]
    for sample, entry in data["samples"].items():
        for mate in ("r1", "r2"):
            path = cohort / "reads" / f"{sample}_{mate.upper()}.fastq.gz"
            assert entry[mate]["path"] == str(path)
            assert entry[mate]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    for role, name in (("reference_fasta", "reference.fasta"),
                       ("reference_taxonomy", "taxonomy.tsv")):  # fmt: skip
        content = (cohort / "reference" / name).read_bytes()
        assert data["references"][role]["md5"] == hashlib.md5(content).hexdigest()
    software = data["software"]
    assert software["snakemake"] == importlib.metadata.version("snakemake")
    assert software["numpy"] == importlib.metadata.version("numpy")
    assert data["otuflow"]["version"] == software["otuflow"] == __version__
    # each tool's version as the tool itself prints it, in the environment the rules use
    # (the run does not finish when a tool is missing, so none is ever "not found")
    printed = {
        "vsearch": ["vsearch", "--version"], "cutadapt": [str(VENV_BIN / "cutadapt"), "--version"],
        "MAFFT": ["mafft", "--version"], "FastTree": ["FastTree", "-expert"],
    }  # fmt: skip
    for name, command in printed.items():
        out = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        assert re.match(r"\d+(\.\d+)+", software[name]), (name, software[name])
        assert software[name] in out.stdout + out.stderr, name
    if shutil.which("git"):
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True,
                              text=True).stdout.strip()  # fmt: skip
        assert data["otuflow"]["git_commit"] == (head or None)


def test_workflow_record_is_byte_identical_when_rerun(workflow_record):
    _, (first, second) = workflow_record
    assert first == second
