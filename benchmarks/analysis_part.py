"""The analysis part of the workflow (rarefaction to report) at two commits, side by side.

    python benchmarks/analysis_part.py --before REV [--samples 16] [--pairs 4000] [--repeats 2]

It simulates a cohort (``otuflow simulate``, seed 42), runs the whole workflow once with the code
of ``REV`` (not timed), then re-runs only the analysis part on those results, alternately with
the code of ``REV`` ("before") and of the working tree ("after"), ``--repeats`` times each, on
the same machine in one run. Each side runs its own copy of the repository (``git archive REV``;
the working tree's tracked and untracked files) with its own ``src`` first on ``PYTHONPATH`` and a
shared reference cache, and forces the analysis rules it has (``--forcerun``; upstream jobs are
left alone with ``--rerun-triggers mtime``). Per side it reports the jobs run, their
job-seconds and CPU seconds (Snakemake's benchmark files), and Snakemake's wall time; and whether
every result file (all of ``results/`` but ``benchmarks/`` and ``logs/``) is byte-identical to
the first "before" run's. It prints a Markdown section for benchmarks/ANALYSIS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import filecmp
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from scale import group_sizes, job_times, read_benchmarks, write_config

REPO = Path(__file__).resolve().parents[1]
#: Rules of the analysis part, as named before and after issue 15 (figure_* also counts).
ANALYSIS_RULES = {"rarefy", "alpha_diversity", "beta_diversity", "permanova_summary",
                  "composition", "differential_abundance", "figures", "report"}  # fmt: skip
IGNORED = {"benchmarks", "logs"}


def code_copy(rev: str | None, dest: Path, resources: Path) -> Path:
    """The repository at ``rev`` (None: the working tree) in ``dest``, with a shared cache."""
    dest.mkdir(parents=True)
    if rev is None:
        files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO,
                               check=True, capture_output=True).stdout.split(b"\0")  # fmt: skip
        for name in filter(None, files):
            source = REPO / os.fsdecode(name)
            if source.is_file():
                (dest / source.relative_to(REPO)).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, dest / source.relative_to(REPO))
    else:
        archive = subprocess.run(["git", "archive", rev], cwd=REPO, check=True,
                                 capture_output=True).stdout  # fmt: skip
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    shutil.rmtree(dest / "resources", ignore_errors=True)
    (dest / "resources").symlink_to(resources)
    return dest


def snakemake(code: Path, run: Path, config: Path, cores: int, *extra: str) -> str:
    """Run ``code``'s workflow in ``run``; the log (stdout and stderr)."""
    env = {**os.environ, "PYTHONPATH": str(code / "src"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}  # fmt: skip
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(code / "Snakefile"),
               "--cores", str(cores), "--configfile", str(config), *extra]  # fmt: skip
    result = subprocess.run(command, cwd=run, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"snakemake failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return result.stdout + result.stderr


def analysis_rules(code: Path, run: Path, config: Path) -> list[str]:
    """The analysis rules ``code``'s workflow has."""
    names = snakemake(code, run, config, 1, "--list-rules").split()
    return sorted(n for n in names if n in ANALYSIS_RULES or n.startswith("figure_"))


def differing_files(a: Path, b: Path) -> list[str]:
    """Files of result tree ``a`` missing from ``b`` or not byte-identical (and vice versa)."""
    def files(root: Path) -> set[str]:
        return {str(p.relative_to(root)) for p in root.rglob("*")
                if p.is_file() and p.relative_to(root).parts[0] not in IGNORED}  # fmt: skip

    left, right = files(a), files(b)
    differ = sorted(left ^ right)
    differ += [f for f in sorted(left & right) if not filecmp.cmp(a / f, b / f, shallow=False)]
    return differ


def run_side(code: Path, rules: list[str], run: Path, config: Path, cores: int) -> dict:
    """Force the analysis part once; its jobs, job-seconds, CPU seconds and wall time."""
    start = time.perf_counter()
    log = snakemake(code, run, config, cores, "--rerun-triggers", "mtime", "--forcerun", *rules)
    wall = time.perf_counter() - start
    jobs = job_times(log)
    jobs["benchmark"] = [run / b if isinstance(b, str) else b for b in jobs["benchmark"]]
    benchmarks = read_benchmarks(jobs)
    return {"wall_s": wall, "jobs": len(benchmarks), "job_s": benchmarks["s"].sum(),
            "cpu_s": benchmarks["cpu_time"].sum(), "per_rule": benchmarks}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run both sides and print the Markdown section; 1 if a result file differs."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="git revision of the 'before' code")
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--pairs", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--work", type=Path, help="work folder, kept (default: a temporary one)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="otuflow-analysis-part-"))
    work.mkdir(parents=True, exist_ok=True)
    before_rev = subprocess.run(
        ["git", "rev-parse", "--short", args.before], cwd=REPO, check=True, capture_output=True,
        text=True,
    ).stdout.strip()
    resources = work / "resources"
    resources.mkdir(exist_ok=True)
    sides = {"before": code_copy(args.before, work / "code_before", resources),
             "after": code_copy(None, work / "code_after", resources)}  # fmt: skip
    cohort, run = work / "cohort", work / "run"
    run.mkdir()
    sizes = ",".join(map(str, group_sizes(args.samples)))
    subprocess.run([sys.executable, "-m", "otuflow", "simulate", "--out", str(cohort), "--seed",
                    "42", "--samples-per-group", sizes, "--pairs-per-sample", str(args.pairs)],
                   check=True, capture_output=True)  # fmt: skip
    config = write_config(cohort, Path("results"), args.pairs, work / "config.yaml")
    snakemake(sides["before"], run, config, args.cores)  # the upstream part, once
    rules = {side: analysis_rules(code, run, config) for side, code in sides.items()}
    measured: dict[str, list[dict]] = {"before": [], "after": []}
    differ: dict[str, list[str]] = {"before": [], "after": []}
    reference = work / "results_before"
    for repeat in range(args.repeats):
        for side, code in sides.items():
            measured[side].append(run_side(code, rules[side], run, config, args.cores))
            if repeat == 0 and side == "before":
                shutil.copytree(run / "results", reference)
            else:
                differ[side] += differing_files(reference, run / "results")
    lines = [
        f"Run {dt.datetime.now():%Y-%m-%d %H:%M} with `python benchmarks/analysis_part.py "
        f"--before {before_rev} --samples {args.samples} --pairs {args.pairs} --repeats "
        f"{args.repeats} --cores {args.cores}` on {platform.node()} (Python "
        f"{platform.python_version()}, {os.cpu_count()} cores, shared); before = {before_rev}, "
        "after = this commit. Median of the repeats; job-s and CPU s are the sums of the jobs' "
        "Snakemake benchmarks, wall is Snakemake's whole run of the analysis part.", "",
        "| code | jobs | job-s | CPU s | wall s | result files identical to before's |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for side in sides:
        runs = pd.DataFrame(measured[side]).drop(columns="per_rule")
        same = "yes" if not differ[side] else f"NO: {', '.join(sorted(set(differ[side]))[:5])}"
        lines.append(f"| {side} | {runs['jobs'].median():.0f} | {runs['job_s'].median():.1f} | "
                     f"{runs['cpu_s'].median():.1f} | {runs['wall_s'].median():.1f} | {same} |")
    lines += ["", "Per rule (last repeat): jobs, job-s, CPU s", "",
              "| code | rule | jobs | job-s | CPU s |", "| --- | --- | ---: | ---: | ---: |"]
    for side in sides:
        per_rule = measured[side][-1]["per_rule"].groupby("rule").agg(
            jobs=("s", "size"), s=("s", "sum"), cpu=("cpu_time", "sum"))
        for rule, row in per_rule.sort_values("s", ascending=False).iterrows():
            lines.append(
                f"| {side} | {rule} | {row['jobs']:.0f} | {row['s']:.1f} | {row['cpu']:.1f} |"
            )
    print("\n".join(lines))
    if args.work is None:
        shutil.rmtree(work)
    return 1 if differ["before"] or differ["after"] else 0


if __name__ == "__main__":
    sys.exit(main())
