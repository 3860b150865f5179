"""Benchmark otuflow's RDP classifier against the Java RDP Classifier 2.10 on the same data.

Default run (about a minute on 2 cores): the real reference ``rdp-16s-ten-per-genus``
(3,994 sequences, 1,184 genera) with 10 % held out; both tools are trained on the rest and
classify the same 5,000 V3-V4 queries (held-out regions plus mutated copies of reference
regions) with 100 bootstraps. Each tool runs as a child process (JVM / Python start-up included);
wall time and peak RSS are taken from ``os.wait4``. Prints times, ratios, peak memory and the
genus-level agreement at confidence 0.8.

``--silva-scale`` adds the full-SILVA-size test: a synthetic reference of 510,000 sequences of
~1,400 nt in 9,500 genera (hierarchical random "16S" with conserved and variable parts), trained
with ``otuflow train`` and used to classify 5,000 V3-V4-length queries (otuflow only). Needs
~1.5 GB of disk in the temporary folder and several minutes.

Usage: ``python benchmarks/classifier.py [--silva-scale] [--threads 2] [--workdir DIR]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from otuflow.classify import rdpjava
from otuflow.classify.reference import load_prepared, write_reference
from otuflow.classify.region import extract_regions
from otuflow.classify.taxonomy_tables import read_taxonomy_table
from otuflow.fastx import read_fasta

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
FWD, REV = "CCTACGGGNGGCWGCAG", "GACTACHVGGGTATCTAATCC"
BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


def run_measured(cmd: list[str]) -> tuple[float, float, float]:
    """Run a command; return wall seconds, peak RSS (GB) and CPU seconds of that child.

    CPU time is user + system, including the child's own waited-for workers: on a shared
    machine it is the load-independent comparison.
    """
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{err[-3000:]}")
    return wall, usage.ru_maxrss / 1024**2, usage.ru_utime + usage.ru_stime


def mutate(seq: str, rate: float, rng: np.random.Generator) -> str:
    """Substitute a fraction ``rate`` of positions with random bases."""
    arr = np.frombuffer(seq.encode(), dtype=np.uint8).copy()
    hit = rng.random(arr.size) < rate
    arr[hit] = rng.choice(BASES, int(hit.sum()))
    return arr.tobytes().decode()


def otuflow_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "otuflow", *args]


def real_data_benchmark(work: Path, threads: int, n_queries: int) -> None:
    records = load_prepared(SHARED / "rdp-16s-ten-per-genus" / "ten_16s.100.fa.gz")
    rng = np.random.default_rng(1)
    held = set(rng.choice(len(records), len(records) // 10, replace=False).tolist())
    ref = [r for i, r in enumerate(records) if i not in held]
    write_reference(ref, work / "ref.fa", work / "ref.tsv")
    held_regions, found = extract_regions([records[i].seq for i in sorted(held)], FWD, REV)
    queries = [s for s, f in zip(held_regions, found, strict=True) if f and len(s) >= 200]
    ref_regions, ref_found = extract_regions([r.seq for r in ref], FWD, REV)
    pool = [s for s, f in zip(ref_regions, ref_found, strict=True) if f and len(s) >= 200]
    while len(queries) < n_queries:
        queries.append(mutate(pool[rng.integers(len(pool))], 0.02, rng))
    qfa = work / "queries.fa"
    qfa.write_text("".join(f">q{i}\n{s}\n" for i, s in enumerate(queries)))

    model = work / "model.npz"
    t_train, m_train, c_train = run_measured(otuflow_cmd(
        "train", "--reference", str(work / "ref.fa"), "--taxonomy", str(work / "ref.tsv"),
        "--out", str(model), "--threads", str(threads)))
    ours_out = work / "otuflow.tsv"
    t_cls, m_cls, c_cls = run_measured(otuflow_cmd("classify", "--model", str(model), "--query",
                                            str(qfa), "--out", str(ours_out), "--threads",
                                            str(threads), "--confidence", "0.8"))
    print(f"reference: {len(ref)} sequences; queries: {len(queries)} V3-V4, 100 bootstraps")
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores; other jobs slow both tools)")
    print(f"otuflow train     {t_train:7.2f} s wall {c_train:7.2f} s CPU  peak RSS "
          f"{m_train:5.2f} GB")
    print(f"otuflow classify  {t_cls:7.2f} s wall {c_cls:7.2f} s CPU  peak RSS {m_cls:5.2f} GB"
          f"  (--threads {threads})")
    if not rdpjava.java_available():
        print("Java RDP Classifier not installed: comparison skipped "
              "(apt-get install rdp-classifier default-jre-headless)")
        return
    from otuflow.classify.model import load_model

    lineages = load_model(model).lineages
    tax, fasta, leaf_names = rdpjava.write_training_files(
        [r.id for r in ref], [r.seq for r in ref], [r.lineage for r in ref],
        ("domain", "phylum", "class", "order", "family", "genus"), work / "java_in")
    jdir = work / "java_model"
    jdir.mkdir(exist_ok=True)
    jt_train, jm_train, jc_train = run_measured(rdpjava.train_command(tax, fasta, jdir))
    props = rdpjava.write_properties(jdir)
    jout = work / "java.tsv"
    jt_cls, jm_cls, jc_cls = run_measured(rdpjava.classify_command(props, qfa, jout, 0.8))
    print(f"RDP 2.10 train    {jt_train:7.2f} s wall {jc_train:7.2f} s CPU  peak RSS "
          f"{jm_train:5.2f} GB")
    print(f"RDP 2.10 classify {jt_cls:7.2f} s wall {jc_cls:7.2f} s CPU  peak RSS {jm_cls:5.2f} GB")
    print(f"speed-up, Java / otuflow: training {jt_train / t_train:.2f}x wall "
          f"({jc_train / c_train:.2f}x CPU), classification {jt_cls / t_cls:.2f}x wall "
          f"({jc_cls / c_cls:.2f}x CPU); peak RSS ratio classification "
          f"{jm_cls / m_cls:.2f}x")
    java = rdpjava.parse_fixrank(jout)
    ours = read_taxonomy_table(ours_out)
    del lineages
    agree = 0
    for row in ours.itertuples(index=False):
        name, _, conf = java[row.OTU_ID][-1]
        jg = leaf_names[name][-1] if conf >= 0.8 else ""
        agree += jg == row.genus
    print(f"genus agreement at confidence 0.8: {agree}/{len(ours)} = {agree / len(ours):.4f}")


def synthetic_silva(work: Path, n_seqs: int, n_genera: int, length: int, seed: int) -> Path:
    """Write a synthetic SILVA-sized reference (FASTA + taxonomy TSV); return the FASTA path."""
    rng = np.random.default_rng(seed)
    n_phyla, n_families = 40, 600
    conserved = rng.random(length) < 0.45  # conserved columns change 10x less
    rate = np.where(conserved, 0.1, 1.0)

    def evolve(parent: np.ndarray, divergence: float, n: int) -> np.ndarray:
        out = np.repeat(parent[None, :], n, axis=0)
        hit = rng.random(out.shape) < divergence * rate[None, :]
        out[hit] = rng.choice(BASES, int(hit.sum()))
        return out

    root = rng.choice(BASES, length)
    phyla = evolve(root, 0.25, n_phyla)
    fam_phylum = rng.integers(n_phyla, size=n_families)
    families = np.vstack([evolve(phyla[p], 0.12, 1) for p in fam_phylum])
    gen_family = rng.integers(n_families, size=n_genera)
    sizes = np.maximum(1, rng.lognormal(0, 1.3, n_genera))
    sizes = np.maximum(1, np.round(sizes / sizes.sum() * n_seqs)).astype(int)
    sizes[np.argmax(sizes)] += n_seqs - sizes.sum()
    fasta, tax = work / "silva_like.fa", work / "silva_like.tsv"
    with open(fasta, "wb") as fa, open(tax, "w") as tx:
        k = 0
        for g in range(n_genera):
            f = gen_family[g]
            p = fam_phylum[f]
            genus = evolve(families[f], 0.06, 1)[0]
            members = evolve(genus, 0.015, sizes[g])
            lineage = (f"d__Bacteria;p__Phylum{p};c__Class{p};o__Order{f};f__Family{f};"
                       f"g__Genus{g}")
            for row in members:
                fa.write(b">s%d\n" % k + row.tobytes() + b"\n")
                tx.write(f"s{k}\t{lineage}\n")
                k += 1
    return fasta


def silva_scale_benchmark(work: Path, threads: int, n_queries: int) -> None:
    t0 = time.perf_counter()
    fasta = work / "silva_like.fa"
    if not (fasta.is_file() and (work / "silva_like.tsv").is_file()):
        fasta = synthetic_silva(work, 510_000, 9_500, 1_400, seed=7)
    print(f"\nsynthetic SILVA-scale reference written in {time.perf_counter() - t0:.0f} s "
          f"({fasta.stat().st_size / 1e9:.2f} GB)")
    model = work / "silva_like.npz"
    t_train, m_train, c_train = run_measured(otuflow_cmd(
        "train", "--reference", str(fasta), "--taxonomy", str(work / "silva_like.tsv"),
        "--out", str(model), "--threads", str(threads)))
    print(f"otuflow train (510,000 seqs, 9,500 genera) {t_train:7.1f} s wall {c_train:7.1f} s "
          f"CPU  peak RSS {m_train:5.2f} GB")
    rng = np.random.default_rng(3)
    picks = np.sort(rng.choice(510_000, n_queries, replace=False))
    wanted = set(picks.tolist())
    queries = [mutate(record.sequence[350:780], 0.01, rng) for record in read_fasta(fasta)
               if int(record.header[1:]) in wanted]  # headers are s0, s1, ...  # fmt: skip
    qfa = work / "silva_queries.fa"
    qfa.write_text("".join(f">q{i}\n{s}\n" for i, s in enumerate(queries)))
    out = work / "silva_out.tsv"
    t_cls, m_cls, c_cls = run_measured(otuflow_cmd("classify", "--model", str(model), "--query",
                                            str(qfa), "--out", str(out), "--threads",
                                            str(threads)))
    print(f"otuflow classify {n_queries} x 430 nt, 100 bootstraps {t_cls:7.1f} s wall "
          f"{c_cls:7.1f} s CPU  peak RSS {m_cls:5.2f} GB  (--threads {threads})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--silva-scale", action="store_true", help="also run the 510k test")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--queries", type=int, default=5000)
    parser.add_argument("--workdir", help="keep files here (default: a temporary folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.workdir or tmp)
        work.mkdir(parents=True, exist_ok=True)
        real_data_benchmark(work, args.threads, args.queries)
        if args.silva_scale:
            silva_scale_benchmark(work, args.threads, args.queries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
