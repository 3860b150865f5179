"""Snakemake profiles (profiles/local, profiles/slurm) and the per-tool conda environments."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO, write_config
from otuflow.simulate import simulate_cohort

PROFILES = REPO / "profiles"
ENVS = REPO / "envs"
RULE_FILES = sorted((REPO / "workflow" / "rules").glob("*.smk"))
# Programs called in rules' shell commands, and the conda package that provides each.
PROGRAM_PACKAGES = {"vsearch": "vsearch", "cutadapt": "cutadapt", "mafft": "mafft",
                    "FastTree": "fasttree", "python": "python"}  # fmt: skip
# Import names of third-party modules and their conda package names.
IMPORT_PACKAGES = {"numpy": "numpy", "pandas": "pandas", "scipy": "scipy",
                   "matplotlib": "matplotlib", "skbio": "scikit-bio", "biom": "biom-format",
                   "Bio": "biopython", "yaml": "pyyaml", "h5py": "h5py", "sklearn": "scikit-learn",
                   "threadpoolctl": "threadpoolctl", "jsonschema": "jsonschema",
                   "statsmodels": "statsmodels"}  # fmt: skip


def _parse_profile(name: str, env: dict[str, str] | None = None):
    """The profile as Snakemake's own command-line parser reads it (unknown keys fail here)."""
    code = (
        "import json, sys; from snakemake.cli import get_argument_parser; "
        f"a = get_argument_parser(profiles=[{str(PROFILES / name)!r}]).parse_args([]); "
        "r = lambda d: {k: getattr(v, 'raw', v) for k, v in (d or {}).items()}; "
        "print(json.dumps({'executor': a.executor, 'cores': a.cores, 'jobs': a.jobs, "
        "'retries': a.retries, 'latency_wait': a.latency_wait, 'keep_going': a.keep_going, "
        "'rerun_triggers': sorted(t.name for t in a.rerun_triggers), "
        "'default_resources': r(a.default_resources), 'resources': r(a.resources), "
        "'set_threads': r(a.set_threads), 'groups': a.groups, "
        "'set_resources': {k: r(v) for k, v in (a.set_resources or {}).items()}}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, **(env or {})}, check=True)  # fmt: skip
    return yaml.safe_load(result.stdout)


def _rules() -> dict[str, str]:
    """Every rule of the workflow and the text of its block."""
    blocks = {}
    for path in RULE_FILES:
        text = path.read_text()
        # rules at the top level and inside `if` blocks (e.g. one per taxonomy method)
        starts = [(m.start(), m.group(1)) for m in re.finditer(r"^ *rule (\w+):", text, re.M)]
        ends = [start for start, _ in starts[1:]] + [len(text)] * bool(starts)
        for (start, name), end in zip(starts, ends, strict=True):
            blocks[name] = text[start:end]
    return blocks


def test_slurm_profile_settings():
    profile = _parse_profile("slurm", {"OTUFLOW_SLURM_PARTITION": "", "OTUFLOW_SLURM_ACCOUNT": ""})
    assert profile["executor"] == "slurm"
    assert profile["jobs"] >= 10 and profile["retries"] >= 1 and profile["latency_wait"] >= 30
    resources = profile["default_resources"]
    # unset site variables: empty partition and account (the plugin then uses the defaults)
    assert resources["slurm_partition"] == "''" and resources["slurm_account"] == "''"
    assert resources["mem_mb"] == "1000 * attempt" and "runtime" in resources
    # heavy steps ask for more threads than the workflow's workstation defaults
    rules = _rules()
    for rule, threads in profile["set_threads"].items():
        declared = re.search(r"threads: (\d+)", rules[rule])
        assert threads > int(declared.group(1) if declared else 1), rule


def test_slurm_partition_and_account_come_from_the_environment():
    profile = _parse_profile("slurm", {"OTUFLOW_SLURM_PARTITION": "bigmem",
                                       "OTUFLOW_SLURM_ACCOUNT": "lab42"})  # fmt: skip
    assert profile["default_resources"]["slurm_partition"] == "'bigmem'"
    assert profile["default_resources"]["slurm_account"] == "'lab42'"


def test_local_profile_settings():
    profile = _parse_profile("local", {"OTUFLOW_MEM_MB": "6000"})
    assert profile["executor"] is None and profile["cores"] == os.cpu_count()
    assert profile["keep_going"] is False
    assert profile["rerun_triggers"] == ["CODE", "INPUT", "MTIME", "PARAMS", "SOFTWARE_ENV"]
    assert profile["resources"]["mem_mb"] == 6000
    # no job asks for more memory than the machine's budget, or the run could not start
    assert all(r["mem_mb"] <= 6000 for r in profile["set_resources"].values())
    default = _parse_profile("local", {"OTUFLOW_MEM_MB": ""})["resources"]["mem_mb"]
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    assert 0.75 * physical < default <= 0.8 * physical


@pytest.mark.parametrize("name", ["local", "slurm"])
def test_profiles_name_only_real_rules(name):
    profile = _parse_profile(name)
    rules = set(_rules())
    named = set(profile["set_threads"]) | set(profile["groups"]) | set(profile["set_resources"])
    assert named <= rules, named - rules


@pytest.fixture(scope="module")
def tiny_cohort(tmp_path_factory):
    root = tmp_path_factory.mktemp("profiles")
    cohort = simulate_cohort(root / "cohort", seed=3, samples_per_group=(2, 1, 1),
                             pairs_per_sample=50)  # fmt: skip
    config = write_config(
        root / "config.yaml", samples=str(cohort / "samples.tsv"), outdir=str(root / "out"),
        taxonomy={"reference_fasta": str(cohort / "reference" / "reference.fasta"),
                  "reference_taxonomy": str(cohort / "reference" / "taxonomy.tsv")},
    )  # fmt: skip
    return root, config


def _dry_run(config: Path, *extra: str) -> str:
    """Dry run (no SLURM cluster reachable); its log."""
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", *extra, "--snakefile", str(REPO / "Snakefile"),
         "--directory", str(REPO), "--configfile", str(config)],
        capture_output=True, text=True,
        env={k: v for k, v in os.environ.items() if k != "SLURM_CONF"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def test_dry_runs_through_both_profiles_plan_the_same_jobs(tiny_cohort):
    _, config = tiny_cohort
    local = _dry_run(config, "--profile", str(PROFILES / "local"))
    slurm = _dry_run(config, "--profile", str(PROFILES / "slurm"), "--slurm-no-account")
    totals = [re.search(r"^total\s+(\d+)$", log, re.M) for log in (local, slurm)]
    assert totals[0] and totals[1] and totals[0].group(1) == totals[1].group(1)
    # SLURM: one job per sample for the read chain, one job maps the cohort's reads
    assert len(re.findall(r"rule process_reads:", slurm)) == 4
    assert len(re.findall(r"rule map_distinct:", slurm)) == 1
    assert "Group job" not in local


def _mem_mb(log: str, rule: str) -> list[int]:
    blocks = re.findall(rf"rule {rule}:\n(?:.*\n)*?\s+resources: .*?mem_mb=(\d+)", log)
    return [int(b) for b in blocks]


# Input files (below outdir) of the rules whose memory request follows their input size.
SIZED_INPUTS = ["work/derep/{s}.fasta", "work/otus/uniques.fasta", "work/otus/distinct.fasta",
                "otu/otus.fasta"]  # fmt: skip
# rule -> (input files one job reads, targets planning one or more of its jobs)
SIZED_RULES = {
    "dereplicate_pooled": (4, ["work/otus/uniques.fasta"]),
    "cluster_otus": (1, ["work/otus/centroids.fasta"]),
    "map_distinct": (2, ["work/mapped/distinct_hits.tsv"]),
}


@pytest.fixture(scope="module")
def memory_requests(tiny_cohort, tmp_path_factory):
    """mem_mb planned for the size-dependent rules with 0.1 MB and with 100 MB input files."""
    _, config = tiny_cohort
    tmp = tmp_path_factory.mktemp("sizes")
    requests = {}
    for size_mb in (0.1, 100):
        out = tmp / f"out{size_mb}"
        for name in {p.format(s=s) for p in SIZED_INPUTS for s in ("C01", "C02", "S01", "T01")}:
            path = out / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as handle:  # sparse: only the size matters to the request
                handle.truncate(int(size_mb * 2**20))
            # per-sample uniques older than the pooled ones, so those count as up to date
            stamp = 1e9 if "derep" in name else 1e9 + 60
            os.utime(path, (stamp, stamp))
        checked = out / "qc" / "primer_trimming.tsv"  # the primer check that gates pooling
        checked.parent.mkdir(parents=True, exist_ok=True)
        checked.write_text("sample\n")
        os.utime(checked, (1e9, 1e9))
        cfg = write_config(tmp / f"c{size_mb}.yaml",
                           **{**yaml.safe_load(config.read_text()), "outdir": str(out)})
        logs = [
            _dry_run(cfg, *[str(out / t) for t in SIZED_RULES["dereplicate_pooled"][1]],
                     "--cores", "2", "--allowed-rules", "dereplicate_pooled",
                     "--forcerun", "dereplicate_pooled"),
            _dry_run(cfg, *[str(out / t) for r in ("cluster_otus", "map_distinct")
                            for t in SIZED_RULES[r][1]],
                     "--cores", "2", "--allowed-rules", "cluster_otus", "map_distinct"),
        ]  # fmt: skip
        requests[size_mb] = {rule: _mem_mb("".join(logs), rule) for rule in SIZED_RULES}
    return requests


@pytest.mark.parametrize("rule", SIZED_RULES)
def test_memory_requests_grow_with_input_size(memory_requests, rule):
    files_per_job, targets = SIZED_RULES[rule]
    small, large = memory_requests[0.1][rule], memory_requests[100][rule]
    assert len(small) == len(large) == len(targets)
    # small inputs ask for about a gigabyte at most; large ones for at least twice their size
    assert max(small) <= 1100
    assert min(large) >= max(small) + 2 * 100 * files_per_job


def _env(path: Path) -> dict[str, str]:
    """Package -> pinned version of a conda environment file."""
    spec = yaml.safe_load(path.read_text())
    assert set(spec) >= {"name", "channels", "dependencies"}, path
    assert spec["channels"][:2] == ["conda-forge", "bioconda"], path
    pins = {}
    for dep in spec["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)=(\d[\w.]*)", dep)
        assert match, f"{path.name}: {dep!r} is not pinned as name=version"
        pins[match.group(1)] = match.group(2)
    return pins


def test_every_conda_env_is_pinned_and_used():
    envs = {path.stem: _env(path) for path in sorted(ENVS.glob("*.yaml"))}
    used = {re.search(r'conda:\s*\n\s*conda_env\("(\w+)"\)', block).group(1)
            for block in _rules().values() if "conda:" in block}  # fmt: skip
    assert used == set(envs)


def test_each_rule_env_provides_the_programs_its_shell_command_calls():
    envs = {path.stem: _env(path) for path in ENVS.glob("*.yaml")}
    checked = 0
    for rule, block in _rules().items():
        env = re.search(r'conda:\s*\n\s*conda_env\("(\w+)"\)', block)
        shell = re.search(r"\n    shell:\n(.*?)(?=\n\n|\Z)", block, re.S)
        if not (env and shell):
            continue
        called = {p for p in PROGRAM_PACKAGES if re.search(rf"(?<![\w/.-]){p}\b", shell.group(1))}
        assert called, f"rule {rule}: no known program in its shell command"
        for program in called:
            assert PROGRAM_PACKAGES[program] in envs[env.group(1)], (rule, program)
        checked += 1
    assert checked >= 8


def _third_party_imports(paths: list[Path]) -> set[str]:
    names = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in ("otuflow",
                                                                               "snakemake")}


def test_python_env_provides_every_import_of_the_scripts_and_package():
    pins = _env(ENVS / "python.yaml")
    sources = sorted((REPO / "scripts").glob("*.py")) + sorted((REPO / "src").rglob("*.py"))
    imports = _third_party_imports(sources)
    unknown = imports - set(IMPORT_PACKAGES)
    assert not unknown, f"add the conda package of {unknown} to IMPORT_PACKAGES and python.yaml"
    missing = {IMPORT_PACKAGES[name] for name in imports} - set(pins)
    assert not missing, f"envs/python.yaml lacks {missing}"


def _package_modules(module: str) -> list[Path]:
    """Source files of the otuflow modules that importing ``module`` runs (itself included)."""
    seen: dict[str, Path] = {}
    todo = ["otuflow", module]
    while todo:
        name = todo.pop()
        path = REPO / "src" / Path(*name.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        if name in seen or not path.is_file():
            continue
        seen[name] = path
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                todo.append(node.module)
            elif isinstance(node, ast.Import):
                todo += [alias.name for alias in node.names]
    return list(seen.values())


def test_reads_env_provides_every_import_of_the_read_check():
    """process_reads runs `python -m otuflow.fastq_check` in the reads env (otuflow installed
    without its dependencies): what the check imports, the env must hold."""
    modules = _package_modules("otuflow.fastq_check")
    assert REPO / "src" / "otuflow" / "fastx.py" in modules
    needed = {IMPORT_PACKAGES[name] for name in _third_party_imports(modules)}
    assert needed <= set(_env(ENVS / "reads.yaml")), needed


def _locked() -> dict[str, str]:
    """Package -> version from requirements.lock (names normalised as conda spells them)."""
    locked = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            locked[name.strip().lower().replace("_", "-")] = version.strip()
    return locked


@pytest.mark.parametrize("env", ["python.yaml", "reads.yaml"])
def test_conda_pins_match_the_tested_lock(env):
    locked = _locked()
    checked = 0
    for package, pin in _env(ENVS / env).items():
        if package in ("python", "vsearch"):  # vsearch comes from Debian here, not from PyPI
            continue
        assert package in locked, f"{env}: {package} is not in requirements.lock"
        parts = pin.split(".")
        assert locked[package].split(".")[: len(parts)] == parts, (
            f"{env}: {package}={pin} but the tests run {locked[package]}; pin the tested version")
        checked += 1
    assert checked >= 1


def test_python_env_post_deploy_installs_this_checkout(tmp_path):
    """What Snakemake runs after creating the python conda env (--sdm conda), run in a fresh venv
    from another folder: afterwards the env imports otuflow from this checkout."""
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    path = os.pathsep.join([str(env / "bin"), os.environ.get("PATH", "")])
    subprocess.run(["bash", str(ENVS / "python.post-deploy.sh")], check=True, cwd=tmp_path,
                   env={**os.environ, "PATH": path})  # fmt: skip
    found = subprocess.run([str(env / "bin" / "python"), "-c",
                            "import otuflow; print(otuflow.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True, check=True)  # fmt: skip
    assert Path(found.stdout.strip()) == REPO / "src" / "otuflow" / "__init__.py"
