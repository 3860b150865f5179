"""Scaling benchmark: the workflow on simulated cohorts of growing size, same depth per sample.

    python benchmarks/scale.py [--samples 10,50,200] [--pairs 20000] [--cores 2]
                               [--depths 5000,50000]

For every cohort size it simulates a cohort (``otuflow simulate``, seed fixed), runs
``snakemake --cores C`` on it with the repository's config.yaml (rarefaction floor scaled to the
depth) and collects: wall time and CPU time of the run (all child processes), per-rule wall time,
CPU time and peak memory from Snakemake's benchmark files, and per-job wall time of every job from
Snakemake's log (rules without a ``benchmark:`` directive included). The reference is prepared and
the classifier trained once before the timed runs (it is cached per reference, not per cohort) and
reported separately. ``--depths`` also runs the smallest cohort at other read depths, to show
how the share of time outside the external tools falls as samples get deeper. It writes
benchmarks/RESULTS.md and benchmarks/scale.png/.svg.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from cohorts import (
    REPO,
    keep_blocks,
    machine,
    simulate,
    snakemake_command,
    workflow_env,
    write_config,
)

# Rules whose job is an external tool (their share of the run is what the workflow cannot speed up).
TOOL_RULES = {
    "process_reads": "cutadapt + vsearch", "dereplicate_pooled": "vsearch",
    "pool_distinct_sequences": "vsearch", "cluster_otus": "vsearch",
    "remove_chimeras_denovo": "vsearch", "remove_chimeras_reference": "vsearch",
    "sintax_search": "vsearch", "name_otus": "vsearch", "map_distinct": "vsearch",
    "align_otus": "mafft", "build_tree": "FastTree",
}  # fmt: skip
# Cached once per reference, not per cohort: reported apart from the scaling.
ONE_OFF_RULES = ("fetch_silva", "prepare_reference", "train_classifier")
MEMORY_LIMIT_MB = 4096
STAMP = r"^\[(?P<time>\w{3} \w{3} +\d+ [\d:]+ \d{4})\]\n"
JOB_START = re.compile(
    STAMP + r"(?:local)?rule (?P<rule>\w+):\n(?P<block>(?:    .*\n)*)", re.M
)
JOB_END = re.compile(STAMP + r"Finished jobid: (?P<jobid>\d+) \(Rule: (?P<rule>\w+)\)", re.M)


@dataclass
class Run:
    """Measurements of one workflow run."""

    samples: int
    pairs: int
    wall_s: float
    cpu_s: float
    jobs: pd.DataFrame  # rule, jobid, wall_s, benchmark (from the log)
    benchmarks: pd.DataFrame  # rule, file, s, cpu_time, max_rss (from benchmark files)
    load: tuple[float, float] = (0.0, 0.0)
    extra: dict = field(default_factory=dict)


def snakemake(configfile: Path, cores: int, *extra: str) -> subprocess.CompletedProcess:
    """Run the workflow (full log on stdout/stderr); raise with the log tail when it fails."""
    command, env = snakemake_command(configfile, cores, *extra), workflow_env()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"snakemake failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return result


def job_times(log: str) -> pd.DataFrame:
    """Wall time of every job from Snakemake's log (start and end stamps, 1 s resolution)."""
    def stamp(text: str) -> float:
        return dt.datetime.strptime(text, "%a %b %d %H:%M:%S %Y").timestamp()

    starts = {}
    for m in JOB_START.finditer(log):
        fields = dict(re.findall(r"^    (\w+): (.*)$", m["block"], re.M))
        starts[int(fields["jobid"])] = (m["rule"], stamp(m["time"]), fields.get("benchmark"),
                                        int(fields.get("threads", 1)))
    rows = []
    for m in JOB_END.finditer(log):
        jobid = int(m["jobid"])
        if jobid in starts:
            rule, start, benchmark, threads = starts[jobid]
            rows.append({"rule": rule, "jobid": jobid, "wall_s": stamp(m["time"]) - start,
                         "benchmark": benchmark, "threads": threads})  # fmt: skip
    return pd.DataFrame(rows, columns=["rule", "jobid", "wall_s", "benchmark", "threads"])


def read_benchmarks(jobs: pd.DataFrame) -> pd.DataFrame:
    """The benchmark file of every job that has one (named in Snakemake's log), one row per job."""
    rows = []
    for job in jobs.dropna(subset=["benchmark"]).itertuples():
        path = Path(job.benchmark)
        if path.exists():
            row = pd.read_csv(path, sep="\t").iloc[-1]
            rows.append({"rule": job.rule, "file": str(path), "s": float(row["s"]),
                         "cpu_time": float(row["cpu_time"]), "max_rss": float(row["max_rss"]),
                         "threads": int(job.threads)})  # fmt: skip
    return pd.DataFrame(rows, columns=["rule", "file", "s", "cpu_time", "max_rss", "threads"])


def run_key(samples: int, pairs: int) -> str:
    """Name of a run's files in the work folder."""
    return f"{samples}x{pairs}"


def run_cohort(samples: int, pairs: int, cores: int, work: Path, seed: int) -> Run:
    """Simulate one cohort, run the workflow on it and collect the measurements."""
    key = run_key(samples, pairs)
    cohort, outdir = work / f"cohort_{key}", work / f"results_{key}"
    for folder in (cohort, outdir):
        shutil.rmtree(folder, ignore_errors=True)
    simulate(cohort, samples, pairs, seed)
    config = write_config(cohort, outdir, pairs, work / f"config_{key}.yaml")
    # one-off: reference preparation and classifier training (cached under resources/cache/)
    warm = snakemake(config, cores, "--until", "train_classifier")
    load_before = os.getloadavg()[0]
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    result = snakemake(config, cores)
    wall = time.monotonic() - start
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    jobs = job_times(result.stdout + result.stderr)
    bench = read_benchmarks(jobs)
    (work / f"snakemake_{key}.log").write_text(result.stdout + result.stderr)
    one_off = job_times(warm.stdout + warm.stderr)
    return Run(samples, pairs, wall, cpu, jobs, bench, (load_before, os.getloadavg()[0]),
               {"one_off": one_off})


def save_totals(runs: list[Run], path: Path) -> None:
    """Wall time, CPU time and load of every run so far (to rebuild the report later)."""
    pd.DataFrame([{"samples": r.samples, "pairs": r.pairs, "wall_s": r.wall_s, "cpu_s": r.cpu_s,
                   "load_before": r.load[0], "load_after": r.load[1]} for r in runs]
                 ).to_csv(path, sep="\t", index=False)  # fmt: skip


def load_runs(work: Path) -> tuple[list[Run], str, str]:
    """Runs saved in ``work`` by an earlier benchmark (totals, Snakemake logs, benchmark files)."""
    started, host = (work / "machine.txt").read_text().splitlines()[:2]
    runs = []
    for row in pd.read_csv(work / "runs.tsv", sep="\t").itertuples():
        jobs = job_times((work / f"snakemake_{run_key(row.samples, row.pairs)}.log").read_text())
        runs.append(Run(int(row.samples), int(row.pairs), float(row.wall_s), float(row.cpu_s),
                        jobs, read_benchmarks(jobs), (row.load_before, row.load_after),
                        {"one_off": pd.DataFrame(columns=["rule", "jobid", "wall_s"])}))
    return runs, started, host


def growth_exponent(samples: list[int], seconds: list[float]) -> float:
    """Slope b of log(time) = a + b log(samples), least squares (1 = linear growth)."""
    if len(samples) < 2:
        return math.nan
    return float(np.polyfit(np.log(samples), np.log(seconds), 1)[0])


def tool_share(run: Run, cores: int) -> dict[str, float]:
    """Shares of the run inside the external tools (see RESULTS.md for the definitions)."""
    bench = run.benchmarks[~run.benchmarks["rule"].isin(ONE_OFF_RULES)]
    tools = bench[bench["rule"].isin(TOOL_RULES)]
    logged = run.jobs[run.jobs["rule"].isin(TOOL_RULES)]
    # A job holds as many cores as it has threads (Snakemake caps threads at --cores).
    occupied = (tools["s"] * tools["threads"].clip(upper=cores)).sum()
    return {
        "tool_wall_s": float(occupied),
        "outside_wall": 1 - occupied / (cores * run.wall_s),
        "outside_cpu": 1 - tools["cpu_time"].sum() / run.cpu_s if run.cpu_s else math.nan,
        "outside_jobs": 1 - logged["wall_s"].sum() / max(run.jobs["wall_s"].sum(), 1e-9),
    }


def unbenchmarked(run: Run) -> str:
    """Sentence naming the tool rules without benchmark files (left out of the tool time)."""
    missing = sorted(set(TOOL_RULES) - set(run.benchmarks["rule"]))
    return (f" Without a benchmark file, left out of the tool time: {', '.join(missing)}."
            if missing else "")  # fmt: skip


def per_rule(run: Run) -> pd.DataFrame:
    """Jobs, summed wall time (log), benchmarked wall/CPU time and peak memory per rule."""
    logged = run.jobs.groupby("rule")["wall_s"].agg(jobs="count", log_wall_s="sum")
    bench = run.benchmarks.groupby("rule").agg(bench_wall_s=("s", "sum"),
                                               cpu_s=("cpu_time", "sum"),
                                               max_rss_mb=("max_rss", "max"))  # fmt: skip
    return logged.join(bench, how="outer").sort_values("log_wall_s", ascending=False)


def plot(runs: list[Run], exponent: float, path_stem: Path) -> None:
    """Wall and CPU time against cohort size (log-log), with a linear reference line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    samples = np.array([r.samples for r in runs])
    fig, ax = plt.subplots(figsize=(5.5, 4))
    ax.plot(samples, [r.wall_s for r in runs], "o-", label=f"wall time (exponent {exponent:.2f})")
    ax.plot(samples, [r.cpu_s for r in runs], "s--", label="CPU time, all processes")
    line = runs[0].wall_s * samples / samples[0]
    ax.plot(samples, line, ":", color="grey", label="linear from the smallest run")
    ax.set(xscale="log", yscale="log", xlabel="samples in the cohort", ylabel="seconds",
           title=f"otuflow, {runs[0].pairs} read pairs per sample")  # fmt: skip
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    metadata = {"png": {"Software": None}, "svg": {"Date": None}}
    for ext in ("png", "svg"):
        fig.savefig(path_stem.with_suffix(f".{ext}"), dpi=120, metadata=metadata[ext])
    plt.close(fig)


def split_series(runs: list[Run]) -> tuple[list[Run], list[Run]]:
    """Runs at the main depth (by cohort size) and the smallest cohort's runs by depth."""
    main_pairs = max((r.pairs for r in runs), key=lambda p: sum(r.pairs == p for r in runs))
    sizes = sorted((r for r in runs if r.pairs == main_pairs), key=lambda r: r.samples)
    smallest = sizes[0].samples
    depths = sorted((r for r in runs if r.samples == smallest), key=lambda r: r.pairs)
    return sizes, depths if len(depths) > 1 else []


def depth_lines(depths: list[Run], cores: int) -> list[str]:
    """RESULTS.md section: the smallest cohort at several read depths."""
    if not depths:
        return []
    lines = ["", f"## The {depths[0].samples}-sample cohort at several read depths", "",
             "Fixed costs (Snakemake start-up, one Python process per cohort-level step and "
             "figure) do not grow with depth, the tools' work does:", "",
             "| read pairs per sample | wall s | CPU s | tools: core s | outside tools: wall | "
             "outside tools: CPU |", "| ---: | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    for run in depths:
        share = tool_share(run, cores)
        lines.append(f"| {run.pairs} | {run.wall_s:.0f} | {run.cpu_s:.0f} | "
                     f"{share['tool_wall_s']:.0f} | {share['outside_wall']:.0%} | "
                     f"{share['outside_cpu']:.0%} |")
    return lines


def report(all_runs: list[Run], cores: int, seed: int, started: str, host: str) -> str:
    """RESULTS.md text: the run table, per-rule table of the largest run, definitions."""
    runs, depths = split_series(all_runs)
    extra = [r.pairs for r in depths if r.pairs != runs[0].pairs]
    exponent = growth_exponent([r.samples for r in runs], [r.wall_s for r in runs])
    lines = [
        "# Scaling benchmark",
        "",
        f"Run {started} with `python benchmarks/scale.py --samples "
        f"{','.join(str(r.samples) for r in runs)} --pairs {runs[0].pairs} --cores {cores} "
        f"--seed {seed}"
        + (f" --depths {','.join(map(str, extra))}" if extra else "") + "` on "
        f"{host}. The machine was shared with other work (1-min load average before/after "
        "each run is shown), so times carry some noise.",
        "",
        "| samples | wall s | CPU s | wall s / sample | jobs | largest job RSS (rule) | "
        "outside tools: wall | outside tools: CPU | load before/after |",
        "| ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |",
    ]
    for run in runs:
        share = tool_share(run, cores)
        bench = run.benchmarks[~run.benchmarks["rule"].isin(ONE_OFF_RULES)]
        top = bench.loc[bench["max_rss"].idxmax()] if len(bench) else None
        largest = f"{top['max_rss']:.0f} MB ({top['rule']})" if top is not None else "-"
        lines.append(
            f"| {run.samples} | {run.wall_s:.0f} | {run.cpu_s:.0f} | "
            f"{run.wall_s / run.samples:.2f} | {len(run.jobs)} | {largest} | "
            f"{share['outside_wall']:.0%} | {share['outside_cpu']:.0%} | "
            f"{run.load[0]:.1f}/{run.load[1]:.1f} |"
        )
    cpu_exponent = growth_exponent([r.samples for r in runs], [r.cpu_s for r in runs])
    lines += ["", f"Growth with cohort size (least-squares slope of log time on log samples; "
              f"1 = linear, target <= 1.1): wall time **{exponent:.2f}**, CPU time "
              f"**{cpu_exponent:.2f}**. Cores kept busy on average (CPU s / wall s): "
              + ", ".join(f"{r.cpu_s / r.wall_s:.2f} ({r.samples})" for r in runs) + "."]
    for a, b in zip(runs, runs[1:], strict=False):
        ratio = math.log(b.samples / a.samples)
        lines.append(f"From {a.samples} to {b.samples} samples: "
                     f"{(b.wall_s - a.wall_s) / (b.samples - a.samples):.2f} s wall and "
                     f"{(b.cpu_s - a.cpu_s) / (b.samples - a.samples):.2f} s CPU per added "
                     f"sample; local exponent {math.log(b.wall_s / a.wall_s) / ratio:.2f} "
                     f"(wall), {math.log(b.cpu_s / a.cpu_s) / ratio:.2f} (CPU).")
    heavy = pd.concat([r.benchmarks for r in runs])
    heavy = heavy[(heavy["max_rss"] > MEMORY_LIMIT_MB) & ~heavy["rule"].isin(ONE_OFF_RULES)]
    lines.append("Jobs above 4 GB peak memory (classifier training excepted): "
                 + (", ".join(sorted(set(heavy["rule"]))) if len(heavy) else "none") + ".")
    one_off = runs[0].extra["one_off"]
    one_off = one_off[one_off["rule"].isin(ONE_OFF_RULES)]
    if len(one_off):
        lines.append("One-off reference preparation and classifier training before the timed "
                     "runs (cached, not part of the scaling): "
                     + ", ".join(f"{r.rule} {r.wall_s:.0f} s" for r in one_off.itertuples()) + ".")
    lines += depth_lines(depths, cores)
    largest = runs[-1]
    lines += ["", f"## Per rule, {largest.samples} samples", "",
              "Jobs and summed wall time from Snakemake's log (1 s stamps, includes Snakemake's "
              "per-job start-up); benchmarked wall, CPU and peak RSS from the rules' benchmark "
              "files (empty where a rule has no `benchmark:` directive).", "",
              "| rule | jobs | wall s (log) | wall s (benchmark) | CPU s | peak RSS MB |",
              "| --- | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    for rule, row in per_rule(largest).iterrows():
        cells = [f"{row[c]:.0f}" if not pd.isna(row[c]) else "" for c in
                 ("jobs", "log_wall_s", "bench_wall_s", "cpu_s", "max_rss_mb")]  # fmt: skip
        lines.append(f"| {rule}{' (tool)' if rule in TOOL_RULES else ''} | " + " | ".join(cells)
                     + " |")
    lines += ["", "## Definitions", "",
              "- *wall s*: the `snakemake --cores N` run, from start to exit; *CPU s*: user + "
              "system time of every process it started (getrusage of children).",
              "- *outside tools: wall* = 1 - (sum over the jobs of rules that run vsearch, "
              "cutadapt, mafft or FastTree of benchmarked wall time x the cores the job held, "
              "i.e. its threads) / (cores x run wall time): "
              "the share of the machine's time during the run not spent inside the external "
              "tools, i.e. in Python analysis steps, Snakemake orchestration and per-job start-up, "
              "and cores left idle. Tool rules: " + ", ".join(sorted(TOOL_RULES)) + "."
              + unbenchmarked(largest),
              "- *outside tools: CPU* = 1 - (CPU time of those jobs) / (CPU time of the run).",
              "- Per-sample depth is the same in every run, so linear growth means a constant "
              "cost per sample.", ""]  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: run the cohorts, write RESULTS.md and the plot."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", default="10,50,200", help="cohort sizes (default 10,50,200)")
    parser.add_argument("--pairs", type=int, default=20000,
                        help="read pairs per sample (default 20000, a typical MiSeq V3-V4 depth)")
    parser.add_argument("--depths", default="",
                        help="also run the smallest cohort at these read pairs per sample")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=Path, default=REPO / "benchmarks" / "out",
                        help="folder for cohorts and results (default benchmarks/out)")
    parser.add_argument("--results", type=Path, default=REPO / "benchmarks" / "RESULTS.md")
    parser.add_argument("--plot", type=Path, default=REPO / "benchmarks" / "scale",
                        help="plot path without extension (.png and .svg are written)")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite RESULTS.md and the plot from the runs saved in --work")
    args = parser.parse_args(argv)
    if args.report_only:
        runs, started, host = load_runs(args.work)
        args.results.write_text(keep_blocks(args.results,
                                               report(runs, args.cores, args.seed, started, host)))
        sizes, _ = split_series(runs)
        plot(sizes, growth_exponent([r.samples for r in sizes], [r.wall_s for r in sizes]),
             args.plot)
        return 0
    sizes = sorted(int(n) for n in args.samples.split(","))
    if not sizes or min(sizes) < 3:
        parser.error("--samples: cohort sizes must be >= 3 (one sample per group at least)")
    args.work.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    host = machine()
    (args.work / "machine.txt").write_text(f"{started}\n{host}\n")
    depths = sorted({int(p) for p in args.depths.split(",") if p} - {args.pairs})
    plan = [(n, args.pairs) for n in sizes] + [(sizes[0], p) for p in depths]
    runs = []
    for samples, pairs in plan:
        run = run_cohort(samples, pairs, args.cores, args.work, args.seed)
        runs.append(run)
        print(f"{samples} samples x {pairs} pairs: {run.wall_s:.0f} s wall, {run.cpu_s:.0f} s "
              f"CPU, {len(run.jobs)} jobs", flush=True)  # fmt: skip
        # rewritten after every cohort, so a long run leaves results even when stopped
        args.results.write_text(keep_blocks(args.results,
                                               report(runs, args.cores, args.seed, started, host)))
        per_rule(run).to_csv(args.work / f"per_rule_{run_key(samples, pairs)}.tsv", sep="\t")
        save_totals(runs, args.work / "runs.tsv")
    sizes_runs, _ = split_series(runs)
    exponent = growth_exponent([r.samples for r in sizes_runs], [r.wall_s for r in sizes_runs])
    if len(sizes_runs) >= 2:
        plot(sizes_runs, exponent, args.plot)
    print(f"growth exponent {exponent:.2f}; wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
