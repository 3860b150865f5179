"""ASVs against the truth: otuflow's UNOISE3 mode beside DADA2, on one simulated cohort.

    python benchmarks/asv.py [--seed 42] [--samples-per-group 7,10,8] [--pairs 5000]

Simulates a cohort (``otuflow simulate``), then in one run on this machine:

* otuflow with ``features: asv`` up to the ASV table (the repository's config.yaml otherwise);
* DADA2 (R package dada2, Debian ``r-bioc-dada2``) as QIIME 2's DADA2 route runs it: primers
  removed with cutadapt (pairs without both discarded), ``filterAndTrim(truncLen = c(230, 220),
  maxEE = 2, truncQ = 2)``, ``learnErrors``, ``dada``, ``mergePairs``,
  ``removeBimeraDenovo(method = "consensus")``; skipped, and said so, when R or dada2 is missing.

Both are scored with ``otuflow.simulate.truth.score_variants``: sensitivity (species above 0.5 %
in some sample recovered as an identical variant) and spurious variants (not within one edit of
a true amplicon or chimera) with their share of the reads. Wall and CPU time (all child
processes) are measured around each. The table goes into benchmarks/RESULTS.md between the
markers below (benchmarks/scale.py keeps that block when it rewrites the file).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import yaml
from cohorts import BLOCKS, REPO, workflow_env, write_block

from otuflow.simulate import simulate_cohort
from otuflow.simulate.truth import VariantRecovery, score_variants

START, END = BLOCKS["asv"]

DADA2 = r"""
suppressMessages(library(dada2))
args <- commandArgs(TRUE)
trimmed <- args[1]; out <- args[2]; threads <- as.integer(args[3])
set.seed(100)
f <- sort(list.files(trimmed, "_R1.fastq.gz$", full.names = TRUE))
r <- sort(list.files(trimmed, "_R2.fastq.gz$", full.names = TRUE))
names <- sub("_R1.fastq.gz$", "", basename(f))
ff <- file.path(out, "filtered", basename(f)); rf <- file.path(out, "filtered", basename(r))
filterAndTrim(f, ff, r, rf, truncLen = c(230, 220), maxEE = c(2, 2), truncQ = 2, maxN = 0,
              rm.phix = TRUE, multithread = threads)
err_f <- learnErrors(ff, multithread = threads, verbose = 0)
err_r <- learnErrors(rf, multithread = threads, verbose = 0)
merged <- mergePairs(dada(ff, err = err_f, multithread = threads, verbose = 0), ff,
                     dada(rf, err = err_r, multithread = threads, verbose = 0), rf)
table <- makeSequenceTable(merged)
table <- removeBimeraDenovo(table, method = "consensus", multithread = threads, verbose = FALSE)
rownames(table) <- names
ids <- paste0("DADA2_", seq_len(ncol(table)))
writeLines(paste0(">", ids, "\n", colnames(table)), file.path(out, "variants.fasta"))
counts <- t(table); rownames(counts) <- ids
write.table(counts, file.path(out, "table.tsv"), sep = "\t", quote = FALSE, col.names = NA)
"""


def timed(command: list[str], **kwargs) -> tuple[float, float]:
    """Run ``command`` (raising with its output if it fails); wall and CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed:\n{result.stdout[-2000:]}{result.stderr[-4000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def run_otuflow(cohort: Path, work: Path, cores: int) -> tuple[Path, Path, float, float]:
    """otuflow's ASV mode up to the ASV table; (variants, table, wall s, CPU s)."""
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config.update(samples=str(cohort / "samples.tsv"), outdir=str(work / "otuflow"),
                  features="asv")  # fmt: skip
    config["taxonomy"].update(reference_fasta=str(cohort / "reference" / "reference.fasta"),
                              reference_taxonomy=str(cohort / "reference" / "taxonomy.tsv"))
    configfile = work / "otuflow.yaml"
    configfile.write_text(yaml.safe_dump(config, sort_keys=False))
    table = work / "otuflow" / "otu" / "otu_table.tsv"
    env = workflow_env()
    wall, cpu = timed([sys.executable, "-m", "snakemake", str(table), "--snakefile",
                       str(REPO / "Snakefile"), "--directory", str(work), "--cores", str(cores),
                       "--configfile", str(configfile)], env=env)  # fmt: skip
    return work / "otuflow" / "otu" / "otus.fasta", table, wall, cpu


def dada2_missing() -> str | None:
    """Why DADA2 cannot run here, or None."""
    if shutil.which("Rscript") is None:
        return "R is not installed"
    check = subprocess.run(["Rscript", "-e", "library(dada2)"], capture_output=True, text=True)
    if check.returncode:
        return "the R package dada2 is not installed (Debian: r-bioc-dada2)"
    return None


def run_dada2(cohort: Path, work: Path, cores: int) -> tuple[Path, Path, float, float]:
    """Primer removal with cutadapt, then DADA2; (variants, table, wall s, CPU s)."""
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    forward, reverse = config["primers"]["forward"], config["primers"]["reverse"]
    samples = pd.read_csv(cohort / "samples.tsv", sep="\t", dtype=str)
    trimmed = work / "dada2" / "trimmed"
    trimmed.mkdir(parents=True, exist_ok=True)
    wall = cpu = 0.0
    cutadapt = shutil.which("cutadapt", path=f"{Path(sys.executable).parent}{os.pathsep}"
                                             f"{os.environ['PATH']}") or "cutadapt"  # fmt: skip
    for row in samples.itertuples():
        w, c = timed([cutadapt, "-g", forward, "-G", reverse, "--discard-untrimmed",
                      "-j", str(cores), "-o", str(trimmed / f"{row.sample}_R1.fastq.gz"),
                      "-p", str(trimmed / f"{row.sample}_R2.fastq.gz"),
                      str(cohort / row.r1), str(cohort / row.r2)])  # fmt: skip
        wall, cpu = wall + w, cpu + c
    w, c = timed(["Rscript", "-e", DADA2, str(trimmed), str(work / "dada2"), str(cores)])
    return work / "dada2" / "variants.fasta", work / "dada2" / "table.tsv", wall + w, cpu + c


def row(name: str, score: VariantRecovery, variants: int, wall: float, cpu: float) -> str:
    """One Markdown table row."""
    return (f"| {name} | {variants} | {len(score.expected) - len(score.missing)}/"
            f"{len(score.expected)} ({100 * score.sensitivity:.0f} %) | {len(score.spurious)} | "
            f"{100 * score.spurious_read_share:.2f} % | {len(score.chimeric)} | {wall:.0f} | "
            f"{cpu:.0f} |")


def main(argv: list[str] | None = None) -> int:
    """Command line: simulate, run both, score, write the RESULTS.md block."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--samples-per-group", default="7,10,8")
    parser.add_argument("--pairs", type=int, default=5000)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--work", type=Path, default=REPO / "benchmarks" / "out" / "asv",
                        help="each run simulates and works in a new dated folder below this")
    parser.add_argument("--results", type=Path, default=REPO / "benchmarks" / "RESULTS.md")
    args = parser.parse_args(argv)
    sizes = tuple(int(n) for n in args.samples_per_group.split(","))
    started = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    work = args.work / started.replace(" ", "_").replace(":", "")  # a new folder for each run
    work.mkdir(parents=True)
    cohort = simulate_cohort(work / "cohort", seed=args.seed, samples_per_group=sizes,
                             pairs_per_sample=args.pairs)  # fmt: skip
    rows, notes = [], []
    runs = [("otuflow 0.1, features: asv (UNOISE3, vsearch)", run_otuflow)]
    missing = dada2_missing()
    if missing:
        notes.append(f"DADA2 was not run: {missing}.")
    else:
        runs.append(("DADA2 (R dada2, QIIME 2's route)", run_dada2))
    for name, runner in runs:
        variants, table_path, wall, cpu = runner(cohort, work, args.cores)
        table = pd.read_csv(table_path, sep="\t", index_col=0)
        score = score_variants(cohort / "truth", variants, table)
        rows.append(row(name, score, len(table), wall, cpu))
        print(rows[-1], flush=True)
    dada2_version = "" if missing else subprocess.run(
        ["Rscript", "-e", "cat(as.character(packageVersion('dada2')))"], capture_output=True,
        text=True).stdout.strip()  # fmt: skip
    block = "\n".join([
        START, "## ASVs against the truth: otuflow (UNOISE3) and DADA2", "",
        f"Run {started} with `python benchmarks/asv.py --seed {args.seed} --samples-per-group "
        f"{args.samples_per_group} --pairs {args.pairs} --cores {args.cores}` on "
        f"{platform.node()} (Python {platform.python_version()}"
        + (f", dada2 {dada2_version}" if dada2_version else "") + "), both on the same simulated "
        "cohort, one after the other. *Recovered*: species above 0.5 % in some sample with an "
        "identical variant. *Spurious*: variants not within one edit of a true amplicon or "
        "simulated chimera, and their share of the table's reads. *Chimeric*: variants "
        "identical to a simulated chimera. Seconds: wall and CPU (all child processes), otuflow "
        "up to its ASV table, DADA2 including cutadapt primer removal.", "",
        "| method | variants | recovered | spurious | spurious reads | chimeric | wall s | CPU s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |", *rows, "", *notes, END,
    ])  # fmt: skip
    write_block(args.results, "asv", block)
    return 0


if __name__ == "__main__":
    sys.exit(main())
