"""The algorithm notes in docs/ are the ones the code cites, and every citation resolves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ALGORITHMS = REPO / "docs" / "algorithms.md"
CITATION = re.compile(r'docs/algorithms\.md,?\s*"([^"]+)"')
SOURCES = sorted(p for folder in ("src", "tests", "benchmarks")
                 for p in (REPO / folder).rglob("*")
                 if p.suffix in {".py", ".R", ".md"} and "egg-info" not in str(p)
                 and p.name != "test_docs.py")  # fmt: skip

# Module -> section of docs/algorithms.md it implements (and must cite).
IMPLEMENTS = {
    "src/otuflow/stats/metastats.py": "Metastats",
    "src/otuflow/stats/qvalue.py": "q-values and other multiple-testing corrections",
    "src/otuflow/classify/bayes.py": "RDP naive Bayesian classifier",
    "src/otuflow/classify/model.py": "RDP naive Bayesian classifier",
    "src/otuflow/stats/alpha.py": "QIIME 1 nonparametric alpha-diversity t-test",
    "src/otuflow/stats/beta.py": "PERMANOVA",
    "src/otuflow/stats/permdisp.py": "PERMDISP",
    "src/otuflow/stats/nmds.py": "NMDS",
    "src/otuflow/stats/betadisper.py": "PERMDISP",
    "src/otuflow/stats/welch.py": "STAMP Welch's t-test and confidence interval",
    "src/otuflow/stats/adonis.py": "PERMANOVA with covariates (marginal terms)",
    "src/otuflow/clinical/compare.py": "Clinical tables, host measures and microbe-host links",
    "src/otuflow/clinical/links.py": "Clinical tables, host measures and microbe-host links",
}


def _sections() -> set[str]:
    return {line[3:].strip() for line in ALGORITHMS.read_text().splitlines()
            if line.startswith("## ")}  # fmt: skip


def _citations(path: Path) -> list[str]:
    return [" ".join(m.group(1).split()) for m in CITATION.finditer(path.read_text())]


def test_citation_pattern_on_a_wrapped_docstring():
    text = 'follows it (docs/algorithms.md, "STAMP Welch\'s t-test\nand confidence interval"):'
    assert [" ".join(m.group(1).split()) for m in CITATION.finditer(text)] == [
        "STAMP Welch's t-test and confidence interval"]


def test_every_citation_names_a_section():
    sections = _sections()
    cited = {(str(p.relative_to(REPO)), c) for p in SOURCES for c in _citations(p)}
    assert len(cited) >= len(IMPLEMENTS)
    assert {(p, c) for p, c in cited if c not in sections} == set()


@pytest.mark.parametrize("module", sorted(IMPLEMENTS))
def test_algorithm_modules_cite_their_section(module):
    assert IMPLEMENTS[module] in _citations(REPO / module)
    assert IMPLEMENTS[module] in _sections()


def test_no_references_to_notes_outside_the_repository():
    stale = [str(p.relative_to(REPO)) for p in SOURCES + sorted((REPO / "docs").rglob("*.md"))
             if re.search(r"ALGORITHMS\.md|NOTES\.md|/work/shared", p.read_text())]
    assert stale == []


# Timings and speed-ups belong in benchmarks/RESULTS.md and benchmarks/ANALYSIS.md.
TIMING = re.compile(r"\b\d+(\.\d+)?(-\d+(\.\d+)?)?\s?x (faster|slower)|\btimes (faster|slower)"
                    r"|\b\d+(\.\d+)?\s?ms\b|\b\d+(\.\d+)?\s?s (for|per|instead|wall)\b")


def test_timing_pattern_by_example():
    assert TIMING.search("gives the same configurations 8-10x faster")
    assert TIMING.search("about 1 ms per permutation")
    assert TIMING.search("49 s for 20 starts")
    assert not TIMING.search("draws max(W // 8, 5) positions in 100 trials")


# Not timings: the simulator's conserved regions evolve 8 times slower (a model parameter).
NOT_TIMINGS = {"src/otuflow/simulate/readme.py: 8x slower"}


def test_no_benchmark_figures_in_the_package():
    quoted = {f"{p.relative_to(REPO)}: {m.group(0)}" for p in sorted((REPO / "src").rglob("*.py"))
              for m in TIMING.finditer(p.read_text())}  # fmt: skip
    assert quoted - NOT_TIMINGS == set()


def test_analysis_benchmark_keeps_hand_written_sections(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("analysis", REPO / "benchmarks" / "analysis.py")
    analysis = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(analysis)
    out = tmp_path / "ANALYSIS.md"
    assert analysis.hand_written_sections(out) == ""
    out.write_text("# Title\n\nRun ...\n\n| a |\n| 1 |\n\n## Notes\n\nkept\n")
    assert analysis.hand_written_sections(out) == "\n## Notes\n\nkept\n"
    out.write_text("# Title\n\n| a |\n")
    assert analysis.hand_written_sections(out) == ""
