"""A finished run is up to date, and the demo's results are the same bytes whatever the run.

The session's demo run (2 cores) is repeated at 2 cores and at 1 core in other working
directories (same relative outdir, so the provenance records match too), and every result file is
compared byte for byte: logs, Snakemake benchmarks and ``provenance/run_info.json`` (when and on
which host it ran) excepted. Then a dry run of the finished run must plan nothing, and deleting one
sample's intermediate must replan only that sample's jobs and what depends on them.
"""

from __future__ import annotations

import shutil

import pytest

from conftest import differences, planned_jobs, result_files, run_in

pytestmark = [pytest.mark.slow, pytest.mark.external]



@pytest.fixture(scope="module")
def reruns(demo_run):
    cohort, config, workdir_a = demo_run
    root = workdir_a.parent
    run_in(root / "wd-b", config, cores=2)
    run_in(root / "wd-c", config, cores=1)
    return config, [root / wd / "results" for wd in ("wd-a", "wd-b", "wd-c")]


def test_demo_results_are_byte_identical_across_runs_and_core_counts(reruns):
    _, (a, b, c) = reruns
    first = result_files(a)
    # what the comparison covers: the key tables, the tree and alignment, figures, report
    for rel in ("otu/otu_table.tsv", "otu/otu_table.biom", "taxonomy/otu_taxonomy.tsv",
                "phylogeny/otus.aligned.fasta", "phylogeny/otus.tree", "alpha/alpha_tests.tsv",
                "beta/unweighted_unifrac.tsv", "beta/permanova.tsv", "report.html",
                "differential/metastats_Opioid_vs_Control.tsv", "figures/pcoa_jaccard.svg",
                "provenance/provenance.json"):  # fmt: skip
        assert rel in first, rel
    assert not differences(first, result_files(b)), differences(first, result_files(b))
    assert not differences(first, result_files(c)), differences(first, result_files(c))


def test_a_finished_run_plans_no_job(reruns):
    config, (a, _, _) = reruns
    again = run_in(a.parent, config, "--dry-run")
    assert "Nothing to be done" in again.stdout + again.stderr, again.stdout[-3000:]
    assert planned_jobs(again.stdout) == []


def test_deleting_one_sample_intermediate_replans_only_what_depends_on_it(reruns):
    config, (_, _, c) = reruns
    (c / "work" / "mapped" / "C01.otutab.tsv").unlink()
    plan = run_in(c.parent, config, "--dry-run")
    jobs = planned_jobs(plan.stdout)
    per_sample = {(rule, sample) for rule, sample in jobs if sample}
    assert per_sample == {("map_reads", "C01")}, per_sample
    rules = {rule for rule, _ in jobs}
    assert {"otu_table", "read_tracking", "rarefy", "report"} <= rules
    # nothing upstream of the mapping, and nothing that does not read the OTU table
    assert not rules & {"cluster_otus", "name_otus", "align_otus", "build_tree", "classify_otus",
                        "prepare_reference", "train_classifier", "write_groups", "provenance",
                        "dereplicate_pooled", "check_primers"}, rules  # fmt: skip
    assert not any(rule.startswith("version_") for rule in rules), rules

    # a temporary per-sample file's consumer: the sample's chain is rebuilt, no other sample's
    (c / "work" / "derep" / "S03.fasta").unlink()
    plan = run_in(c.parent, config, "--dry-run")
    per_sample = {(rule, sample) for rule, sample in planned_jobs(plan.stdout) if sample}
    assert {sample for _, sample in per_sample} <= {"C01", "S03"}, per_sample
    assert ("dereplicate_sample", "S03") in per_sample


def test_a_run_with_its_intermediates_gone_is_rebuilt_identically(reruns, tmp_path):
    config, (a, _, c) = reruns
    shutil.rmtree(c / "work")
    run_in(c.parent, config, cores=2)
    assert not differences(result_files(a), result_files(c))
