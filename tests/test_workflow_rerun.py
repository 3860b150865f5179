"""A finished run is up to date, and the demo's results are the same bytes whatever the run.

The session's demo run (2 cores) is repeated at 2 cores and at 1 core in other working
directories (same relative outdir, so the provenance records match too), and every result file is
compared byte for byte: logs, Snakemake benchmarks and ``provenance/run_info.json`` (when and on
which host it ran) excepted. Then a dry run of the finished run must plan nothing; a deleted
per-sample intermediate is rebuilt by its own sample's jobs alone, and only what reads it follows.
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


# Jobs that read (directly or not) the read mapping; nothing else may be replanned.
DOWNSTREAM_OF_MAPPING = {
    "pool_distinct_sequences", "map_distinct", "otu_table", "read_tracking", "rarefy",
    "alpha_diversity", "beta_diversity", "taxa_tables", "composition", "differential_abundance",
    "figures", "clinical", "export_for_clients", "report", "all",
}  # fmt: skip


def test_a_deleted_intermediate_is_rebuilt_alone_and_only_its_dependents_follow(reruns):
    config, (a, _, c) = reruns
    mapped = c / "work" / "mapped" / "distinct_hits.tsv"
    original = mapped.read_bytes()
    mapped.unlink()
    # the results made from it are still valid: nothing else is planned
    plan = planned_jobs(run_in(c.parent, config, "--dry-run").stdout)
    assert {rule for rule, _ in plan} <= DOWNSTREAM_OF_MAPPING, plan
    assert {sample for _, sample in plan} <= {""}, plan
    # asked for, it is rebuilt by its own job alone (and the temporary distinct sequences it
    # reads), to the same bytes
    target = str(mapped.relative_to(c.parent))  # outputs are named as the config's relative outdir
    rebuild = run_in(c.parent, config, "--dry-run", target)
    assert sorted(planned_jobs(rebuild.stdout)) == [
        ("map_distinct", ""), ("pool_distinct_sequences", "")], rebuild.stdout[-3000:]
    run_in(c.parent, config, target)
    assert mapped.read_bytes() == original
    # afterwards at most what reads the mapping is replanned, never another sample's job
    plan = planned_jobs(run_in(c.parent, config, "--dry-run").stdout)
    assert {rule for rule, _ in plan} <= DOWNSTREAM_OF_MAPPING, plan
    assert {sample for _, sample in plan} <= {""}, plan


def test_a_deleted_file_made_from_temporary_reads_rebuilds_only_that_sample_chain(reruns):
    config, (_, _, c) = reruns
    derep = c / "work" / "derep" / "S03.fasta"
    original = derep.read_bytes()
    # the job's intermediate reads are temporary: gone after the run
    assert not [p for p in (c / "work").rglob("S03*") if p.suffix in (".fasta", ".fastq", ".gz")
                and p.parent.name != "derep"]  # fmt: skip
    derep.unlink()
    # it comes from temporary reads, which are gone: that sample's chain is redone
    target = str(derep.relative_to(c.parent))
    rebuild = planned_jobs(run_in(c.parent, config, "--dry-run", target).stdout)
    assert set(rebuild) == {("process_reads", "S03")}, rebuild
    run_in(c.parent, config, target)
    assert derep.read_bytes() == original


def test_intermediates_can_be_deleted_without_invalidating_the_results(reruns):
    config, (a, _, c) = reruns
    shutil.rmtree(c / "work")
    again = run_in(c.parent, config, "--dry-run")
    assert planned_jobs(again.stdout) == [], again.stdout[-3000:]
    kept = {rel: data for rel, data in result_files(a).items() if not rel.startswith("work/")}
    assert not differences(kept, result_files(c))
