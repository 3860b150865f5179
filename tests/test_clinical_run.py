"""The clinical job on stored inputs: every output and the report's Patients section.

Byte-identical reruns are checked on the demo by tests/test_workflow_rerun.py.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

import pandas as pd
import pytest
import yaml
from snakemake.utils import validate

from conftest import REPO
from otuflow.clinical.run import run_clinical
from otuflow.clinical.table import read_clinical_table
from otuflow.plan import CLINICAL_FIGURES, RunPlan
from otuflow.report.builder import build_report
from otuflow.report.patients import TABLE1_TITLE, TABLE2_TITLE, patients_section
from otuflow.samplesheet import read_sample_sheet

REF = Path(__file__).parent / "reference"


def _config(**clinical):
    config = {"samples": "s.tsv", "outdir": "out", "taxonomy": {"source": "silva"},
              "clinical": {"table": str(REF / "clinical_r" / "clinical.tsv"), **clinical}}
    validate(config, str(REPO / "workflow" / "schemas" / "config.schema.yaml"))
    return config


def _run(root: Path, config) -> dict[str, str]:
    groups = pd.read_csv(REF / "beta_vegan" / "groups.tsv", sep="\t", index_col=0)["group"]
    sheet_path = root / "samples.tsv"
    sheet_path.write_text("sample\tr1\tr2\tgroup\n" + "".join(
        f"{s}\t{s}_1.fq\t{s}_2.fq\t{g}\n" for s, g in groups.items()))  # fmt: skip
    table = read_clinical_table(config["clinical"]["table"],
                                read_sample_sheet(sheet_path, check_files=False), sheet_path)
    plan = RunPlan.from_config({**config, "outdir": str(root / "out")}, groups)
    outputs = plan.clinical_outputs()
    run_clinical(table, REF / "beta_vegan" / "rarefied_otu_table.tsv",
                 {"braycurtis": REF / "beta_vegan" / "reference_distance_braycurtis.tsv"},
                 outputs, config["groups"]["colors"], seed=5, permutations=99,
                 covariates=config["clinical"]["covariates"])  # fmt: skip
    return outputs


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    config = _config()
    return config, _run(tmp_path_factory.mktemp("a"), config)


def test_the_plan_lists_the_clinical_outputs_only_with_a_table():
    groups = pd.Series(["Control", "Opioid-S"], index=["C01", "S01"])
    with_table = RunPlan.from_config(_config(), groups)
    assert with_table.clinical
    assert set(with_table.clinical_outputs().values()) <= set(with_table.final_outputs())
    without = RunPlan.from_config(_config(table=""), groups)
    assert not without.clinical and not without.clinical_outputs()
    assert not any("clinical" in p for p in without.final_outputs())


def test_every_output_is_written(runs):
    _, first = runs
    assert len(first) == 6 + 2 * len(CLINICAL_FIGURES)
    for key, path in first.items():
        assert Path(path).stat().st_size > 0, key
    permanova = pd.read_csv(first["clinical_permanova"], sep="\t")
    assert permanova["term"].tolist() == ["group", "age", "sex", "Residual", "Total"]
    columns = pd.read_csv(first["clinical_columns"], sep="\t")
    assert (columns["status"] == "known").all() and columns["present"].all()


def test_the_patients_section_renders_tables_1_and_2(runs, tmp_path):
    config, outputs = runs
    section = patients_section(lambda k: pd.read_csv(outputs[k], sep="\t"),
                               lambda k: Path(outputs[k]), config)  # fmt: skip
    html = build_report(tmp_path / "report.html", [section]).read_text()
    assert escape(TABLE1_TITLE) in html and escape(TABLE2_TITLE) in html
    assert "Control (n = 100)" in html and "Opioid (n = 86)" in html
    assert "Opioid-S (n = 10)" in html and "Opioid-T (n = 8)" in html
    assert "t = " in html and "(df 184)" in html
    assert "mean ± SD" in html and re.search("Fisher(&#x27;|')s exact test", html)
    assert "age + sex" in section.intro


def test_the_demo_config_is_valid_and_runs_the_clinical_part():
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    validate(config, str(REPO / "workflow" / "schemas" / "config.schema.yaml"))
    assert config["clinical"]["table"] == "demo/clinical.tsv"
    assert config["clinical"]["covariates"] == ["age", "sex"]
