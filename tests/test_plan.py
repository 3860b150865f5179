"""The run plan: comparisons as objects, every result path from one table, the figure list."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from conftest import REPO
from otuflow.plan import RESULT_FILES, RunPlan, restrict_comparisons
from otuflow.stats.beta_metrics import METRIC_NAMES, METRICS, metric_name, metric_title


def _config(pooled=None, reference="Control", metrics=("braycurtis", "jaccard"), outdir="out/"):
    return {
        "outdir": outdir,
        "diversity": {"beta_metrics": list(metrics)},
        "differential": {
            "pooled": {"Opioid": ["Opioid-S", "Opioid-T"]} if pooled is None else pooled,
            "reference": reference,
            "rank": "genus",
        },
    }


def _groups(**sizes):
    labels = [group.replace("_", "-") for group, n in sizes.items() for _ in range(n)]
    return pd.Series(labels, index=[f"s{i}" for i in range(len(labels))])


def test_study_design_plans_pooled_then_pairwise_comparisons():
    plan = RunPlan.from_config(_config(), _groups(Control=3, Opioid_S=2, Opioid_T=2))
    assert [c.label for c in plan.comparisons] == [
        "Opioid vs Control", "Opioid-S vs Control", "Opioid-T vs Control",
        "Opioid-S vs Opioid-T",
    ]  # fmt: skip
    pooled = plan.comparisons[0]
    assert pooled.samples_a == ("s3", "s4", "s5", "s6")
    assert pooled.samples_b == ("s0", "s1", "s2")
    assert [c.slug for c in plan.comparisons] == [
        "Opioid_vs_Control", "Opioid-S_vs_Control", "Opioid-T_vs_Control",
        "Opioid-S_vs_Opioid-T",
    ]  # fmt: skip
    assert plan.skipped == ()
    assert plan.samples == tuple(f"s{i}" for i in range(7))


def test_an_empty_pooled_mapping_plans_no_pooled_comparison():
    plan = RunPlan.from_config(_config(pooled={}), _groups(Control=3, Opioid_S=2, Opioid_T=2))
    assert "Opioid vs Control" not in [c.label for c in plan.comparisons]
    assert len(plan.comparisons) == 3


def test_group_names_are_never_parsed_back_from_file_names():
    # a pooled group whose name holds "_vs_" and characters unsafe in a file name
    config = _config(pooled={"A_vs_B / all": ["A", "B"]}, reference="C")
    groups = pd.Series(["A", "A", "B", "B", "C", "C"], index=list("uvwxyz"))
    plan = RunPlan.from_config(config, groups)
    pooled = plan.comparisons[0]
    assert (pooled.name_a, pooled.name_b) == ("A_vs_B / all", "C")
    assert pooled.label == "A_vs_B / all vs C"
    assert pooled.slug == "A_vs_B_all_vs_C"
    tables = plan.differential_tables()
    assert tables["metastats_A_vs_B_all_vs_C"] == "out/differential/metastats_A_vs_B_all_vs_C.tsv"
    stamp = [f for f in plan.figures() if f.kind == "stamp"]
    assert stamp[0].comparison == pooled and stamp[0].stem == "stamp_A_vs_B_all_vs_C"


def test_comparisons_that_would_share_files_are_refused():
    config = _config(pooled={"A B": ["A", "B"], "A/B": ["A", "B"]}, reference="C")
    groups = pd.Series(["A", "A", "B", "B", "C", "C"], index=list("uvwxyz"))
    with pytest.raises(ValueError, match="would both write files named 'A_B_vs_C'"):
        RunPlan.from_config(config, groups)


def test_a_one_sample_group_is_skipped_with_its_reason():
    plan = RunPlan.from_config(_config(pooled={}), _groups(Control=3, Opioid_S=1, Opioid_T=2))
    assert [c.label for c in plan.comparisons] == ["Opioid-T vs Control"]
    assert {(s.name_a, s.name_b) for s in plan.skipped} == {
        ("Opioid-S", "Control"), ("Opioid-S", "Opioid-T"),
    }  # fmt: skip
    assert all("Opioid-S has 1 sample(s) (< 2)" in s.reason for s in plan.skipped)


def test_paths_come_from_one_table_and_leave_wildcards_open():
    plan = RunPlan.from_config(_config(outdir="my results/"), _groups(Control=2, Opioid_S=2))
    assert plan.outdir == "my results"
    assert plan.path("otu_table") == "my results/otu/otu_table.tsv"
    assert plan.path("pcoa", metric="jaccard") == "my results/beta/ordination_pcoa_jaccard.tsv"
    assert plan.path("pcoa") == "my results/beta/ordination_pcoa_{metric}.tsv"
    with pytest.raises(KeyError):
        plan.path("no_such_result")
    # every final output is a result path of the table
    templates = {f"my results/{t}" for t in RESULT_FILES.values()}
    for path in plan.final_outputs():
        assert any(_matches(path, t) for t in templates), path


def _matches(path: str, template: str) -> bool:
    import re

    pattern = re.escape(template)
    pattern = re.sub(r"\\\{[a-z_]+\\\}", ".+", pattern)
    return re.fullmatch(pattern, path) is not None


def test_figures_follow_the_metrics_ranks_and_comparisons():
    plan = RunPlan.from_config(_config(metrics=("jaccard",)), _groups(Control=2, Opioid_S=2))
    stems = [f.stem for f in plan.figures()]
    assert stems == [
        "read_tracking", "rarefaction_curves", "alpha_diversity", "pcoa_jaccard", "nmds_jaccard",
        "genus_bars_samples", "genus_bars_groups", "phylum_bars_samples", "phylum_bars_groups",
        "significant_taxa", "stamp_Opioid-S_vs_Control",
    ]  # fmt: skip
    assert plan.figure_files(plan.figures()[0]) == [
        "out/figures/read_tracking.png", "out/figures/read_tracking.svg",
    ]  # fmt: skip


def test_the_metric_list_is_the_schema_enum_default_and_demo_config():
    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    beta = schema["properties"]["diversity"]["properties"]["beta_metrics"]
    assert tuple(beta["items"]["enum"]) == METRICS
    assert tuple(beta["default"]) == METRICS
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    assert tuple(config["diversity"]["beta_metrics"]) == METRICS
    assert len(set(METRIC_NAMES.values())) == len(METRICS)  # no two metrics share a name


def test_both_weighted_unifrac_forms_are_planned_and_named_apart():
    metrics = ("weighted_unifrac", "weighted_normalized_unifrac")
    plan = RunPlan.from_config(_config(metrics=metrics), _groups(Control=2, Opioid_S=2))
    beta = [(f.kind, f.metric, f.stem) for f in plan.figures() if f.metric]
    assert beta == [
        ("pcoa", "weighted_unifrac", "pcoa_weighted_unifrac"),
        ("nmds", "weighted_unifrac", "nmds_weighted_unifrac"),
        ("pcoa", "weighted_normalized_unifrac", "pcoa_weighted_normalized_unifrac"),
        ("nmds", "weighted_normalized_unifrac", "nmds_weighted_normalized_unifrac"),
    ]
    outputs = plan.final_outputs()
    for metric in metrics:
        assert f"out/beta/ordination_pcoa_{metric}.tsv" in outputs
        assert f"figure_pcoa_{metric}" in plan.report_inputs()
    # The names every figure, table and sentence uses say which form each is.
    assert [metric_name(m) for m in metrics] == [
        "weighted UniFrac (unnormalised, QIIME)",
        "weighted UniFrac (normalised, phyloseq default)",
    ]
    title = metric_title("weighted_normalized_unifrac")
    assert title == "Weighted UniFrac (normalised, phyloseq default)"
    with pytest.raises(ValueError, match=r"unknown beta-diversity metric\(s\) \['bray'\]"):
        RunPlan.from_config(_config(metrics=("weighted_unifrac", "bray")), _groups(Control=2))


def test_report_inputs_cover_every_figure_table_and_version():
    plan = RunPlan.from_config(_config(), _groups(Control=2, Opioid_S=2, Opioid_T=2))
    inputs = plan.report_inputs()
    for figure in plan.figures():
        assert inputs[f"figure_{figure.stem}"] == f"out/figures/{figure.stem}.png"
    for name, path in plan.differential_tables().items():
        assert inputs[f"differential_{name}"] == path
    assert {k for k in inputs if k.startswith("version_")} == {
        "version_vsearch", "version_cutadapt", "version_mafft", "version_fasttree",
        "version_python",
    }  # fmt: skip
    assert len(set(inputs.values())) == len(inputs)


def test_figure_inputs_name_every_table_the_figures_are_drawn_from():
    plan = RunPlan.from_config(_config(), _groups(Control=2, Opioid_S=2, Opioid_T=2))
    inputs = plan.figure_inputs()
    assert {k: inputs[k] for k in ("groups", "read_tracking", "alpha", "differential_relative")} \
        == {"groups": "out/groups.tsv", "read_tracking": "out/qc/read_tracking.tsv",
            "alpha": "out/alpha/alpha_diversity.tsv",
            "differential_relative": "out/differential/genus_relative_abundance.tsv"}  # fmt: skip
    for metric in ("braycurtis", "jaccard"):  # the config's metrics, no others
        assert inputs[f"pcoa_{metric}"] == f"out/beta/ordination_pcoa_{metric}.tsv"
        assert inputs[f"permanova_metric_{metric}"] == f"out/beta/permanova_{metric}.tsv"
    assert not any("unifrac" in key for key in inputs)
    for rank in ("genus", "phylum"):
        assert inputs[f"top_taxa_{rank}"] == f"out/composition/{rank}_top.tsv"
    slugs = [c.slug for c in plan.comparisons]
    assert len(slugs) == 4  # Opioid vs Control, then the three pairs
    for slug in slugs:
        assert inputs[f"stamp_{slug}"] == f"out/differential/stamp_{slug}.tsv"
        assert inputs[f"metastats_{slug}"] == f"out/differential/metastats_{slug}.tsv"
    # one key per file: 5 run-wide tables + differential table, 4 per metric, 2 ranks, 2 per pair
    assert len(set(inputs.values())) == len(inputs) == 6 + 4 * 2 + 2 + 2 * 4


def test_restricting_to_the_samples_left_after_rarefaction():
    plan = RunPlan.from_config(_config(pooled={}), _groups(Control=3, Opioid_S=2, Opioid_T=2))
    kept, skipped = restrict_comparisons(plan.comparisons, ["s0", "s1", "s3", "s5", "s6"])
    assert [(c.label, c.samples_a, c.samples_b) for c in kept] == [
        ("Opioid-T vs Control", ("s5", "s6"), ("s0", "s1")),
    ]  # fmt: skip
    assert [(s.name_a, s.name_b, s.reason) for s in skipped] == [
        ("Opioid-S", "Control", "Opioid-S has 1 sample(s) (< 2)"),
        ("Opioid-S", "Opioid-T", "Opioid-S has 1 sample(s) (< 2)"),
    ]
