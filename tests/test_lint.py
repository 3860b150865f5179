"""House rules that CI enforces: ruff and `snakemake --lint` are clean."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import REPO, snakemake_command, write_config


def test_ruff_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", str(REPO)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_snakemake_lint_is_clean(tmp_path):
    for name in ("a_R1.fq", "a_R2.fq", "b_R1.fq", "b_R2.fq"):
        (tmp_path / name).write_text("@r\nA\n+\nI\n")
    (tmp_path / "samples.tsv").write_text("sample\tr1\tr2\tgroup\nA\ta_R1.fq\ta_R2.fq\tControl\n"
                                          "B\tb_R1.fq\tb_R2.fq\tControl\n")  # fmt: skip
    config = write_config(tmp_path / "c.yaml", samples=str(tmp_path / "samples.tsv"),
                          outdir=str(tmp_path / "out"),
                          taxonomy={"reference_fasta": str(tmp_path / "ref.fasta")})  # fmt: skip
    result = subprocess.run(
        snakemake_command(config, "--lint"), capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations" in result.stdout + result.stderr


def test_dry_run_on_a_small_simulated_cohort_plans_every_output(tmp_path):
    from otuflow.simulate import simulate_cohort

    cohort = simulate_cohort(tmp_path / "cohort", seed=3, samples_per_group=(2, 2, 2),
                             pairs_per_sample=50)  # fmt: skip
    config = write_config(
        tmp_path / "c.yaml",
        samples=str(cohort / "samples.tsv"),
        outdir=str(tmp_path / "results"),
        taxonomy={"reference_fasta": str(cohort / "reference" / "reference.fasta"),
                  "reference_taxonomy": str(cohort / "reference" / "taxonomy.tsv")},
    )  # fmt: skip
    result = subprocess.run(
        snakemake_command(config, "-n"), capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0, result.stdout + result.stderr
    plan = result.stdout + result.stderr
    # planned jobs: one read-processing job per sample, one mapping job; one beta-diversity job
    # for all the schema's default five metrics and one job for every figure (a job per metric or
    # figure family paid a Python start-up and import each: issue 15); one report
    expected = {"process_reads": 6, "map_distinct": 1, "cluster_otus": 1, "classify_otus": 1,
                "beta_diversity": 1, "figures": 1, "differential_abundance": 1,
                "report": 1}  # fmt: skip
    for rule, count in expected.items():
        assert len(re.findall(rf"^(local)?rule {rule}:$", plan, re.M)) == count, rule
    assert (tmp_path / "results").exists() is False  # a dry run writes nothing
