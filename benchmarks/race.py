"""Side-by-side race: otuflow, the bare cutadapt + vsearch commands, mothur and QIIME 2.

    python benchmarks/race.py [--cohort 16x4000 --cohort 25x40000] [--cores 2] [--seed 42]

For every ``--cohort SAMPLESxPAIRS`` it simulates one cohort (``otuflow simulate``) and runs on
it, one after the other on this machine:

1. *otuflow, full workflow*: ``snakemake --cores N`` with the repository's defaults (no clinical
   table). The reference preparation and classifier training are cached per reference, so they
   run once before the timed run and are reported apart.
2. *otuflow, OTU table*: the same workflow, in a fresh output folder, asked only for the run
   plan's OTU table and read tracking (``RunPlan.path``).
3. *bare tools*: a shell script this command writes into the scratch folder (runnable on its
   own): per sample ``cutadapt`` and ``vsearch --fastq_mergepairs``, ``--fastq_filter``,
   ``--derep_fulllength``, as many samples at a time as there are cores; then the pooled
   dereplication, clustering, chimera removal and relabelling; then, as the workflow does, one
   ``--usearch_global`` for the cohort's distinct sequences and an ``awk`` join of its hits with
   each sample's dereplicated reads (through the pooled dereplication's ``--uc`` table) into the
   OTU table. Its command lines are built from
   the config the workflow reads (``otuflow.rule_args``, ``otuflow.features``), with the same
   settings and no orchestration: the physical limit of those steps.
4. *mothur 1.48*: make.contigs, pcr.seqs (primers), screen.seqs, unique.seqs, chimera.vsearch,
   cluster (dgc, 0.03), make.shared, classify.seqs (wang, the cohort's reference in mothur's
   format), classify.otu, get.oturep, summary.single, metastats.
5. *QIIME 2 2022.11*: tools import, cutadapt trim-paired, dada2 denoise-paired (truncation
   230/220), feature-classifier classify-sklearn, phylogeny align-to-tree-mafft-fasttree. The
   naive Bayes classifier is trained on the same reference first and reported apart.

An anchor whose program or plugin is not installed is skipped and said so. Per anchor: wall
seconds, CPU seconds (user + system of the process and all its descendants, from ``os.wait4``)
and peak memory (GNU time's maximum resident set, ``/usr/bin/time -f %M``: the largest single
process of the tree, not the sum of processes running at the same time); the ratios; features
(OTUs/ASVs) in the table; simulated species with an identical feature sequence; simulated
genera named by the taxonomy. The tables go into benchmarks/RESULTS.md between the race markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import NamedTuple

import pandas as pd
from cohorts import (
    BLOCKS,
    REPO,
    machine,
    resolved_config,
    simulate,
    snakemake_command,
    tool_version,
    workflow_env,
    write_block,
    write_config,
)

from otuflow.fastx import read_fasta
from otuflow.features import feature_kind
from otuflow.plan import RunPlan
from otuflow.rule_args import cutadapt_adapter_args
from otuflow.samplesheet import GroupRule, read_sample_sheet
from otuflow.simulate.truth import score_variants

#: Abundance a simulated species or genus must exceed in some sample to be expected (as asv.py).
FLOOR = 0.005
#: DADA2 truncation for 2 x 250 V3-V4 reads after primer removal (240 drops every read).
DADA2_TRUNC = (230, 220)
MOTHUR, QIIME, GNU_TIME = "/usr/bin/mothur", "/usr/bin/qiime", "/usr/bin/time"
QIIME_PLUGINS = ("cutadapt", "dada2", "feature-classifier", "phylogeny")
#: (numerator, denominator) anchors of the ratio columns.
RATIOS = (("otuflow_table", "bare"), ("mothur", "otuflow_full"), ("qiime2", "otuflow_full"))
LABELS = {
    "otuflow_full": "otuflow, full workflow",
    "otuflow_table": "otuflow, up to OTU table + read tracking",
    "bare": "bare cutadapt + vsearch script",
    "mothur": "mothur (make.contigs ... metastats)",
    "qiime2": "QIIME 2 (cutadapt, DADA2, classify-sklearn, tree)",
}


class AnchorFailed(RuntimeError):
    """A program of an anchor exited with an error."""


@dataclass(frozen=True)
class Usage:
    """Wall seconds, CPU seconds and peak memory of a command (or several, one after another)."""

    wall_s: float
    cpu_s: float
    max_rss_mb: float

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.wall_s + other.wall_s, self.cpu_s + other.cpu_s,
                     max(self.max_rss_mb, other.max_rss_mb))  # fmt: skip


@dataclass
class Entry:
    """One anchor's result on one cohort (``usage`` None: skipped or failed, see ``note``)."""

    anchor: str
    usage: Usage | None = None
    features: int | None = None
    species: tuple[int, int] | None = None  # recovered, expected
    genera: tuple[int, int, int] | None = None  # recovered, expected, not simulated
    note: str = ""
    extra: dict = field(default_factory=dict)


#: awk program of the bare script: hits (distinct sequence -> feature) joined with the pooled
#: dereplication's --uc records (each sample's sequence ``<sample>.u<n>;size=<reads>`` -> its
#: distinct sequence) into a features x samples table of read counts, as --otutabout writes.
JOIN_HITS = r"""
function label(s) { sub(/;.*/, "", s); return s }
FNR == NR { hit[label($1)] = label($2); next }
$1 == "S" || $1 == "H" {
  feature = hit[label($1 == "S" ? $9 : $10)]
  if (feature == "") next
  reads = $9; sub(/.*;size=/, "", reads); sub(/;.*/, "", reads)
  sample = label($9); sub(/\.u[0-9]+$/, "", sample)
  count[feature, sample] += reads; features[feature]; samples[sample]
}
END {
  printf "#OTU ID"; for (s in samples) printf "\t%s", s; printf "\n"
  for (f in features) {
    printf "%s", f; for (s in samples) printf "\t%d", count[f, s]; printf "\n"
  }
}
"""


class Step(NamedTuple):
    """One command of the bare script; ``stdout`` names a file its output goes to."""

    args: list[str]
    stdout: str | None = None


# --- measuring -----------------------------------------------------------------------------


def measure(command: Sequence[str], log: Path, cwd: Path | None = None,
            env: Mapping[str, str] | None = None) -> Usage:  # fmt: skip
    """Run ``command`` (output appended to ``log``) and measure it.

    Wall time around the run; CPU time (user + system of the command and every descendant it
    waited for) from ``os.wait4``; peak memory from GNU time (``/usr/bin/time -f %M``): the
    largest resident set of any single process of the tree. (``os.wait4``'s own ``ru_maxrss``
    would count this Python process, copied into the child before it starts the command.)

    Raises
    ------
    AnchorFailed
        If the command exits with an error (the message names the log).
    """
    with tempfile.NamedTemporaryFile(suffix=".rss") as rss, open(log, "ab") as out:
        out.write(f"$ {shlex.join(map(str, command))}\n".encode())
        out.flush()
        start = time.perf_counter()
        process = subprocess.Popen([GNU_TIME, "-f", "%M", "-o", rss.name, *map(str, command)],
                                   stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            raise AnchorFailed(f"{Path(str(command[0])).name} exited with "
                               f"{process.returncode}; see {log}")  # fmt: skip
        peak_kb = parse_gnu_time_rss(Path(rss.name).read_text())
    return Usage(wall, usage.ru_utime + usage.ru_stime, peak_kb / 1024)


def parse_gnu_time_rss(text: str) -> int:
    """Peak resident set in kB from GNU time's ``-f %M`` output (its last line)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or not lines[-1].strip().isdigit():
        raise AnchorFailed(f"GNU time wrote no peak memory: {text!r}")
    return int(lines[-1])


# --- truth ---------------------------------------------------------------------------------


def genus_of(lineage: str) -> str | None:
    """Genus named in a lineage string (``g__Name`` rank, mothur's ``(100)`` confidences
    allowed), or None when it stops above genus or is unclassified."""
    for part in lineage.split(";"):
        name = re.sub(r"\(\d+(\.\d+)?\)$", "", part.strip())
        if name.startswith("g__"):
            genus = name[3:].strip()
            return genus if genus and "unclassified" not in genus.lower() else None
    return None


def expected_genera(truth: Path) -> set[str]:
    """Simulated genera above :data:`FLOOR` relative abundance in at least one sample."""
    table = pd.read_csv(truth / "genus_abundance.tsv", sep="\t", index_col=0)
    return set(table.index[table.max(axis=1) > FLOOR])


def genus_recovery(truth: Path, genera: set[str]) -> tuple[int, int, int]:
    """(expected genera among ``genera``, expected genera, ``genera`` not simulated at all)."""
    expected = expected_genera(truth)
    simulated = pd.read_csv(truth / "genus_abundance.tsv", sep="\t", index_col=0).index
    return len(expected & genera), len(expected), len(genera - set(simulated))


def species_recovery(truth: Path, sequences: Path, table: pd.DataFrame) -> tuple[int, int]:
    """(expected species with an identical feature sequence, expected species)."""
    score = score_variants(truth, sequences, table, floor=FLOOR)
    return len(score.expected) - len(score.missing), len(score.expected)


# --- parsing the anchors' outputs ----------------------------------------------------------


def read_mothur_shared(path: Path) -> pd.DataFrame:
    """A mothur ``.shared`` file as counts (rows: OTU labels, columns: samples)."""
    shared = pd.read_csv(path, sep="\t", dtype={"Group": str})
    counts = shared.drop(columns=["label", "Group", "numOtus"]).set_index(shared["Group"])
    return counts.T.astype(int)


def read_mothur_taxonomy(path: Path) -> dict[str, str]:
    """OTU -> lineage from ``classify.otu``'s ``.cons.taxonomy``."""
    table = pd.read_csv(path, sep="\t", dtype=str)
    return dict(zip(table["OTU"], table["Taxonomy"], strict=True))


def mothur_rep_sequences(path: Path) -> dict[str, str]:
    """OTU -> sequence from ``get.oturep``'s FASTA (header ``read<TAB>Otu01|size|groups``)."""
    sequences = {}
    for record in read_fasta(path):
        otu = record.header.split("\t")[1].split("|")[0]
        sequences[otu] = record.sequence.replace("-", "").replace(".", "").upper()
    return sequences


def read_biom_counts(path: Path) -> pd.DataFrame:
    """An exported BIOM table (QIIME 2's ``feature-table.biom``) as counts."""
    import biom

    table = biom.load_table(str(path))
    return table.to_dataframe(dense=True).astype(int)


def read_qiime_taxonomy(path: Path) -> dict[str, str]:
    """Feature -> lineage from QIIME 2's exported ``taxonomy.tsv``."""
    table = pd.read_csv(path, sep="\t", dtype=str)
    return dict(zip(table["Feature ID"], table["Taxon"], strict=True))


def write_fasta(sequences: Mapping[str, str], path: Path) -> Path:
    """Write ``sequences`` (ID -> sequence) as FASTA."""
    path.write_text("".join(f">{k}\n{v}\n" for k, v in sequences.items()))
    return path


def observed_genera(taxonomy: Mapping[str, str], table: pd.DataFrame) -> set[str]:
    """Genera named for the features of ``table`` that hold reads."""
    present = table.index[table.sum(axis=1) > 0]
    return {g for f in present if (g := genus_of(taxonomy.get(f, ""))) is not None}


# --- the bare script -----------------------------------------------------------------------


def sample_steps(config: Mapping, sample: str, r1: str, r2: str, work: PurePath) -> list[Step]:
    """One sample's cutadapt and vsearch commands, with the workflow's settings.

    Intermediate files are uncompressed (``work/<sample>.*``); the last is the sample's
    dereplicated FASTA ``work/<sample>.derep.fasta``, labels ``<sample>.u<n>;size=``.
    """
    primers, merge, filt = config["primers"], config["merge"], config["filter"]
    stem = work / sample
    return [
        Step(["cutadapt", "--cores", "1", "-e", str(primers["max_error_rate"]),
              "-q", str(primers["quality_cutoff"]), "-Q", str(primers["quality_cutoff"]),
              *cutadapt_adapter_args(primers), "--minimum-length", "1",
              "-o", f"{stem}_R1.fastq", "-p", f"{stem}_R2.fastq", r1, r2]),
        Step(["vsearch", "--fastq_mergepairs", f"{stem}_R1.fastq", "--reverse", f"{stem}_R2.fastq",
              "--fastq_minovlen", str(merge["min_overlap"]),
              "--fastq_maxdiffs", str(merge["max_diffs"]), "--relabel", f"{sample}.",
              "--fastqout", f"{stem}.merged.fastq", "--threads", "1"]),
        Step(["vsearch", "--fastq_filter", f"{stem}.merged.fastq",
              "--fastq_maxee", str(filt["max_ee"]), "--fastq_minlen", str(filt["min_length"]),
              "--fastq_maxlen", str(filt["max_length"]), "--fastq_maxns", str(filt["max_ns"]),
              "--fastaout", f"{stem}.filtered.fasta", "--fasta_width", "0"]),
        Step(["vsearch", "--derep_fulllength", f"{stem}.filtered.fasta", "--strand", "plus",
              "--sizeout", "--relabel", f"{sample}.u", "--output", f"{stem}.derep.fasta",
              "--fasta_width", "0"]),
    ]  # fmt: skip


def cohort_steps(config: Mapping, samples: Sequence[str], work: PurePath,
                 threads: int) -> list[Step]:  # fmt: skip
    """The cohort's vsearch commands after the per-sample ones, with the workflow's settings.

    Ends with ``work/otus.fasta`` (``OTU_1``... or ``ASV_1``... by decreasing abundance) and
    ``work/otu_table.tsv`` (features x samples, as vsearch's ``--otutabout``). Each distinct
    sequence of the cohort is searched once (``--maxhits 1``: the hit ``--otutabout`` counts);
    :data:`JOIN_HITS` sums each sample's reads by the hit of each of its sequences.
    """
    kind = feature_kind(config)
    pooled, uniques = work / "pooled.fasta", work / "uniques.fasta"
    distinct = work / "distinct.fasta"
    centroids = work / "centroids.fasta"
    steps = [
        Step(["cat", *(str(work / f"{s}.derep.fasta") for s in samples)], str(pooled)),
        Step(["vsearch", "--derep_fulllength", str(pooled), "--strand", "plus", "--sizein",
              "--sizeout", "--minuniquesize", str(config["dereplicate"]["min_size"]),
              "--output", str(uniques), "--fasta_width", "0"]),
    ]  # fmt: skip
    if kind.key == "asv":
        steps.append(Step(["vsearch", "--cluster_unoise", str(uniques),
                           "--minsize", str(config["denoise"]["min_size"]),
                           "--unoise_alpha", str(config["denoise"]["alpha"]), "--strand", "plus",
                           "--sizein", "--sizeout", "--centroids", str(centroids),
                           "--fasta_width", "0", "--threads", str(threads)]))  # fmt: skip
    else:
        steps.append(Step(["vsearch", "--cluster_size", str(uniques),
                           "--id", str(config["cluster"]["identity"]), "--strand", "plus",
                           "--sizein", "--sizeout", "--centroids", str(centroids),
                           "--fasta_width", "0", "--threads", str(threads)]))  # fmt: skip
    current = centroids
    if config["chimera"]["denovo"]:
        steps.append(Step(["vsearch", kind.chimera_option, str(current), "--sizein", "--sizeout",
                           "--fasta_width", "0", "--nonchimeras", str(work / "nonchimeras.fasta"),
                           "--chimeras", str(work / "chimeras.fasta")]))  # fmt: skip
        current = work / "nonchimeras.fasta"
    if config["chimera"]["reference"]:
        steps.append(Step(["vsearch", "--uchime_ref", str(current), "--db",
                           str(config["chimera"]["reference"]), "--sizein", "--sizeout",
                           "--fasta_width", "0", "--threads", str(threads), "--nonchimeras",
                           str(work / "nonchimeras_ref.fasta"),
                           "--chimeras", str(work / "chimeras_ref.fasta")]))  # fmt: skip
        current = work / "nonchimeras_ref.fasta"
    mapping = config["mapping"]
    steps += [
        Step(["vsearch", "--sortbysize", str(current), "--sizein", "--relabel", kind.prefix,
              "--output", str(work / "otus.fasta"), "--fasta_width", "0"]),
        Step(["vsearch", "--derep_fulllength", str(pooled), "--strand", "plus", "--sizein",
              "--sizeout", "--uc", str(work / "distinct.uc"), "--output", str(distinct),
              "--fasta_width", "0"]),
        Step(["vsearch", "--usearch_global", str(distinct), "--db", str(work / "otus.fasta"),
              "--id", str(mapping["identity"]), "--strand", "plus",
              "--maxaccepts", str(mapping["maxaccepts"]),
              "--maxrejects", str(mapping["maxrejects"]), "--maxhits", "1",
              "--userout", str(work / "hits.tsv"), "--userfields", "query+target",
              "--threads", str(threads)]),
        Step(["awk", "-F", "\\t", JOIN_HITS, str(work / "hits.tsv"), str(work / "distinct.uc")],
             str(work / "otu_table.tsv")),
    ]  # fmt: skip
    return steps


def render_step(step: Step, log: str) -> str:
    """One shell line: the command, its output to ``step.stdout`` or the log, errors to the log."""
    target = shlex.quote(step.stdout) if step.stdout else shlex.quote(log)
    redirect = f"> {target} 2>> {shlex.quote(log)}" if step.stdout else f">> {target} 2>&1"
    return f"{shlex.join(step.args)} {redirect}"


def bare_script(config: Mapping, sheet: pd.DataFrame, work: PurePath, cores: int,
                path_dirs: Sequence[str] = ()) -> str:  # fmt: skip
    """The bare-tools shell script for a cohort.

    Parameters
    ----------
    config : mapping
        The workflow's config, defaults filled in.
    sheet : pandas.DataFrame
        ``sample``, ``r1``, ``r2`` (absolute paths).
    work : path
        Folder for every file the script writes (created by the script).
    cores : int
        Samples processed at the same time; threads of the cohort-level vsearch commands.
    path_dirs : sequence of str
        Folders put first on ``PATH`` (where cutadapt and vsearch are), as the workflow does.
    """
    log = str(work / "logs")
    lines = ["#!/usr/bin/env bash",
             "# Written by benchmarks/race.py: the workflow's cutadapt and vsearch commands with "
             "its settings, no orchestration.",
             "set -euo pipefail"]  # fmt: skip
    if path_dirs:
        lines.append(f"export PATH={shlex.quote(os.pathsep.join(path_dirs))}:\"$PATH\"")
    lines.append(f"mkdir -p {shlex.quote(str(work))} {shlex.quote(log)}")
    names = []
    for row in sheet.itertuples():
        name = f"sample_{len(names)}"
        names.append(name)
        sample_log = f"{log}/{row.sample}.log"
        body = " &&\n  ".join(render_step(s, sample_log)
                              for s in sample_steps(config, row.sample, row.r1, row.r2, work))
        lines += [f"{name}() {{", f"  {body}", "}"]
    lines += [
        f"pids=(); for job in {' '.join(names)}; do",
        f"  while (( $(jobs -rp | wc -l) >= {cores} )); do wait -n; done",
        "  \"$job\" & pids+=(\"$!\")",
        "done",
        "for pid in \"${pids[@]}\"; do wait \"$pid\"; done",
    ]  # fmt: skip
    cohort_log = f"{log}/cohort.log"
    steps = cohort_steps(config, list(sheet["sample"]), work, cores)
    lines += [render_step(s, cohort_log) for s in steps]
    return "\n".join(lines) + "\n"


# --- the anchors ---------------------------------------------------------------------------


@dataclass
class Cohort:
    """A simulated cohort and the workflow config written for it."""

    key: str
    folder: Path
    work: Path
    pairs: int
    cores: int

    @property
    def truth(self) -> Path:
        return self.folder / "truth"

    def config(self, name: str) -> tuple[Path, dict]:
        """A config for an otuflow run with output folder ``work/<name>`` (file, resolved)."""
        path = write_config(self.folder, self.work / name, self.pairs,
                            self.work / f"{name}.yaml")  # fmt: skip
        return path, resolved_config(path)

    def sheet(self) -> pd.DataFrame:
        """Sample sheet with absolute read paths."""
        sheet = pd.read_csv(self.folder / "samples.tsv", sep="\t", dtype=str)
        for column in ("r1", "r2"):
            sheet[column] = [str((self.folder / p).resolve()) for p in sheet[column]]
        return sheet


def run_plan(config: Mapping) -> RunPlan:
    """The workflow's run plan for a resolved config."""
    groups = config["groups"]
    sheet = read_sample_sheet(config["samples"], GroupRule(groups["min_days"],
                                                           groups["min_dose_mg_day"]),
                              tuple(groups["order"]))  # fmt: skip
    return RunPlan.from_config(config, sheet.set_index("sample")["group"])


def score_otuflow(entry: Entry, cohort: Cohort, plan: RunPlan, taxonomy: bool) -> None:
    """Features, species and (with ``taxonomy``) genera of an otuflow-style output folder."""
    table = pd.read_csv(plan.path("otu_table"), sep="\t", index_col=0)
    table = table.select_dtypes("number")
    entry.features = len(table)
    entry.species = species_recovery(cohort.truth, Path(plan.path("otus")), table)
    if taxonomy:
        lineages = pd.read_csv(plan.path("otu_taxonomy"), sep="\t", index_col=0, dtype=str)
        column = "taxonomy" if "taxonomy" in lineages.columns else lineages.columns[0]
        entry.genera = genus_recovery(cohort.truth,
                                      observed_genera(lineages[column].fillna("").to_dict(), table))


def run_otuflow_full(cohort: Cohort) -> Entry:
    """The whole workflow (reference preparation and classifier training warmed first)."""
    entry = Entry("otuflow_full")
    configfile, config = cohort.config("otuflow_full")
    log = cohort.work / "otuflow_full.log"
    warm = measure(snakemake_command(configfile, cohort.cores, "--until", "train_classifier"),
                   log, env=workflow_env())  # fmt: skip
    entry.extra["one_off"] = f"reference preparation + classifier training {warm.wall_s:.0f} s"
    entry.usage = measure(snakemake_command(configfile, cohort.cores), log, env=workflow_env())
    score_otuflow(entry, cohort, run_plan(config), taxonomy=True)
    mapping = pd.read_csv(Path(config["outdir"]) / "benchmarks" / "map_distinct.tsv", sep="\t")
    entry.note = (f"of which read mapping (map_distinct): {mapping['s'].iloc[-1]:.0f} s wall, "
                  f"{mapping['cpu_time'].iloc[-1]:.0f} CPU s")  # fmt: skip
    return entry


def run_otuflow_table(cohort: Cohort) -> Entry:
    """The workflow asked for the plan's OTU table and read tracking only."""
    entry = Entry("otuflow_table")
    configfile, config = cohort.config("otuflow_table")
    plan = run_plan(config)
    targets = [plan.path("otu_table"), plan.path("read_tracking")]
    entry.usage = measure(snakemake_command(configfile, cohort.cores, *targets),
                          cohort.work / "otuflow_table.log", env=workflow_env())  # fmt: skip
    score_otuflow(entry, cohort, plan, taxonomy=False)
    entry.extra["table"] = plan.path("otu_table")
    return entry


def run_bare(cohort: Cohort) -> Entry:
    """The bare-tools script (written to ``work/bare.sh``)."""
    entry = Entry("bare")
    _, config = cohort.config("otuflow_table")
    work = cohort.work / "bare"
    script = cohort.work / "bare.sh"
    script.write_text(bare_script(config, cohort.sheet(), work, cohort.cores,
                                  [str(Path(sys.executable).parent)]))  # fmt: skip
    script.chmod(0o755)
    entry.usage = measure(["bash", str(script)], cohort.work / "bare.log")
    table = pd.read_csv(work / "otu_table.tsv", sep="\t", index_col=0)
    entry.features = len(table)
    entry.species = species_recovery(cohort.truth, work / "otus.fasta", table)
    entry.extra["table"] = str(work / "otu_table.tsv")
    return entry


def same_counts(a: Path, b: Path) -> bool:
    """Whether two OTU tables hold the same counts per OTU and sample (order ignored)."""
    tables = []
    for path in (a, b):
        table = pd.read_csv(path, sep="\t", index_col=0).select_dtypes("number")
        table.index = table.index.astype(str)
        tables.append(table.sort_index().sort_index(axis=1).astype(int))
    return tables[0].shape == tables[1].shape and tables[0].equals(tables[1])


def mothur_design(groups: pd.Series) -> str:
    """mothur design file: header ``group<TAB>treatment``; ``-`` in group names becomes ``_``."""
    rows = [f"{sample}\t{group.replace('-', '_')}" for sample, group in groups.items()]
    return "group\ttreatment\n" + "\n".join(rows) + "\n"


def mothur_batch(config: Mapping, cores: int) -> str:
    """mothur batch commands (inputs: reads.files, primers.oligos, ref.fasta, ref.tax, design)."""
    filt = config["filter"]
    return "\n".join([
        f"make.contigs(file=reads.files, processors={cores})",
        f"pcr.seqs(fasta=current, count=current, oligos=primers.oligos, pdiffs=2, rdiffs=2, "
        f"processors={cores})",
        f"screen.seqs(fasta=current, count=current, maxambig={filt['max_ns']}, "
        f"minlength={filt['min_length']}, maxlength={filt['max_length']}, maxhomop=8, "
        f"processors={cores})",
        "unique.seqs(fasta=current, count=current)",
        f"chimera.vsearch(fasta=current, count=current, dereplicate=t, processors={cores})",
        f"cluster(fasta=current, count=current, method=dgc, cutoff=0.03, processors={cores})",
        "make.shared(list=current, count=current, label=0.03)",
        f"classify.seqs(fasta=current, count=current, reference=ref.fasta, taxonomy=ref.tax, "
        f"method=wang, cutoff=80, processors={cores})",
        "classify.otu(list=current, count=current, taxonomy=current, label=0.03)",
        "get.oturep(list=current, count=current, fasta=current, method=abundance)",
        "summary.single(shared=current, calc=nseqs-sobs-shannon-simpson-chao)",
        f"metastats(shared=current, design=design.tsv, processors={cores})",
    ]) + "\n"  # fmt: skip


def mothur_fastq(source: Path, target: Path, sample: str) -> None:
    """Decompress a FASTQ file for mothur, read names prefixed with ``<sample>_``.

    mothur 1.48 crashes on .fastq.gz, and it needs read names unique across the samples it
    pools (``unique.seqs`` stops on a name seen twice; simulated samples reuse names).
    """
    with gzip.open(source, "rt") as src, open(target, "w") as dst:
        for number, line in enumerate(src):
            dst.write(f"@{sample}_{line[1:]}" if number % 4 == 0 else line)


def run_mothur(cohort: Cohort) -> Entry:
    """mothur 1.48 from read pairs to metastats (inputs prepared outside the timing)."""
    entry = Entry("mothur")
    _, config = cohort.config("otuflow_table")
    work = cohort.work / "mothur"
    work.mkdir(parents=True, exist_ok=True)
    files = []
    for row in cohort.sheet().itertuples():
        for read in ("r1", "r2"):
            mothur_fastq(Path(getattr(row, read)), work / f"{row.sample}_{read}.fastq",
                         row.sample)
        files.append(f"{row.sample}\t{row.sample}_r1.fastq\t{row.sample}_r2.fastq")
    (work / "reads.files").write_text("\n".join(files) + "\n")
    primers = config["primers"]
    (work / "primers.oligos").write_text(f"primer\t{primers['forward']}\t{primers['reverse']}\n")
    shutil.copy(config["taxonomy"]["reference_fasta"], work / "ref.fasta")
    taxonomy = pd.read_csv(config["taxonomy"]["reference_taxonomy"], sep="\t", header=None,
                           dtype=str)  # fmt: skip
    (work / "ref.tax").write_text("".join(f"{i}\t{t.rstrip(';')};\n"
                                          for i, t in zip(taxonomy[0], taxonomy[1], strict=True)))
    groups = pd.read_csv(cohort.truth / "groups.tsv", sep="\t", index_col=0, dtype=str)["group"]
    (work / "design.tsv").write_text(mothur_design(groups))
    (work / "race.batch").write_text(mothur_batch(config, cohort.cores))
    entry.usage = measure([MOTHUR, "race.batch"], cohort.work / "mothur.log", cwd=work)
    log = (cohort.work / "mothur.log").read_text()
    if "[ERROR]" in log:
        raise AnchorFailed(f"mothur reported an error; see {cohort.work / 'mothur.log'}")
    shared = read_mothur_shared(_one(work, "*.dgc.shared"))
    entry.features = len(shared)
    variants = write_fasta(mothur_rep_sequences(_one(work, "*.0.03.rep.fasta")),
                           work / "otus.fasta")  # fmt: skip
    entry.species = species_recovery(cohort.truth, variants, shared)
    lineages = read_mothur_taxonomy(_one(work, "*.0.03.cons.taxonomy"))
    entry.genera = genus_recovery(cohort.truth, observed_genera(lineages, shared))
    return entry


def _one(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    if len(found) != 1:
        raise AnchorFailed(f"expected one {pattern} in {folder}, found {len(found)}")
    return found[0]


def qiime_missing() -> str | None:
    """Why the QIIME 2 anchor cannot run here, or None."""
    if not Path(QIIME).exists():
        return f"{QIIME} is not installed (Debian: q2cli)"
    info = subprocess.run([QIIME, "info"], capture_output=True, text=True)
    plugins = set(re.findall(r"^([\w-]+): [\d.]+$", info.stdout, re.M))
    missing = [p for p in QIIME_PLUGINS if p not in plugins]
    if missing:
        return ("QIIME 2 plugin(s) " + ", ".join(missing) + " not installed (Debian: "
                + " ".join(f"q2-{p}" for p in missing) + ")")
    return None


def qiime_steps(config: Mapping, cores: int) -> list[list[str]]:
    """The timed QIIME 2 commands (run in the QIIME 2 folder; manifest.tsv and classifier.qza
    there)."""
    primers = config["primers"]
    forward_len, reverse_len = DADA2_TRUNC
    return [
        [QIIME, "tools", "import", "--type", "SampleData[PairedEndSequencesWithQuality]",
         "--input-path", "manifest.tsv", "--input-format", "PairedEndFastqManifestPhred33V2",
         "--output-path", "demux.qza"],
        [QIIME, "cutadapt", "trim-paired", "--i-demultiplexed-sequences", "demux.qza",
         "--p-front-f", primers["forward"], "--p-front-r", primers["reverse"],
         "--p-error-rate", str(primers["max_error_rate"]), "--p-discard-untrimmed",
         "--p-cores", str(cores), "--o-trimmed-sequences", "trimmed.qza"],
        [QIIME, "dada2", "denoise-paired", "--i-demultiplexed-seqs", "trimmed.qza",
         "--p-trunc-len-f", str(forward_len), "--p-trunc-len-r", str(reverse_len),
         "--p-n-threads", str(cores), "--o-table", "table.qza",
         "--o-representative-sequences", "rep-seqs.qza", "--o-denoising-stats", "stats.qza"],
        [QIIME, "feature-classifier", "classify-sklearn", "--i-classifier", "classifier.qza",
         "--i-reads", "rep-seqs.qza", "--p-n-jobs", str(cores), "--o-classification",
         "taxonomy.qza"],
        [QIIME, "phylogeny", "align-to-tree-mafft-fasttree", "--i-sequences", "rep-seqs.qza",
         "--p-n-threads", str(cores), "--o-alignment", "aligned.qza", "--o-masked-alignment",
         "masked.qza", "--o-tree", "unrooted.qza", "--o-rooted-tree", "rooted.qza"],
    ]  # fmt: skip


def run_qiime(cohort: Cohort) -> Entry:
    """QIIME 2's DADA2 route; classifier training measured apart."""
    entry = Entry("qiime2")
    _, config = cohort.config("otuflow_table")
    work = cohort.work / "qiime2"
    work.mkdir(parents=True, exist_ok=True)
    log = cohort.work / "qiime2.log"
    sheet = cohort.sheet()
    pd.DataFrame({"sample-id": sheet["sample"], "forward-absolute-filepath": sheet["r1"],
                  "reverse-absolute-filepath": sheet["r2"]}).to_csv(
        work / "manifest.tsv", sep="\t", index=False)  # fmt: skip
    reference = config["taxonomy"]
    training = (
        measure([QIIME, "tools", "import", "--type", "FeatureData[Sequence]", "--input-path",
                 reference["reference_fasta"], "--output-path", "ref-seqs.qza"], log, cwd=work)
        + measure([QIIME, "tools", "import", "--type", "FeatureData[Taxonomy]",
                   "--input-format", "HeaderlessTSVTaxonomyFormat", "--input-path",
                   reference["reference_taxonomy"], "--output-path", "ref-tax.qza"], log, cwd=work)
        + measure([QIIME, "feature-classifier", "fit-classifier-naive-bayes",
                   "--i-reference-reads", "ref-seqs.qza", "--i-reference-taxonomy", "ref-tax.qza",
                   "--o-classifier", "classifier.qza"], log, cwd=work)
    )  # fmt: skip
    entry.extra["one_off"] = (f"classifier training {training.wall_s:.0f} s wall, "
                              f"{training.cpu_s:.0f} s CPU, {training.max_rss_mb:.0f} MB")
    usage = None
    for command in qiime_steps(config, cohort.cores):
        step = measure(command, log, cwd=work)
        usage = step if usage is None else usage + step
    entry.usage = usage
    for artifact in ("table", "rep-seqs", "taxonomy"):
        measure([QIIME, "tools", "export", "--input-path", f"{artifact}.qza", "--output-path",
                 f"export_{artifact}"], log, cwd=work)  # fmt: skip
    table = read_biom_counts(work / "export_table" / "feature-table.biom")
    entry.features = len(table)
    entry.species = species_recovery(cohort.truth,
                                     work / "export_rep-seqs" / "dna-sequences.fasta", table)
    lineages = read_qiime_taxonomy(work / "export_taxonomy" / "taxonomy.tsv")
    entry.genera = genus_recovery(cohort.truth, observed_genera(lineages, table))
    return entry


def mothur_missing() -> str | None:
    """Why the mothur anchor cannot run here, or None."""
    return None if Path(MOTHUR).exists() else f"{MOTHUR} is not installed (Debian: mothur)"


ANCHORS = (
    ("otuflow_full", run_otuflow_full, lambda: None),
    ("otuflow_table", run_otuflow_table, lambda: None),
    ("bare", run_bare, lambda: None if shutil.which("vsearch") else "vsearch is not on PATH"),
    ("mothur", run_mothur, mothur_missing),
    ("qiime2", run_qiime, qiime_missing),
)


# --- report --------------------------------------------------------------------------------


def ratio(entries: Mapping[str, Entry], numerator: str, denominator: str) -> tuple[float, float]:
    """(wall ratio, CPU ratio) of two anchors; NaN where either has no measurement."""
    a, b = entries.get(numerator), entries.get(denominator)
    if a is None or b is None or a.usage is None or b.usage is None:
        return math.nan, math.nan
    return a.usage.wall_s / b.usage.wall_s, a.usage.cpu_s / b.usage.cpu_s


def _fraction(pair: tuple[int, ...] | None) -> str:
    """``found/expected``, with `` (+wrong)`` when a third number is given."""
    if pair is None:
        return "-"
    return f"{pair[0]}/{pair[1]}" + (f" (+{pair[2]})" if len(pair) > 2 else "")


def _number(value: float | None, digits: int = 0) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def cohort_table(entries: Mapping[str, Entry]) -> list[str]:
    """Markdown rows of one cohort: one row per anchor, then the ratios."""
    lines = ["| anchor | wall s | CPU s | peak MB | features | species identical | "
             "genera named | note |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]  # fmt: skip
    for key, label in LABELS.items():
        entry = entries.get(key)
        if entry is None:
            continue
        usage = entry.usage
        lines.append(
            f"| {label} | {_number(usage and usage.wall_s)} | {_number(usage and usage.cpu_s)} | "
            f"{_number(usage and usage.max_rss_mb)} | {_number(entry.features)} | "
            f"{_fraction(entry.species)} | {_fraction(entry.genera)} | {entry.note} |"
        )
    lines += ["", "| ratio | wall | CPU |", "| --- | ---: | ---: |"]
    for numerator, denominator in RATIOS:
        wall, cpu = ratio(entries, numerator, denominator)
        lines.append(f"| {LABELS[numerator]} / {LABELS[denominator]} | {_number(wall, 2)} | "
                     f"{_number(cpu, 2)} |")  # fmt: skip
    return lines


def versions() -> str:
    """Versions of the raced programs."""
    cutadapt = shutil.which("cutadapt", path=workflow_env()["PATH"]) or "cutadapt"
    return ", ".join([
        "cutadapt " + tool_version([cutadapt, "--version"], r"([\d.]+)"),
        "vsearch " + tool_version(["vsearch", "--version"], r"vsearch v([\d.]+)"),
        "mothur " + (tool_version([MOTHUR, "--version"], r"version=([\d.]+)")
                     if Path(MOTHUR).exists() else "not installed"),
        "QIIME 2 " + (tool_version([QIIME, "info"], r"QIIME 2 release: ([\d.]+)")
                      if Path(QIIME).exists() else "not installed"),
    ])  # fmt: skip


def report(command: str, started: str, host: str, tools: str,
           cohorts: Sequence[tuple[str, Mapping[str, Entry], tuple[float, float]]],
           skipped: Mapping[str, str], note: str = "", block: str = "race") -> str:  # fmt: skip
    """The RESULTS.md block ``block`` of :data:`cohorts.BLOCKS` (markers included)."""
    start, end = BLOCKS[block]
    sizes = " and ".join(key.replace("x", " x ") for key, _, _ in cohorts)
    lines = [start, f"## Race: otuflow, the bare tools, mothur and QIIME 2 ({sizes})", "",
             f"Run {started} UTC with `{command}` on {host}; {tools}. Each cohort is simulated "
             "once (`otuflow simulate`) and every anchor runs on it, one after the other."
             + (f" {note}" if note else ""), ""]  # fmt: skip
    for key, entries, load in cohorts:
        samples, pairs = key.split("x")
        lines += [f"### {samples} samples x {pairs} read pairs", "",
                  f"1-min load average before/after: {load[0]:.2f}/{load[1]:.2f}.", ""]
        lines += cohort_table(entries)
        notes = [f"{LABELS[e.anchor]}: {e.extra['one_off']} before the timed run, not counted."
                 for e in entries.values() if "one_off" in e.extra]  # fmt: skip
        if "same_counts" in entries.get("bare", Entry("bare")).extra:
            same = entries["bare"].extra["same_counts"]
            notes.append("The bare script's OTU table " + ("holds the same counts as" if same
                         else "differs from") + " otuflow's.")  # fmt: skip
        lines += [""] + [f"- {n}" for n in notes] + [""]
    if skipped:
        lines += ["Skipped: " + "; ".join(f"{LABELS[k]}: {why}" for k, why in skipped.items())
                  + ".", ""]
    lines += [
        "How to read it: *wall s* from start to exit; *CPU s* user + system time of the anchor's "
        "processes and all their descendants (`os.wait4`); *peak MB* the largest resident set of "
        "any single process of the anchor (GNU time's `%M`, which takes the largest process of "
        "the tree; not the sum of processes running at the same time). *features*: OTUs/ASVs "
        f"in the table. *species identical*: simulated species above {100 * FLOOR:g} % in some "
        "sample with a feature identical to their amplicon "
        "(`otuflow.simulate.truth.score_variants`; strict for 97 % OTUs, which may "
        "merge close species). *genera named*: simulated genera above that floor that the "
        "taxonomy names for some feature with reads, (+n): genera it names that were not "
        "simulated at all. *note* of the full workflow: its read mapping job, from the workflow's "
        "benchmark file (Snakemake's `benchmark:`). The bare script runs the workflow's "
        "cutadapt and vsearch commands with its settings (built from the same config and "
        "`otuflow.rule_args`), as many samples at a time as there are cores, uncompressed "
        "intermediates, and, as the workflow does, searches each distinct sequence of the cohort "
        "once and joins the hits with each sample's reads (`awk`). "
        "mothur starts from uncompressed FASTQ with read names made unique across samples "
        "(prepared before the timing; 1.48 crashes on .fastq.gz and needs unique names) and "
        "removes the primers with pcr.seqs; "
        "classify.seqs uses the cohort's "
        "reference in mothur's format. QIIME 2 starts from the .fastq.gz files; its classifier "
        f"is trained on the same reference before the timing; DADA2 truncates at "
        f"{DADA2_TRUNC[0]}/{DADA2_TRUNC[1]}.",
        "",
        "Run it: `.venv/bin/python benchmarks/race.py --cohort 16x4000 --cohort 25x40000` "
        "(`--cores`, `--seed`, `--work`; `--skip mothur` etc. leaves an anchor out). It writes "
        "this block (`--block race-table`: a second block, for otuflow up to the table "
        "against the bare tools on more cohorts, e.g. 200 x 20000 without mothur); "
        "benchmarks/scale.py and asv.py keep both.",
        end,
    ]  # fmt: skip
    return "\n".join(lines)


def parse_cohort(text: str) -> tuple[int, int]:
    """``SAMPLESxPAIRS`` -> (samples, pairs)."""
    match = re.fullmatch(r"(\d+)x(\d+)", text.strip())
    if not match or int(match[1]) < 3 or int(match[2]) < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give samples x pairs, e.g. 16x4000 (at least 3 samples)")
    return int(match[1]), int(match[2])


def main(argv: list[str] | None = None) -> int:
    """Command line: simulate each cohort, race the anchors, write the RESULTS.md block."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cohort", type=parse_cohort, action="append",
                        help="SAMPLESxPAIRS, repeatable (default 16x4000 and 25x40000)")
    parser.add_argument("--samples", type=int, help="with --pairs: one more cohort")
    parser.add_argument("--pairs", type=int)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--skip", action="append", default=[], choices=list(LABELS),
                        help="leave an anchor out (repeatable)")
    parser.add_argument("--work", type=Path, default=REPO / "benchmarks" / "out" / "race",
                        help="each run works in a new dated folder below this")
    parser.add_argument("--results", type=Path, default=REPO / "benchmarks" / "RESULTS.md")
    parser.add_argument("--note", default="",
                        help="a sentence for the block, e.g. that the machine was shared")
    parser.add_argument("--block", default="race", choices=["race", "race-table"],
                        help="block of the results file to write (race-table: otuflow up to the "
                             "table against the bare tools on more cohorts)")  # fmt: skip
    args = parser.parse_args(argv)
    cohorts = list(args.cohort or [])
    if (args.samples is None) != (args.pairs is None):
        parser.error("--samples and --pairs go together")
    if args.samples is not None:
        cohorts.append(parse_cohort(f"{args.samples}x{args.pairs}"))
    cohorts = cohorts or [(16, 4000), (25, 40000)]
    given = sys.argv[1:] if argv is None else argv
    command = shlex.join(["python", "benchmarks/race.py", *given])
    now = dt.datetime.now(dt.UTC)
    started = now.strftime("%Y-%m-%d %H:%M")
    root = args.work / now.strftime("%Y-%m-%d_%H%M%S")
    skipped = {key: "left out with --skip" for key in args.skip}
    for key, _, missing in ANCHORS:
        why = None if key in skipped else missing()
        if why:
            skipped[key] = why
            print(f"skipping {LABELS[key]}: {why}", flush=True)
    host, tools, results = machine(), versions(), []
    for samples, pairs in cohorts:
        key = f"{samples}x{pairs}"
        work = root / key
        work.mkdir(parents=True)
        cohort = Cohort(key, simulate(work / "cohort", samples, pairs, args.seed), work, pairs,
                        args.cores)  # fmt: skip
        entries: dict[str, Entry] = {}
        load_before = os.getloadavg()[0]
        for anchor, runner, _ in ANCHORS:
            if anchor in skipped:
                continue
            print(f"{key}: {LABELS[anchor]} ...", flush=True)
            try:
                entries[anchor] = runner(cohort)
            except AnchorFailed as error:
                entries[anchor] = Entry(anchor, note=f"failed: {error}")
            usage = entries[anchor].usage
            print(f"  {usage}" if usage else f"  {entries[anchor].note}", flush=True)
        if "table" in entries.get("bare", Entry("bare")).extra and \
                "table" in entries.get("otuflow_table", Entry("x")).extra:
            entries["bare"].extra["same_counts"] = same_counts(
                Path(entries["bare"].extra["table"]),
                Path(entries["otuflow_table"].extra["table"]))
        results.append((key, entries, (load_before, os.getloadavg()[0])))
        # rewritten after every cohort, so a long run leaves results even when stopped
        write_block(args.results, args.block, report(command, started, host, tools, results,
                                                      skipped, args.note, args.block))
    print(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
