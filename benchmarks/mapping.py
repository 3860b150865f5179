"""Read mapping, two ways side by side: per sample, and once per distinct sequence of the cohort.

    python benchmarks/mapping.py [--samples 50] [--pairs 20000] [--threads 2] [--seed 3]

Simulates a cohort (``otuflow simulate``, seed fixed) and runs the workflow up to its OTUs and
each sample's dereplicated reads (``work/derep/``). Then, one after the other, on the same files,
with the workflow's vsearch settings (config.yaml's ``mapping``) and ``--threads``:

* **per sample** (otuflow before issue 15): ``vsearch --usearch_global`` of each sample's unique
  sequences with ``--sizein --otutabout``, one run per sample;
* **once per distinct sequence** (rules ``pool_distinct_sequences`` and ``map_distinct``, then
  ``otuflow.otutable.build_otu_table``): the samples' unique sequences pooled and dereplicated,
  one ``--usearch_global`` of the distinct sequences, the counts summed per sample.

It checks that both give the same table and writes wall and CPU seconds (all child processes;
the second includes pooling and building the table) into benchmarks/RESULTS.md between the
markers below.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import yaml
from cohorts import BLOCKS, REPO, machine, simulate, write_block, write_config
from scale import snakemake

from otuflow.otutable import build_otu_table

START, END = BLOCKS["mapping"]


def timed(function):
    """Run ``function()``; its result, wall seconds and CPU seconds of this process + children."""
    before = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    start = time.monotonic()
    result = function()
    wall = time.monotonic() - start
    after = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    cpu = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime
              for a, b in zip(after, before, strict=True))  # fmt: skip
    return result, wall, cpu


def vsearch(*args: str) -> None:
    subprocess.run(["vsearch", *args, "--quiet"], check=True)


def search_args(otus: Path, settings: dict, threads: int) -> list[str]:
    """The ``--usearch_global`` options of rule map_distinct (config.yaml's ``mapping``)."""
    return ["--db", str(otus), "--id", str(settings["identity"]), "--strand", "plus",
            "--maxaccepts", str(settings["maxaccepts"]), "--maxrejects",
            str(settings["maxrejects"]), "--threads", str(threads)]  # fmt: skip


def per_sample(derep: dict[str, Path], otus: Path, settings: dict, threads: int,
               work: Path) -> pd.DataFrame:
    """One ``--usearch_global --sizein --otutabout`` per sample, as rule map_reads did."""
    columns = {}
    for sample, path in derep.items():
        out = work / f"{sample}.otutab.tsv"
        vsearch("--usearch_global", str(path), *search_args(otus, settings, threads), "--sizein",
                "--otutabout", str(out))
        columns[sample] = pd.read_csv(out, sep="\t", index_col=0).sum(axis=1)
    return pd.DataFrame(columns).fillna(0).astype("int64")


def once_per_distinct(derep: dict[str, Path], otus: Path, settings: dict, threads: int,
                      work: Path) -> pd.DataFrame:
    """Pool, map the distinct sequences once and sum per sample, as the workflow does."""
    pooled, distinct, hits = work / "pooled.fasta", work / "distinct.fasta", work / "hits.tsv"
    with open(pooled, "wb") as handle:
        for path in derep.values():
            handle.write(path.read_bytes())
    vsearch("--derep_fulllength", str(pooled), "--strand", "plus", "--sizein", "--sizeout",
            "--relabel_sha1", "--output", str(distinct), "--fasta_width", "0")
    vsearch("--usearch_global", str(distinct), *search_args(otus, settings, threads),
            "--maxhits", "1", "--userout", str(hits), "--userfields", "query+target")
    return build_otu_table(otus, hits, list(derep.values()), list(derep))


def count_records(paths) -> int:
    return sum(Path(p).read_bytes().count(b">") for p in paths)


def main(argv: list[str] | None = None) -> int:
    """Command line: simulate, run the workflow to the OTUs, race the two mappings."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--pairs", type=int, default=20000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--work", type=Path, default=REPO / "benchmarks" / "out" / "mapping")
    parser.add_argument("--results", type=Path, default=REPO / "benchmarks" / "RESULTS.md")
    args = parser.parse_args(argv)
    started = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    work = args.work / f"{args.samples}x{args.pairs}"
    shutil.rmtree(work, ignore_errors=True)
    cohort, outdir = work / "cohort", work / "results"
    simulate(cohort, args.samples, args.pairs, args.seed)
    config = write_config(cohort, outdir, args.pairs, work / "config.yaml")
    snakemake(config, args.threads, str(outdir / "otu" / "otus.fasta"))
    samples = pd.read_csv(cohort / "samples.tsv", sep="\t", dtype=str)["sample"]
    derep = {s: outdir / "work" / "derep" / f"{s}.fasta" for s in samples}
    otus = outdir / "otu" / "otus.fasta"
    settings = yaml.safe_load((REPO / "config.yaml").read_text())["mapping"]
    load_before = os.getloadavg()[0]
    old_dir, new_dir = work / "per_sample", work / "distinct"
    old_dir.mkdir()
    new_dir.mkdir()
    old, old_wall, old_cpu = timed(lambda: per_sample(derep, otus, settings, args.threads,
                                                      old_dir))
    new, new_wall, new_cpu = timed(lambda: once_per_distinct(derep, otus, settings, args.threads,
                                                             new_dir))
    load_after = os.getloadavg()[0]
    same = old.reindex(index=new.index, columns=new.columns, fill_value=0).equals(new)
    uniques, distinct = count_records(derep.values()), count_records([new_dir / "distinct.fasta"])
    reads = int(new.to_numpy().sum())
    block = "\n".join([
        START, "## Read mapping: per sample, or once per distinct sequence", "",
        f"Run {started} with `python benchmarks/mapping.py --samples {args.samples} --pairs "
        f"{args.pairs} --threads {args.threads} --seed {args.seed}` on {machine()}; 1-min load "
        f"{load_before:.1f} before, {load_after:.1f} after. Both on the same dereplicated reads "
        f"of {args.samples} simulated samples, one after the other, with config.yaml's mapping "
        "settings; seconds are wall and CPU of all processes (the second row includes pooling "
        "and summing the table).", "",
        "| mapping | queries | wall s | CPU s |", "| --- | ---: | ---: | ---: |",
        f"| per sample (each sample's unique sequences) | {uniques} | {old_wall:.0f} | "
        f"{old_cpu:.0f} |",
        f"| once per distinct sequence of the cohort | {distinct} | {new_wall:.0f} | "
        f"{new_cpu:.0f} |", "",
        f"Ratio per sample / once: {old_wall / new_wall:.2f}x wall, {old_cpu / new_cpu:.2f}x CPU; "
        f"queries {uniques / distinct:.2f}x. Same table (all {reads} mapped reads): "
        f"{'yes' if same else 'NO'}.", END,
    ])  # fmt: skip
    print(block)
    write_block(args.results, "mapping", block)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
