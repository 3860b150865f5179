"""Side-by-side timings of otuflow's faster runs of library algorithms, with equality checks.

    python benchmarks/analysis.py [--samples 50,200] [--repeats 3]

Each pair runs in this one process, one after the other, on the same input; the table gives the
best of ``--repeats`` runs and the ratio. It writes benchmarks/ANALYSIS.md: the title, the run
line and the table; sections of an existing file from its first ``## `` heading on are written
by hand and kept as they are.

* NMDS: vegan ``metaMDS`` (R, when installed; 20 tries) vs ``otuflow.stats.nmds`` (20 random
  starts); the same result means otuflow's stress is not higher.
* PERMDISP: ``skbio.stats.distance.permdisp(test="median")`` vs ``otuflow.stats.permdisp``
  (999 permutations, three groups).
* Read mapping: ``vsearch --usearch_global`` of every filtered read vs of the sample's unique
  sequences with ``--sizein`` (one simulated sample, 20,000 pairs), as the per-sample mapping
  did before issue 15 (the cohort-wide mapping is raced in benchmarks/mapping.py).
* FASTA reading: Biopython's ``SimpleFastaParser`` vs ``otuflow.fastx.read_fasta`` (the reader
  the classifier uses for its references) on 100,000 records of full 16S length, with one
  sequence line per record and with 60-column lines.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from scipy.spatial.distance import pdist, squareform
from skbio import DistanceMatrix
from skbio.stats.distance import permdisp
from threadpoolctl import threadpool_limits

from otuflow.stats.beta import write_distance_matrix
from otuflow.stats.nmds import nmds_search
from otuflow.stats.permdisp import permdisp_median

REPO = Path(__file__).resolve().parents[1]


def best_time(function, repeats: int):
    """Smallest wall time of ``repeats`` calls and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def bray_curtis(n: int, seed: int) -> DistanceMatrix:
    """Bray-Curtis distances of ``n`` random count profiles (non-Euclidean, with ties rare)."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(rng.gamma(0.5, 8.0, size=60), size=(n, 60)) + 0.0
    return DistanceMatrix(squareform(pdist(counts, "braycurtis")), ids=[f"s{i}" for i in range(n)])


METAMDS = """
suppressMessages(library(vegan))
d <- as.dist(as.matrix(read.delim(commandArgs(TRUE)[1], row.names = 1, check.names = FALSE)))
set.seed(7)
seconds <- system.time(fit <- metaMDS(d, k = 2, try = 20, trymax = 20, trace = 0))[["elapsed"]]
cat(sprintf("%.17g %.17g\\n", fit$stress, seconds))
"""


def nmds_row(n: int, repeats: int) -> list[str]:
    """vegan ``metaMDS`` (Rscript, timed inside R) vs ``otuflow.stats.nmds``; same = stress <=."""
    dm = bray_curtis(n, 1)
    if shutil.which("Rscript") is None:
        return [f"NMDS, {n} samples", "vegan metaMDS", "not installed", "", "", ""]
    with tempfile.TemporaryDirectory() as tmp:
        matrix = Path(tmp) / "d.tsv"
        write_distance_matrix(dm, matrix)
        runs = [subprocess.run(["Rscript", "-e", METAMDS, str(matrix)], capture_output=True,
                               text=True, check=True).stdout.split()
                for _ in range(repeats)]  # fmt: skip
    lib_stress = float(runs[-1][0])
    lib_s = min(float(r[1]) for r in runs)
    own_s, fit = best_time(lambda: nmds_search(dm.data, 2, 20, 20, seed=7), repeats)
    same = fit.stress <= lib_stress + 1e-9
    return [f"NMDS, {n} samples, 20 starts (stress {lib_stress:.4f} / {fit.stress:.4f})",
            "vegan metaMDS", f"{lib_s:.2f}", f"{own_s:.2f}", f"{lib_s / own_s:.1f}x",
            "yes" if same else "NO"]  # fmt: skip


def permdisp_row(n: int, repeats: int) -> list[str]:
    dm = bray_curtis(n, 2)
    labels = np.array(["Control", "Opioid-S", "Opioid-T"])[np.arange(n) % 3]

    def library():
        with threadpool_limits(limits=1, user_api="openmp"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = permdisp(dm, list(labels), test="median", permutations=999, seed=3,
                           dimensions=n, warn_neg_eigval=False, engine="cython")
        return float(res["test statistic"]), float(res["p-value"])

    lib_s, (lib_f, lib_p) = best_time(library, repeats)
    own_s, (own_f, own_p) = best_time(lambda: permdisp_median(dm, labels, 999, 3), repeats)
    same = np.isclose(lib_f, own_f, rtol=1e-10) and lib_p == own_p
    return [f"PERMDISP, {n} samples, 999 permutations", "scikit-bio permdisp",
            f"{lib_s:.2f}", f"{own_s:.2f}", f"{lib_s / own_s:.1f}x", "yes" if same else "NO"]


def _vsearch(*args: str) -> None:
    subprocess.run(["vsearch", *args, "--quiet"], check=True, capture_output=True)


def mapping_row(repeats: int, pairs: int = 20000) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        subprocess.run([sys.executable, "-m", "otuflow", "simulate", "--out", str(work / "c"),
                        "--seed", "5", "--samples-per-group", "1,1,1", "--pairs-per-sample",
                        str(pairs)], check=True, capture_output=True)  # fmt: skip
        r1, r2 = work / "c" / "reads" / "C01_R1.fastq.gz", work / "c" / "reads" / "C01_R2.fastq.gz"
        merged, filtered = work / "merged.fq", work / "filtered.fa"
        derep, otus = work / "derep.fa", work / "otus.fa"
        _vsearch("--fastq_mergepairs", str(r1), "--reverse", str(r2), "--relabel", "C01.",
                 "--fastqout", str(merged))
        _vsearch("--fastq_filter", str(merged), "--fastq_maxee", "1", "--fastaout", str(filtered),
                 "--fasta_width", "0")
        _vsearch("--derep_fulllength", str(filtered), "--strand", "plus", "--sizeout",
                 "--relabel", "C01.u", "--output", str(derep), "--fasta_width", "0")
        abundant = work / "abundant.fa"  # OTUs from sequences seen at least twice, as the workflow
        _vsearch("--derep_fulllength", str(derep), "--sizein", "--sizeout", "--minuniquesize",
                 "2", "--output", str(abundant), "--fasta_width", "0")
        _vsearch("--cluster_size", str(abundant), "--id", "0.97", "--sizein",
                 "--centroids", str(otus), "--relabel", "OTU_", "--fasta_width", "0")

        def mapping(query: Path, out: Path, *extra: str):
            _vsearch("--usearch_global", str(query), "--db", str(otus), "--id", "0.97",
                     "--strand", "plus", "--maxaccepts", "8", "--maxrejects", "32", *extra,
                     "--otutabout", str(out), "--threads", "1")
            return sorted(out.read_text().splitlines())

        all_s, all_table = best_time(lambda: mapping(filtered, work / "all.tsv"), repeats)
        uniq_s, uniq_table = best_time(lambda: mapping(derep, work / "uniq.tsv", "--sizein"),
                                       repeats)
        reads, uniques = filtered.read_text().count(">"), derep.read_text().count(">")
    return [f"read mapping, 1 sample ({reads} reads, {uniques} unique)",
            "every read (vsearch)", f"{all_s:.2f}", f"{uniq_s:.2f}", f"{all_s / uniq_s:.1f}x",
            "yes" if all_table == uniq_table else "NO"]


def fasta_row(wrap: int, repeats: int, records: int = 100_000, length: int = 1450) -> list[str]:
    from Bio.SeqIO.FastaIO import SimpleFastaParser

    from otuflow.fastx import read_fasta

    rng = np.random.default_rng(4)
    lineage = "Bacteria;Firmicutes;Bacilli;Lactobacillales;Lactobacillaceae;Lactobacillus"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reference.fasta"
        with open(path, "w") as handle:
            for k in range(records):
                seq = np.frombuffer(b"ACGT", dtype=np.uint8)[rng.integers(0, 4, length)]
                text = seq.tobytes().decode()
                if wrap:
                    text = "\n".join(text[i : i + wrap] for i in range(0, length, wrap))
                handle.write(f">AB{k}.1.{length} {lineage};Lactobacillus sp. {k}\n{text}\n")

        def library():
            with open(path) as handle:
                return list(SimpleFastaParser(handle))

        lib_s, lib_records = best_time(library, repeats)
        own_s, own_records = best_time(lambda: [(r.header, r.sequence) for r in read_fasta(path)],
                                       repeats)
    layout = f"{wrap}-column lines" if wrap else "one line per sequence"
    return [f"FASTA reading, {records:,} x {length:,} nt, {layout}",
            "Biopython SimpleFastaParser", f"{lib_s:.2f}", f"{own_s:.2f}",
            f"{lib_s / own_s:.1f}x", "yes" if lib_records == own_records else "NO"]


def hand_written_sections(path: Path) -> str:
    """Text of ``path`` from the line break before its first ``## `` heading on (or empty)."""
    if not path.is_file():
        return ""
    text = path.read_text()
    start = text.find("\n## ")
    return text[start:] if start >= 0 else ""


def main(argv: list[str] | None = None) -> int:
    """Run the comparisons and write benchmarks/ANALYSIS.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", default="50,200", help="cohort sizes for NMDS/PERMDISP")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "ANALYSIS.md")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.samples.split(",")]
    rows = []
    for n in sizes:
        rows.append(nmds_row(n, args.repeats))
        rows.append(permdisp_row(n, args.repeats))
    rows.append(mapping_row(args.repeats))
    rows += [fasta_row(wrap, args.repeats) for wrap in (0, 60)]
    started = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = ["# Analysis steps: library original vs otuflow's run of it", "",
             f"Run {started} with `python benchmarks/analysis.py --samples {args.samples} "
             f"--repeats {args.repeats}` on {platform.node()} ({platform.processor() or '?'}, "
             f"Python {platform.python_version()}). Both sides of a row ran one after the other "
             "in one process on the same input; seconds are the best of the repeats, so the "
             "ratio is robust to other load on the machine. *Same result*: stress not "
             "above metaMDS's (NMDS), equal F and p (PERMDISP), identical OTU tables (mapping), "
             "identical headers and sequences (FASTA).", "",
             "| step | original | original s | otuflow s | speed-up | same result |",
             "| --- | --- | ---: | ---: | ---: | --- |"]  # fmt: skip
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    args.out.write_text("\n".join(lines) + "\n" + hand_written_sections(args.out))
    print("\n".join(lines))
    return 0 if all(row[-1] == "yes" for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
