"""End-to-end checks of ``otuflow simulate`` on small cohorts against its own ground truth."""

from __future__ import annotations

import csv
import gzip
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from otuflow.cli import main as cli_main
from otuflow.fastx import read_fasta
from otuflow.iupac import primer_regex, reverse_complement
from otuflow.simulate import CohortExistsError, simulate_cohort
from otuflow.simulate.params import CohortParams
from otuflow.simulate.sequences import FWD_PRIMER, REV_PRIMER
from otuflow.simulate.writers import file_digests

SMALL = {"seed": 7, "samples_per_group": (2, 2, 2), "pairs_per_sample": 300}
SAMPLES = ["C01", "C02", "S01", "S02", "T01", "T02"]
HEADER = re.compile(r"^@(SIM:1:FC:1:1:\d+:\d+) ([12]):N:0:1$")


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    return simulate_cohort(tmp_path_factory.mktemp("a") / "cohort", **SMALL)


@pytest.fixture(scope="module")
def twin(tmp_path_factory) -> Path:
    return simulate_cohort(tmp_path_factory.mktemp("b") / "cohort", **SMALL)


def _tsv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _fastq(path: Path) -> list[tuple[str, str, str, str]]:
    with gzip.open(path, "rt") as handle:
        lines = handle.read().split("\n")
    assert lines[-1] == "" and (len(lines) - 1) % 4 == 0, path
    records = []
    for i in range(0, len(lines) - 1, 4):
        head, seq, plus, qual = lines[i : i + 4]
        match = HEADER.match(head)
        assert match and plus == "+", (path, i)
        assert len(seq) == len(qual) == 250 and set(seq) <= set("ACGT")
        assert all(35 <= ord(c) <= 74 for c in qual)  # Phred+33, Q2-Q41
        records.append((match.group(1), match.group(2), seq, qual))
    return records


def _amplicons(folder: Path) -> dict[str, str]:
    """Full amplicon of every species and chimera, rebuilt from reference.fasta and truth."""
    fwd, rev = primer_regex(FWD_PRIMER), primer_regex(reverse_complement(REV_PRIMER))
    sites, out = {}, {}
    for sid, frag, _ in read_fasta(folder / "reference" / "reference.fasta"):
        f, r = fwd.search(frag), rev.search(frag)
        sites[sid] = (f.group(), r.group())
        out[sid] = frag[f.start() : r.end()]
    for header, insert, _ in read_fasta(folder / "truth" / "chimeras.fasta"):
        fields = dict(kv.split("=") for kv in header.split()[1:])
        out[header.split()[0]] = (
            sites[fields["parent_a"]][0] + insert + sites[fields["parent_b"]][1]
        )
    return out


def test_layout_and_sample_sheet(cohort):
    for rel in (
        "samples.tsv", "reference/reference.fasta", "reference/taxonomy.tsv",
        "truth/species_abundance.tsv", "truth/genus_abundance.tsv", "truth/planted_effects.tsv",
        "truth/chimeras.fasta", "truth/species.fasta", "truth/groups.tsv", "truth/README.md",
        "truth/params.json", "truth/checksums.sha256", "clinical.tsv",
        "truth/clinical_effects.tsv", "truth/clinical_link.tsv",
    ):  # fmt: skip
        assert (cohort / rel).is_file(), rel
    assert not list(cohort.parent.glob(".cohort.*"))  # no temporary folder left behind
    sheet = _tsv(cohort / "samples.tsv")
    assert list(sheet[0]) == ["sample", "r1", "r2", "opioid", "dose_mg_day", "days_on_opioid"]
    assert [r["sample"] for r in sheet] == SAMPLES
    truth = {r["sample"]: r["group"] for r in _tsv(cohort / "truth" / "groups.tsv")}
    for row in sheet:
        assert row["r1"] == f"reads/{row['sample']}_R1.fastq.gz"
        assert (cohort / row["r1"]).is_file() and (cohort / row["r2"]).is_file()
        dose, days = float(row["dose_mg_day"]), float(row["days_on_opioid"])
        if row["opioid"] == "":
            group = "Control"
        else:
            group = "Opioid-T" if days >= 7 and dose >= 30 else "Opioid-S"
        assert (
            group
            == truth[row["sample"]]
            == {"C": "Control", "S": "Opioid-S", "T": "Opioid-T"}[row["sample"][0]]
        )


def test_sheet_parses_with_the_workflow_reader(cohort):
    samplesheet = pytest.importorskip("otuflow.samplesheet")
    sheet = samplesheet.read_sample_sheet(cohort / "samples.tsv")
    truth = {r["sample"]: r["group"] for r in _tsv(cohort / "truth" / "groups.tsv")}
    assert dict(zip(sheet["sample"], sheet["group"], strict=True)) == truth


def test_same_seed_gives_identical_bytes(cohort, twin):
    digests = file_digests(cohort)
    # + sample_summary, read_origins, and the clinical table with its two truth files
    assert len(digests) == 12 + 2 * len(SAMPLES) + 2 + 3
    assert digests == file_digests(twin)


def test_other_seed_differs_and_samples_are_independent(cohort, tmp_path):
    other = simulate_cohort(tmp_path / "other", **{**SMALL, "seed": 8})
    for rel in (
        "reads/C01_R1.fastq.gz",
        "reference/reference.fasta",
        "truth/species_abundance.tsv",
    ):
        assert (other / rel).read_bytes() != (cohort / rel).read_bytes()
    # A sample's data depend on the seed, its group and its index only, not on group sizes.
    small = simulate_cohort(tmp_path / "small", **{**SMALL, "samples_per_group": (1, 3, 1)})
    for sample in ("C01", "S01", "S02", "T01"):
        for mate in (1, 2):
            rel = f"reads/{sample}_R{mate}.fastq.gz"
            assert (small / rel).read_bytes() == (cohort / rel).read_bytes()


def test_fastq_pairs_are_valid(cohort):
    for sample in SAMPLES:
        r1 = _fastq(cohort / "reads" / f"{sample}_R1.fastq.gz")
        r2 = _fastq(cohort / "reads" / f"{sample}_R2.fastq.gz")
        assert len(r1) == len(r2) == 300
        assert [r[0] for r in r1] == [r[0] for r in r2]
        assert len({r[0] for r in r1}) == 300
        assert {r[1] for r in r1} == {"1"} and {r[1] for r in r2} == {"2"}


def test_reference_and_truth_tables_agree(cohort):
    ref = {r.header: r.sequence for r in read_fasta(cohort / "reference" / "reference.fasta")}
    taxonomy = dict(line.split("\t") for line in
                    (cohort / "reference" / "taxonomy.tsv").read_text().splitlines())  # fmt: skip
    inserts = {h.split()[0]: s for h, s, _ in read_fasta(cohort / "truth" / "species.fasta")}
    assert list(ref) == list(taxonomy) == list(inserts)
    fwd, rev = primer_regex(FWD_PRIMER), primer_regex(reverse_complement(REV_PRIMER))
    for sid, frag in ref.items():
        assert frag[fwd.search(frag).end() : rev.search(frag).start()] == inserts[sid]
        assert len(taxonomy[sid].split(";")) == 7
    species = _tsv(cohort / "truth" / "species_abundance.tsv")
    samples = [c for c in species[0] if c not in ("species_id", "genus", "species")]
    assert samples == SAMPLES
    matrix = np.array([[float(r[s]) for s in samples] for r in species])
    assert np.allclose(matrix.sum(axis=0), 1.0, atol=1e-8)
    annotation = {r["species_id"]: r for r in _tsv(cohort / "truth" / "species.tsv")}
    for row, values in zip(species, matrix, strict=True):
        assert taxonomy[row["species_id"]].split(";")[5] == "g__" + row["genus"]
        if annotation[row["species_id"]]["in_cohort"] == "no":
            assert not values.any()
    assert any(annotation[s]["in_cohort"] == "no" for s in annotation)
    genus = _tsv(cohort / "truth" / "genus_abundance.tsv")
    for g in genus:
        expected = matrix[[r["genus"] == g["genus"] for r in species]].sum(axis=0)
        assert np.allclose([float(g[s]) for s in samples], expected, atol=1e-8)
    effects = _tsv(cohort / "truth" / "planted_effects.tsv")
    assert {e["genus"] for e in effects} == {
        "Lactobacillus", "Anaerostipes", "Megamonas", "Monoglobus", "Rikenellaceae_RC9_gut_group"
    }  # fmt: skip


def test_reads_come_from_templates_with_quality_consistent_errors(cohort):
    amplicons = _amplicons(cohort)
    with gzip.open(cohort / "truth" / "read_origins.tsv.gz", "rt") as handle:
        origins = list(csv.DictReader(handle, delimiter="\t"))
    assert len(origins) == 300 * len(SAMPLES)
    by_read = {(o["sample"], o["read_id"]): o for o in origins}
    errors = expected = 0.0
    for sample in SAMPLES:
        for mate in (1, 2):
            for read_id, _, seq, qual in _fastq(cohort / "reads" / f"{sample}_R{mate}.fastq.gz"):
                origin = by_read[(sample, read_id)]
                template = amplicons[origin["template"]]
                strand = template if mate == 1 else reverse_complement(template)
                truth = (origin[f"r{mate}_prefix"] + strand)[:250]
                errors += sum(a != b for a, b in zip(seq, truth, strict=True))
                expected += sum(10 ** (-(ord(c) - 33) / 10) for c in qual)
    # Substitutions happen exactly as often as the quality scores promise (Poisson tolerance).
    assert abs(errors - expected) <= 4 * np.sqrt(expected)
    assert 0.001 < errors / (2 * 250 * len(origins)) < 0.01


def test_chimeras_follow_the_documented_model(cohort):
    species = {r["species_id"]: r for r in _tsv(cohort / "truth" / "species_abundance.tsv")}
    inserts = {h.split()[0]: s for h, s, _ in read_fasta(cohort / "truth" / "species.fasta")}
    summary = {r["sample"]: r for r in _tsv(cohort / "truth" / "sample_summary.tsv")}
    with gzip.open(cohort / "truth" / "read_origins.tsv.gz", "rt") as handle:
        origins = list(csv.DictReader(handle, delimiter="\t"))
    reads_per_template: dict[str, int] = {}
    for o in origins:
        reads_per_template[o["template"]] = reads_per_template.get(o["template"], 0) + 1
    n_chimeras = dict.fromkeys(SAMPLES, 0)
    for header, insert, _ in read_fasta(cohort / "truth" / "chimeras.fasta"):
        cid, *fields = header.split()
        f = dict(kv.split("=") for kv in fields)
        sample = cid.split("_")[1]
        n_chimeras[sample] += 1
        a, b, bp = inserts[f["parent_a"]], inserts[f["parent_b"]], int(f["breakpoint"])
        assert len(a) / 3 <= bp <= 2 * len(a) / 3
        assert insert[:bp] == a[:bp] and b.endswith(insert[bp:])
        assert insert != a and insert != b and insert not in inserts.values()
        assert species[f["parent_a"]]["genus"] != species[f["parent_b"]]["genus"]
        share = 1 - float(summary[sample]["chimera_fraction"])
        for parent in (f["parent_a"], f["parent_b"]):
            assert float(species[parent][sample]) * share >= 3 * float(f["abundance"])
        assert int(f["reads"]) == reads_per_template.get(cid, 0)
    for sample, row in summary.items():
        fraction = float(row["chimera_fraction"])
        assert 0.02 <= fraction <= 0.04 and int(row["chimeras"]) == n_chimeras[sample]
        chimeric = sum(o["sample"] == sample and o["template"].startswith("chim_") for o in origins)
        assert chimeric == int(row["chimeric_pairs"])
        assert abs(chimeric - 300 * fraction) <= 4 * np.sqrt(300 * fraction * (1 - fraction)) + 1


def test_reuse_refuse_and_force(cohort, tmp_path, capsys):
    args = ["simulate", "--out", str(cohort), "--seed", "7", "--samples-per-group", "2,2,2",
            "--pairs-per-sample", "300"]  # fmt: skip
    stamp = (cohort / "samples.tsv").stat().st_mtime_ns
    assert cli_main(args) == 0
    assert "reusing" in capsys.readouterr().out
    assert simulate_cohort(cohort, **SMALL) == cohort
    assert (cohort / "samples.tsv").stat().st_mtime_ns == stamp
    assert cli_main([*args[:4], "8", *args[5:]]) == 2
    assert "other parameters" in capsys.readouterr().err

    copy = tmp_path / "copy"
    shutil.copytree(cohort, copy)
    (copy / "truth" / "groups.tsv").write_text("sample\tgroup\n")
    with pytest.raises(CohortExistsError, match="changed"):
        simulate_cohort(copy, **SMALL)

    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("keep me")
    with pytest.raises(CohortExistsError, match="holds no simulated cohort") as refused:
        simulate_cohort(busy, **SMALL)
    assert "--force" not in str(refused.value)  # it would not be allowed either
    assert (busy / "notes.txt").read_text() == "keep me"
    # --force replaces only a folder the simulator wrote: never a folder of other files
    capsys.readouterr()
    assert cli_main(["simulate", "--out", str(busy), "--seed", "7", "--samples-per-group",
                     "2,2,2", "--pairs-per-sample", "300", "--force"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert f"--force refused: {busy} holds no simulated cohort" in err
    assert "It would have deleted 1 file(s) and 0 folder(s) (notes.txt)" in err
    assert (busy / "notes.txt").read_text() == "keep me"
    # an earlier cohort made with other parameters is replaced
    other = tmp_path / "other"
    simulate_cohort(other, **{**SMALL, "seed": 8})
    with pytest.raises(CohortExistsError, match=r"--force \(force=True\) to replace it: it would "
                       r"delete \d+ file\(s\)"):  # fmt: skip
        simulate_cohort(other, **SMALL)
    assert cli_main(["simulate", "--out", str(other), "--seed", "7", "--samples-per-group",
                     "2,2,2", "--pairs-per-sample", "300", "--force"]) == 0  # fmt: skip
    assert file_digests(other) == file_digests(cohort)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_crash_leaves_no_folder(tmp_path, monkeypatch):
    from otuflow.simulate import cohort as cohort_module

    def boom(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(cohort_module.writers, "write_checksums", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        simulate_cohort(tmp_path / "out", **SMALL)
    assert list(tmp_path.iterdir()) == []


def test_bad_parameters_are_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        cli_main(["simulate", "--out", str(tmp_path / "x"), "--samples-per-group", "7,10"])
    assert "three positive whole numbers" in capsys.readouterr().err
    with pytest.raises(ValueError, match="pairs_per_sample"):
        CohortParams(42, (7, 10, 8), 0)
    with pytest.raises(ValueError, match="1 to 99"):
        simulate_cohort(tmp_path / "y", samples_per_group=(0, 1, 1))
    (tmp_path / "file").write_text("")
    with pytest.raises(CohortExistsError, match="is a file"):
        simulate_cohort(tmp_path / "file", **SMALL)


@pytest.mark.external
@pytest.mark.skipif(shutil.which("vsearch") is None, reason="vsearch not installed")
def test_trimmed_pairs_merge_and_pass_maxee(cohort, tmp_path):
    cutadapt = Path(sys.executable).with_name("cutadapt")
    if not cutadapt.exists():
        pytest.skip("cutadapt not installed")
    merged = passed = 0
    for sample in ("C01", "T02"):
        r1, r2 = (
            cohort / "reads" / f"{sample}_R1.fastq.gz",
            cohort / "reads" / f"{sample}_R2.fastq.gz",
        )
        t1, t2 = tmp_path / f"{sample}_1.fq", tmp_path / f"{sample}_2.fq"
        subprocess.run(
            [str(cutadapt), "-g", FWD_PRIMER, "-G", REV_PRIMER, "--discard-untrimmed", "-o",
             str(t1), "-p", str(t2), str(r1), str(r2)],
            check=True, capture_output=True,
        )  # fmt: skip
        out = tmp_path / f"{sample}_m.fq"
        subprocess.run(
            ["vsearch", "--fastq_mergepairs", str(t1), "--reverse", str(t2), "--fastqout", str(out),
             "--threads", "1"],
            check=True, capture_output=True,
        )  # fmt: skip
        fasta = tmp_path / f"{sample}_f.fa"
        subprocess.run(
            ["vsearch", "--fastq_filter", str(out), "--fastq_maxee", "1.0", "--fastaout",
             str(fasta), "--threads", "1"],
            check=True, capture_output=True,
        )  # fmt: skip
        merged += sum(1 for line in out.read_text().splitlines()[::4] if line)
        passed += fasta.read_text().count(">")
    assert merged >= 0.90 * 600
    assert passed >= 0.80 * 600
