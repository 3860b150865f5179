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
    "src/otuflow/stats/smacof.py": "NMDS",
    "src/otuflow/stats/welch.py": "STAMP Welch's t-test and confidence interval",
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
