"""The HTML report: structure, links, escaping, truncation, no external resources; methods text
and tool versions."""

from __future__ import annotations

import argparse
import os
import stat
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import REPO
from otuflow.report import (
    FigureRef,
    ReportInputError,
    Section,
    TableRef,
    build_report,
    collect_tool_versions,
    methods_text,
    read_versions,
    write_versions,
)
from otuflow.report.cli import add_subcommands
from otuflow.report.tables import dataframe_to_html, format_cell
from otuflow.report.versions import NOT_FOUND, package_version, tool_version

VOID = {"meta", "img", "br", "hr", "link", "input", "source", "col", "area", "base", "wbr"}
EVIL = "<script>alert('x')</script>"


class _Checker(HTMLParser):
    """Collects tags, attributes and text; checks that elements nest properly."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.ids: list[str] = []
        self.text: list[str] = []
        self.cells: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            self.attrs.append((tag, k, v or ""))
            if k == "id":
                self.ids.append(v)
        if tag == "td":
            self._cell = []
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.cells.append("".join(self._cell))
            self._cell = None
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}>, open: {self.stack[-3:]}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _parse(text: str) -> _Checker:
    checker = _Checker()
    checker.feed(text)
    checker.close()
    assert not checker.errors, checker.errors[:5]
    assert not checker.stack, f"unclosed elements {checker.stack}"
    return checker


@pytest.fixture
def report_dir(tmp_path) -> Path:
    (tmp_path / "figures").mkdir()
    for name in ("alpha", "pcoa", "bars"):
        (tmp_path / "figures" / f"{name}.png").write_bytes(b"\x89PNG fake")
    for name in ("alpha", "pcoa"):  # bars has no SVG
        (tmp_path / "figures" / f"{name}.svg").write_text("<svg/>")
    (tmp_path / "tables").mkdir()
    big = pd.DataFrame({
        "feature": [f"Genus{i}" for i in range(12)],
        "mean_a": np.linspace(0.5, 12.25, 12),
        "p": [1.23e-5] + [0.5] * 11,
    })
    big.to_csv(tmp_path / "tables" / "welch.tsv", sep="\t", index=False)
    return tmp_path


def _sections(root: Path) -> list[Section]:
    alpha = pd.DataFrame({"chao1": [120.5, 98.04], "reads": [12345, 678]},
                         index=pd.Index(["P<1>", EVIL], name="sample"))
    return [
        Section("Alpha diversity", "Richness per group.\n\nSecond paragraph with a < sign.",
                [FigureRef("figures/alpha.png", "Chao1 & Shannon per group.")],
                [TableRef("Alpha values", alpha, "Per sample.")]),
        Section("Beta diversity", "<p>Trusted <em>HTML</em>.</p>",
                [FigureRef(root / "figures" / "pcoa.png", "PCoA."), ("figures/bars.png", "Bars.")]),
        Section("Differential abundance", "",
                tables=[TableRef("Welch tests", "tables/welch.tsv", "All genera.", max_rows=5)]),
        Section("Alpha diversity", "A second section with the same title."),
    ]


def test_report_structure_links_and_escaping(report_dir):
    out = build_report(report_dir / "report.html", _sections(report_dir), title="Run <1>",
                       methods="Reads were merged; 5' primer <removed>.",
                       versions={"vsearch": "2.22.1", "tool<x>": "1.0"})
    text = out.read_text()
    doc = _parse(text)
    srcs = [v for tag, k, v in doc.attrs if k == "src"]
    hrefs = [v for tag, k, v in doc.attrs if k == "href"]
    assert srcs == ["figures/alpha.png", "figures/pcoa.png", "figures/bars.png"]
    for link in ("figures/alpha.svg", "figures/pcoa.svg", "figures/alpha.png",
                 "figures/bars.png", "tables/welch.tsv"):
        assert link in hrefs
    assert "figures/bars.svg" not in hrefs  # no SVG beside it
    # Table of contents: every section and Methods, unique anchors that exist.
    anchors = [h[1:] for h in hrefs if h.startswith("#")]
    assert anchors == ["alpha-diversity", "beta-diversity", "differential-abundance",
                       "alpha-diversity-2", "methods"]
    assert set(anchors) <= set(doc.ids) and len(set(doc.ids)) == len(doc.ids)
    # Nothing from data or config is interpreted as markup.
    assert EVIL not in text and "P<1>" not in text and "<removed>" not in text
    assert "&lt;script&gt;" in text and "P&lt;1&gt;" in text
    assert "Run &lt;1&gt;" in text and "tool&lt;x&gt;" in text
    assert doc.tags.count("script") == 0
    assert "<p>Trusted <em>HTML</em>.</p>" in text
    assert "<p>Second paragraph with a &lt; sign.</p>" in text
    # Numbers: separators, fixed decimals per column, p-values in scientific notation.
    assert {"120.5", "98.0", "12,345", "678", "1.2e-05", "0.500"} <= set(doc.cells)


def test_report_has_no_external_resources(report_dir):
    text = build_report(report_dir / "r.html", _sections(report_dir),
                        methods=methods_text({}, {})).read_text()
    doc = _parse(text)
    for _tag, key, value in doc.attrs:
        if key in ("src", "href"):
            assert not value.startswith(("http:", "https:", "//", "data:", "file:")), value
    assert not {"script", "link", "iframe", "object", "embed"} & set(doc.tags)
    assert "@import" not in text and "url(" not in text
    # URLs only appear as citation text (DOIs), never as links.
    assert "doi:10.7717/peerj.2584" in text


def test_long_table_is_truncated_with_link(report_dir):
    text = build_report(report_dir / "r.html", _sections(report_dir)).read_text()
    doc = _parse(text)
    genus_rows = [c for c in doc.cells if c.startswith("Genus")]
    assert genus_rows == [f"Genus{i}" for i in range(5)]
    assert ("Showing the first 5 of 12 rows; full table: "
            '<a href="tables/welch.tsv">welch.tsv</a>.') in text


def test_report_is_deterministic_and_atomic(report_dir):
    a = build_report(report_dir / "a.html", _sections(report_dir)).read_bytes()
    b = build_report(report_dir / "b.html", _sections(report_dir)).read_bytes()
    assert a == b
    assert not [p for p in report_dir.iterdir() if "partial" in p.name]


def test_missing_figure_or_table_is_a_clear_error(report_dir):
    with pytest.raises(ReportInputError, match="figures/nope.png"):
        build_report(report_dir / "r.html", [Section("S", figures=[("figures/nope.png", "")])])
    with pytest.raises(ReportInputError, match="welch2.tsv"):
        build_report(report_dir / "r.html",
                     [Section("S", tables=[("T", "tables/welch2.tsv", "")])])
    assert not (report_dir / "r.html").exists()
    # Without the check the link is written as given.
    text = build_report(report_dir / "r.html", [Section("S", figures=[("figures/nope.png", "")])],
                        check_files=False).read_text()
    assert 'src="figures/nope.png"' in text


def test_paths_with_spaces_are_url_quoted(report_dir):
    (report_dir / "my figs").mkdir()
    (report_dir / "my figs" / "a b.png").write_bytes(b"x")
    text = build_report(report_dir / "r.html",
                        [Section("S", figures=[("my figs/a b.png", "c")])]).read_text()
    assert 'src="my%20figs/a%20b.png"' in text


@pytest.mark.parametrize(
    "value, pvalue, expected",
    [
        (np.nan, False, ""),
        (None, False, ""),
        (1234567, False, "1,234,567"),
        (12.0, False, "12"),
        (0.00001234, True, "1.2e-05"),
        (0.04567, True, "0.046"),
        (1.0, True, "1.000"),
        (True, False, "yes"),
        (3.14159, False, "3.142"),
        (31415.9, False, "31,416"),
    ],
)
def test_cell_formatting(value, pvalue, expected):
    assert format_cell(value, pvalue) == expected


def test_dataframe_to_html_counts_hidden_rows_and_hides_range_index():
    html, hidden = dataframe_to_html(pd.DataFrame({"a": range(10)}), max_rows=3)
    assert hidden == 7
    assert html.count("<tr>") == 4  # header + 3 rows
    assert "<th></th>" not in html  # a plain RangeIndex is not shown


def _config() -> dict:
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["taxonomy"] = {"confidence": 0.8, "reference": "SILVA 138.1 <SSU>"}
    return config


def test_methods_text_cites_parameters_and_versions():
    config = _config()
    versions = {"vsearch": "2.22.1", "cutadapt": "5.2", "MAFFT": "7.505", "FastTree": "2.1.11",
                "scikit-bio": "0.7.4", "snakemake": "9.27.1", "Python": "3.11.7"}
    text = methods_text(config, versions, rarefaction_depth=12345)
    p = config["primers"]
    for needle in (
        f"forward 5'-{p['forward']}-3'", f"reverse 5'-{p['reverse']}-3'",
        "cutadapt 5.2", "vsearch 2.22.1", "MAFFT 7.505", "FastTree 2.1.11", "scikit-bio 0.7.4",
        "snakemake 9.27.1", "Python 3.11.7",
        f"maximum expected errors {config['filter']['max_ee']:g}",
        f"length {config['filter']['min_length']}-{config['filter']['max_length']} nt",
        "OTUs at 97 % identity", "--uchime_denovo", "confidence below 0.8", "SILVA 138.1",
        "rarefied to 12,345 reads", f"({config['diversity']['permutations']} permutations)",
        f"{config['differential']['permutations']} permutations",
        f"used seed {config['seed']}", "Wang et al. (2007)", "White et al. 2009",
    ):
        assert needle in text, needle


def test_methods_text_follows_the_config():
    config = _config()
    config["cluster"]["identity"] = 0.99
    config["primers"]["trim"] = False
    config["chimera"]["reference"] = "gold.fa"
    config["diversity"]["rarefaction_depth"] = None
    config.pop("taxonomy")
    text = methods_text(config, {})
    assert "OTUs at 99 % identity" in text
    assert "without primer trimming" in text and "forward 5'" not in text
    assert "against the reference gold.fa (--uchime_ref)" in text
    assert f"at least {config['diversity']['rarefaction_floor']:,} reads" in text
    assert "bootstrap confidence" not in text  # no classifier settings given
    assert "vsearch (Rognes" in text  # a tool without a known version is named without one


def _fake_tool(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_tool_versions_parse_stdout_stderr_and_missing(tmp_path, monkeypatch):
    _fake_tool(tmp_path, "fasttreeish", 'echo "FastTree Version 9.8.7 Double" >&2; exit 1')
    _fake_tool(tmp_path, "plainver", 'echo "5.2"')
    _fake_tool(tmp_path, "noversion", 'echo "hello"')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    tools = {
        "A": (("fasttreeish",), r"FastTree [Vv]ersion (\d+(?:\.\d+)+)"),
        "B": (("plainver", "--version"), r"^\s*(\d+(?:\.\d+)+\S*)"),
        "C": (("noversion",), r"v(\d+\.\d+)"),
        "D": (("surely-not-installed-xyz",), r"(\d+)"),
    }
    got = collect_tool_versions(tools, packages=("numpy", "no-such-package-xyz"))
    assert got["A"] == "9.8.7"
    assert got["B"] == "5.2"
    assert got["C"] == "unknown (hello)"
    assert got["D"] == NOT_FOUND
    assert got["numpy"] == np.__version__
    assert got["no-such-package-xyz"] == NOT_FOUND
    assert list(got)[:4] == ["A", "B", "C", "D"] and "Python" in got and "otuflow" in got


def test_default_tools_report_a_version_or_not_found():
    got = collect_tool_versions()
    for name in ("vsearch", "cutadapt", "MAFFT", "FastTree"):
        assert got[name] == NOT_FOUND or got[name][0].isdigit(), (name, got[name])
    assert got["pandas"] == pd.__version__
    assert package_version("scikit-bio") != NOT_FOUND


def test_tool_version_timeout_is_reported(tmp_path, monkeypatch):
    _fake_tool(tmp_path, "sleepy", "sleep 5")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert tool_version(("sleepy",), r"(\d+)", timeout=0.2) == "unknown (TimeoutExpired)"


def test_versions_file_round_trip_and_cli(tmp_path):
    versions = {"vsearch": "2.22.1", "FastTree": NOT_FOUND}
    assert read_versions(write_versions(tmp_path / "v.tsv", versions)) == versions
    (tmp_path / "bad.tsv").write_text("software\tversion\nvsearch\n")
    with pytest.raises(ValueError, match="line 2"):
        read_versions(tmp_path / "bad.tsv")
    parser = argparse.ArgumentParser()
    add_subcommands(parser.add_subparsers())
    args = parser.parse_args(["tool-versions", "--out", str(tmp_path / "cli.tsv")])
    assert args.func(args) == 0
    assert read_versions(tmp_path / "cli.tsv")["pandas"] == pd.__version__
