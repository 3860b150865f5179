"""House rules that CI enforces: ruff and `snakemake --lint` are clean."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO, snakemake_command, write_config


def test_ruff_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", str(REPO)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_snakemake_lint_is_clean(tmp_path):
    (tmp_path / "a_R1.fq").write_text("@r\nA\n+\nI\n")
    (tmp_path / "a_R2.fq").write_text("@r\nA\n+\nI\n")
    (tmp_path / "samples.tsv").write_text("sample\tr1\tr2\tgroup\nA\ta_R1.fq\ta_R2.fq\tControl\n")
    config = write_config(tmp_path / "c.yaml", samples=str(tmp_path / "samples.tsv"))
    result = subprocess.run(
        snakemake_command(config, "--lint"), capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations" in result.stdout + result.stderr
