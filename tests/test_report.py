"""The HTML report: a run's report from its declared inputs only, every method sentence from the
config; structure, links, escaping, truncation and no external resources of the builder."""

from __future__ import annotations

import base64
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from snakemake.utils import validate

from conftest import REPO
from otuflow.iupac import reverse_complement
from otuflow.plan import RunPlan
from otuflow.report import (
    FigureRef,
    ReportInputError,
    Section,
    TableRef,
    build_report,
    methods_text,
)
from otuflow.report.assemble import FIGURE_SECTIONS, write_workflow_report
from otuflow.report.figures import draw_ordinations
from otuflow.report.tables import dataframe_to_html, format_cell

VOID = {"meta", "img", "br", "hr", "link", "input", "source", "col", "area", "base", "wbr"}
EVIL = "<script>alert('x')</script>"
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"

#: What each tool's version command prints (real outputs), and the Python environment's record.
VERSION_OUTPUTS = {
    "vsearch": "vsearch v2.22.1_linux_x86_64, 23.5GB RAM, 2 cores\nhttps://github.com/torognes/vsearch\n",
    "cutadapt": "5.2\n",
    "mafft": "v7.505 (2022/Apr/10)\n",
    "fasttree": "Detailed usage for FastTree 2.1.11 Double precision (No SSE3):\n",
    "python": "Python\t3.11.7\notuflow\t0.1.0\nscikit-bio\t0.7.4\nnumpy\t2.4.0\n"
    "snakemake\t9.27.1\n",
}


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
        self.code: list[str] = []
        self._code: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            self.attrs.append((tag, k, v or ""))
            if k == "id":
                self.ids.append(v)
        if tag == "td":
            self._cell = []
        if tag == "code":
            self._code = []
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.cells.append("".join(self._cell))
            self._cell = None
        if tag == "code" and self._code is not None:
            self.code.append("".join(self._code))
            self._code = None
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}>, open: {self.stack[-3:]}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._code is not None:
            self._code.append(data)

    def links(self, attr: str) -> list[str]:
        return [v for _tag, k, v in self.attrs if k == attr]


def _parse(text: str) -> _Checker:
    checker = _Checker()
    checker.feed(text)
    checker.close()
    assert not checker.errors, checker.errors[:5]
    assert not checker.stack, f"unclosed elements {checker.stack}"
    return checker


# --- a run's report from a fabricated results folder -------------------------------------------


def _config(outdir: Path, **sections) -> dict:
    """A config validated against the schema (defaults filled in), with ``sections`` merged."""
    config = {"samples": "samples.tsv", "outdir": str(outdir),
              "taxonomy": {"reference_fasta": "reference.fasta"}}  # fmt: skip
    for section, values in sections.items():
        if isinstance(values, dict):
            config.setdefault(section, {}).update(values)
        else:
            config[section] = values
    validate(config, str(SCHEMA))
    return config


def _groups(**sizes: int) -> pd.Series:
    labels = [group for group, n in sizes.items() for _ in range(n)]
    return pd.Series(labels, index=[f"S{i:02d}" for i in range(len(labels))], name="group")


STUDY = {"Control": 3, "Opioid-S": 3, "Opioid-T": 3}
GENERA = [f"Genus{i}" for i in range(20)]


def _tsv(frame: pd.DataFrame, path: str, index: bool = False) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, sep="\t", index=index)


def _write_tables(files: dict[str, str], plan: RunPlan, groups: pd.Series) -> None:
    """Plausible contents for every table the report reads, shaped like the workflow's."""
    rng = np.random.default_rng(1)
    samples = list(groups.index)
    otus = pd.Index([f"OTU_{i}" for i in range(1, 13)], name="OTU_ID")
    counts = pd.DataFrame(rng.integers(0, 400, (len(otus), len(samples))), otus, samples)
    taxonomy = pd.DataFrame({"domain": "Bacteria", "phylum": "Bacillota",
                             "genus": [GENERA[i] if i % 4 else "" for i in range(len(otus))],
                             "species": ""}, index=otus)  # a reference without species names
    genus = pd.DataFrame(rng.integers(0, 300, (len(GENERA), len(samples))),
                         pd.Index(GENERA, name="genus"), samples)  # fmt: skip
    depth = 1200
    kept, dropped = samples[:-1], samples[-1:]
    alpha = pd.DataFrame({"group": groups[kept], "depth": depth, "observed_otus": 10,
                          "chao1": 11.5, "shannon_2": 2.5}, index=pd.Index(kept, name="sample"))
    tables = {
        "groups": pd.DataFrame({"sample": samples, "group": groups.to_numpy()}),
        "read_tracking": pd.DataFrame({"sample": samples, "input": 2000, "mapped": 1500,
                                       "warning": ""}),
        "otu_table": counts.reset_index(),
        "otu_taxonomy": taxonomy.reset_index(),
        "alpha": alpha.reset_index(),
        "alpha_tests": pd.DataFrame({"metric": "chao1", "comparison": ["all groups"],
                                     "test": "kruskal", "p": 0.31}),
        "excluded_samples": pd.DataFrame({"sample": dropped, "mapped": 800,
                                          "reason": "fewer mapped reads than 1000"}),
        "rarefaction_dropped": pd.DataFrame({"sample": dropped, "reads": 800, "depth": depth,
                                             "reason": "below the rarefaction depth"}),
        "permanova": pd.DataFrame({"metric": "braycurtis", "comparison": ["all groups"],
                                   "pseudo_F": 2.1, "R2": 0.26, "p": 0.012}),
        "genus_group_means": genus.T.groupby(groups).mean().T.reset_index(),
        "genus_table": genus.reset_index(),
        "differential_kruskal": pd.DataFrame({"genus": GENERA, "h": 1.5, "p": 0.4, "q": 0.8}),
        "differential_summary": pd.DataFrame({"comparison": [c.label for c in plan.comparisons],
                                              "test": "metastats", "features": len(GENERA)}),
        "differential_counts": genus.reset_index(),
        "differential_relative": (genus / genus.sum()).reset_index(),
    }
    for name, frame in tables.items():
        _tsv(frame, files[name])
    for name, path in files.items():
        if name.startswith("differential_") and name not in tables:  # one test, one comparison
            _tsv(pd.DataFrame({"genus": GENERA, "group_a": "a", "group_b": "b",
                               "p": np.linspace(0.001, 0.9, len(GENERA)),
                               "q": np.linspace(0.01, 0.95, len(GENERA))}), path)  # fmt: skip


def fabricate_run(config: dict, groups: pd.Series) -> tuple[RunPlan, dict]:
    """Write every file the plan declares for the report; returns the plan and the inputs."""
    plan = RunPlan.from_config(config, groups)
    files = plan.report_inputs()
    _write_tables(files, plan, groups)
    for figure in plan.figures():
        for path in plan.figure_files(figure):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_bytes(b"\x89PNG fake" if path.endswith(".png") else b"<svg/>")
    for key, text in VERSION_OUTPUTS.items():
        Path(files[f"version_{key}"]).parent.mkdir(parents=True, exist_ok=True)
        Path(files[f"version_{key}"]).write_text(text)
    svg = [plan.path("figure", stem=f.stem, ext=".svg") for f in plan.figures()]
    return plan, {**files, "svg": svg}


def _render(tmp_path: Path, samples: pd.Series | None = None, **sections):
    """Fabricate a run with a config of ``sections`` and write its report into the outdir."""
    config = _config(tmp_path / "results", **sections)
    plan, inputs = fabricate_run(config, _groups(**STUDY) if samples is None else samples)
    out = write_workflow_report(plan.path("report"), inputs, plan, config)
    text = out.read_text()
    doc = _parse(text)
    return out, text, doc, " ".join("".join(doc.text).split()), plan, inputs


def _targets(doc: _Checker, report: Path) -> set[Path]:
    """Every file the report names (as text, relative to its folder), resolved."""
    return {(report.parent / name).resolve() for name in doc.code}


def _embedded(doc: _Checker) -> list[bytes]:
    """The images embedded in the report (every ``src`` must be a base64 PNG data URI)."""
    prefix = "data:image/png;base64,"
    sources = doc.links("src")
    assert all(src.startswith(prefix) for src in sources), [s[:40] for s in sources]
    return [base64.b64decode(src[len(prefix):]) for src in sources]


def _only_anchor_links(doc: _Checker) -> None:
    """A report copied alone has no broken link: it links only to its own sections."""
    hrefs = doc.links("href")
    assert all(h.startswith("#") for h in hrefs), [h for h in hrefs if not h.startswith("#")]


def test_report_of_a_run_states_the_default_parameters(tmp_path):
    out, html, doc, text, plan, inputs = _render(tmp_path)
    for needle in (
        "9 samples (Control: n = 3; Opioid-S: n = 3; Opioid-T: n = 3); 12 OTUs at 97 % identity",
        "clustered into OTUs at 97 % identity", "mapped to an OTU at ≥ 97 % identity",
        "RDP naive Bayesian classifier (Wang et al. 2007)", "100 bootstrap trials",
        "confidence below 0.8", "Ranks below the RDP cut-off (0.8)",
        "rarefied to 1,200 reads (the smallest sample total of at least 1,000 reads",
        "1 sample(s) were left out (below the depth, or excluded): S08.",
        "1 sample(s) are left out of composition, differential abundance and alpha and beta "
        "diversity: S08 (fewer mapped reads than 1000).",
        "compare_alpha_diversity (999 Monte Carlo permutations)",
        "PERMANOVA (Anderson 2001; 999 permutations)",
        "PERMDISP (Anderson 2006; distances to group spatial medians as vegan's betadisper, "
        "negative-eigenvalue axes included; p from 999 permutations of the ANOVA residuals",
        "from the PCoA configuration and 20 random starts and up to 50 until the best solution "
        "repeated", "95 % confidence ellipses",
        "Metastats (White et al. 2009; 1000 permutations", "95 % CI of the difference",
        "Metastats q < 0.05 were called", "Shannon index with log base 2",
        "A Metastats p-value is never reported as 0", "1/(1000 (H + 1)) for the pooled null",
        "1/1001 for the per-taxon null",
        "Opioid vs Control: Welch's t-test, difference in mean proportions with 95 % CI",
        "vsearch 2.22.1", "cutadapt 5.2", "MAFFT 7.505", "FastTree 2.1.11", "scikit-bio 0.7.4",
        "snakemake 9.27.1", "on Python 3.11.7", "used seed 42",
    ):
        assert needle in text, needle
    assert "SINTAX" not in text and "Edgar 2016" not in text
    assert "SILVA" not in text and "Quast et al." not in text  # a local reference was used
    assert not re.search(r"\bFig(ure|\.)? ?\d+[A-F]", text)  # no figure of an unseen paper
    # Every figure of the plan, its SVG and every declared table is named where it lies.
    targets = _targets(doc, out)
    declared = {Path(p).resolve() for k, p in inputs.items() if k not in ("svg",)
                and not k.startswith("version_")} | {Path(p).resolve() for p in inputs["svg"]}
    assert declared <= targets
    assert targets <= declared  # nothing else
    sections = list(dict.fromkeys(FIGURE_SECTIONS.values()))  # figures in plan order per section
    by_section = sorted(plan.figures(), key=lambda f: sections.index(FIGURE_SECTIONS[f.kind]))
    assert _embedded(doc) == [(out.parent / "figures" / f"{f.stem}.png").read_bytes()
                              for f in by_section]  # fmt: skip
    _only_anchor_links(doc)
    anchors = [h[1:] for h in doc.links("href") if h.startswith("#")]
    assert anchors == ["samples-and-groups", "read-tracking", "otus-and-taxonomy",
                       "alpha-diversity", "beta-diversity", "differential-abundance", "methods"]
    # Metastats tables sorted by q, one per comparison, titled by the comparison's label.
    titles = [t for t in doc.text if t.startswith("Table ")]
    assert [t.split(". ", 1)[1] for t in titles if "Metastats" in t] == [
        f"Metastats, {c.label}" for c in plan.comparisons
    ]


def test_report_follows_the_config(tmp_path):
    _, html, doc, text, *_ = _render(
        tmp_path,
        cluster={"identity": 0.99}, mapping={"identity": 0.99},
        diversity={"permutations": 99, "nmds_starts": 7, "nmds_max_starts": 7,
                   "shannon_base": 2.718281828, "permdisp_definition": "scikit-bio",
                   "permdisp_centre": "centroid"},
        taxonomy={"method": "sintax", "confidence": 0.6},
        differential={"confidence": 0.9, "q_threshold": 0.1, "permutations": 500},
    )
    assert "99 %" in text and "97 %" not in text
    assert "12 OTUs at 99 % identity" in text
    assert "99 permutations" in text and "99 Monte Carlo permutations" in text
    assert "999" not in html.split("References")[0]  # (a DOI below holds 9993)
    assert "SINTAX (Edgar 2016), vsearch 2.22.1 --sintax" in text
    assert "cut-off 0.6 (--sintax_cutoff)" in text
    assert "Ranks below the SINTAX cut-off (0.6)" in text
    assert "RDP" not in html and "naive bayesian" not in html.lower() and "Wang et al" not in html
    assert "90 % CI" in text and "95 % CI" not in text
    assert "Metastats q < 0.1 were" in text and "q < 0.05" not in text
    assert "Metastats (White et al. 2009; 500 permutations" in text
    assert "1/(500 (H + 1)) for the pooled null" in text and "1/501 for the per-taxon" in text
    assert "PCoA configuration and 7 random starts, best solution kept" in text
    assert "log base 2.71828" in text
    assert ("distances to group centroids as scikit-bio's permdisp, positive-eigenvalue axes only; "
            "p from 99 permutations of the group labels") in text and "betadisper" not in text


def test_report_reads_only_its_inputs(tmp_path):
    config = _config(tmp_path / "results")
    plan, inputs = fabricate_run(config, _groups(**STUDY))
    # Move every input to its own folder, in a layout unlike the outdir's, then drop the outdir.
    moved: dict = {}
    for i, (name, path) in enumerate(sorted(inputs.items())):
        if name == "svg":
            continue
        moved[name] = tmp_path / "scattered" / f"{i:03d}" / Path(path).name
        moved[name].parent.mkdir(parents=True)
        shutil.copy(path, moved[name])
    moved["svg"] = []
    for path in inputs["svg"]:
        moved["svg"].append(tmp_path / "vector graphics" / Path(path).name)
        moved["svg"][-1].parent.mkdir(exist_ok=True)
        shutil.copy(path, moved["svg"][-1])
    shutil.rmtree(tmp_path / "results")
    out = write_workflow_report(tmp_path / "elsewhere" / "report.html", moved, plan, config)
    doc = _parse(out.read_text())
    targets = _targets(doc, out)
    expected = {p.resolve() for k, p in moved.items() if k != "svg" and not k.startswith("version")}
    assert targets == expected | {p.resolve() for p in moved["svg"]}
    assert all(t.is_file() for t in targets)
    assert "../vector graphics/alpha_diversity.svg" in doc.code
    assert not (tmp_path / "results").exists()
    # An input that was not given is named, not looked for in the outdir.
    del moved["alpha_tests"]
    with pytest.raises(ReportInputError, match="'alpha_tests'"):
        write_workflow_report(tmp_path / "elsewhere" / "r2.html", moved, plan, config)


def test_captions_name_groups_whose_names_contain_vs(tmp_path):
    groups = _groups(A=3, B=3, C=3)
    _, html, doc, text, plan, _ = _render(
        tmp_path, groups, groups={"order": ["C", "A", "B"]},
        differential={"pooled": {"A_vs_B": ["A", "B"]}, "reference": "C"},
    )
    assert [c.label for c in plan.comparisons] == ["A_vs_B vs C", "A vs C", "B vs C", "A vs B"]
    assert plan.comparisons[0].slug == "A_vs_B_vs_C"
    assert "A_vs_B vs C: Welch's t-test" in text
    assert "Metastats, A_vs_B vs C" in text
    assert "A vs B vs C" not in text  # what parsing the slug "A_vs_B_vs_C" would give
    assert "A vs B: Welch's t-test" in text


def _table_html(html: str, title: str) -> str:
    """The ``<table>`` under the heading that ends with ``title``."""
    start = html.index(f"{title}</h3>")
    return html[start:html.index("</table>", start)]


def test_metastats_tables_show_no_row_index(tmp_path):
    config = _config(tmp_path / "results")
    plan, inputs = fabricate_run(config, _groups(**STUDY))
    for comparison in plan.comparisons:  # rows not in q order, as the test writes them
        path = inputs[f"differential_metastats_{comparison.slug}"]
        _tsv(pd.read_csv(path, sep="\t").iloc[::-1], path)
    html = write_workflow_report(plan.path("report"), inputs, plan, config).read_text()
    for comparison in plan.comparisons:
        table = _table_html(html, f"Metastats, {comparison.label}")
        assert "<tr><th>" not in table.split("<tbody>")[1]  # no index cell before the row
        assert "<thead><tr><th>genus</th>" in table
        assert "<tr><td>Genus0</td>" in table  # smallest q first


def test_metastats_p_upper_bounds_are_shown_as_less_than(tmp_path):
    config = _config(tmp_path / "results")
    plan, inputs = fabricate_run(config, _groups(**STUDY))
    comparison = plan.comparisons[0]
    path = inputs[f"differential_metastats_{comparison.slug}"]
    table = pd.read_csv(path, sep="\t")
    # Genus0: no pooled null |t| beyond the observed one (B = 1000, H = 20); Genus1: the same
    # number from a count of one, the published p.
    table.loc[[0, 1], "p"] = 1 / (1000 * 21)
    table["p_upper_bound"] = [True] + [False] * (len(table) - 1)
    _tsv(table, path)
    html = write_workflow_report(plan.path("report"), inputs, plan, config).read_text()
    shown = _table_html(html, f"Metastats, {comparison.label}")
    assert '<tr><td>Genus0</td><td>a</td><td>b</td><td class="num">&lt; 4.8e-05</td>' in shown
    assert '<tr><td>Genus1</td><td>a</td><td>b</td><td class="num">4.8e-05</td>' in shown
    assert shown.count("&lt;") == 1
    assert "p_upper_bound" not in shown  # folded into the p column


def test_both_weighted_unifrac_forms_are_labelled_apart(tmp_path):
    config = _config(tmp_path / "results")  # the schema's default metrics: both forms
    plan, inputs = fabricate_run(config, _groups(**STUDY))
    assert {"weighted_unifrac", "weighted_normalized_unifrac"} <= set(plan.beta_metrics)
    _tsv(pd.DataFrame({"metric": list(plan.beta_metrics), "comparison": "all groups",
                       "pseudo_F": 2.0, "R2": 0.2, "p": 0.01}), inputs["permanova"])
    html = write_workflow_report(plan.path("report"), inputs, plan, config).read_text()
    text = " ".join("".join(_parse(html).text).split())
    raw = "weighted UniFrac (unnormalised, QIIME)"
    normalised = "weighted UniFrac (normalised, phyloseq default)"
    for kind in ("PCoA", "NMDS"):
        assert f"{kind} of {raw} distances" in text and f"{kind} of {normalised} distances" in text
    assert (
        f"Beta diversity (unweighted UniFrac, {raw}, {normalised}, Bray-Curtis and Jaccard; "
        "UniFrac: Lozupone and Knight 2005)"
    ) in text
    assert "two forms that are not comparable" in text
    permanova = _table_html(html, "PERMANOVA and PERMDISP")
    cells = re.findall(r"<tr><td>([^<]*)</td>", permanova)
    assert cells == ["unweighted UniFrac", raw, normalised, "Bray-Curtis", "Jaccard"]


def test_ordination_titles_name_the_weighted_unifrac_form(tmp_path):
    ids = [f"s{i}" for i in range(6)]
    groups = ["Control"] * 3 + ["Opioid-S"] * 3
    rng = np.random.default_rng(0)
    _tsv(pd.DataFrame({"sample": ids, "group": groups}), tmp_path / "groups.tsv")
    for axes, name in ((("PC1", "PC2"), "pcoa"), (("NMDS1", "NMDS2"), "nmds")):
        coords = pd.DataFrame(rng.normal(size=(6, 2)), columns=list(axes)).assign(group=groups)
        _tsv(coords.assign(sample=ids).set_index("sample"), tmp_path / f"{name}.tsv", index=True)
    _tsv(pd.DataFrame({"method": ["pcoa", "pcoa", "nmds"], "statistic": "x",
                       "axis": ["PC1", "PC2", ""], "value": [0.3, 0.2, 0.1], "note": ""}),
         tmp_path / "summary.tsv")
    _tsv(pd.DataFrame({"comparison": ["all groups"], "pseudo_F": 2.0, "R2": 0.2, "p": 0.01}),
         tmp_path / "permanova.tsv")
    tables = [tmp_path / f"{n}.tsv" for n in ("pcoa", "nmds", "summary", "permanova", "groups")]
    titles = {}
    for metric in ("weighted_unifrac", "weighted_normalized_unifrac"):
        out = [tmp_path / f"{kind}_{metric}" for kind in ("pcoa", "nmds")]
        draw_ordinations(metric, *tables, None, None, *out)
        svg = [path.with_suffix(".svg").read_text() for path in out]
        titles[metric] = [re.findall(r"(?:PCoA|NMDS), [^<]*", text) for text in svg]
    assert titles == {
        "weighted_unifrac": [
            ["PCoA, Weighted UniFrac (unnormalised, QIIME)"],
            ["NMDS, Weighted UniFrac (unnormalised, QIIME)"],
        ],
        "weighted_normalized_unifrac": [
            ["PCoA, Weighted UniFrac (normalised, phyloseq default)"],
            ["NMDS, Weighted UniFrac (normalised, phyloseq default)"],
        ],
    }


def test_composition_captions_hold_whatever_the_number_of_taxa(tmp_path):
    _, html, doc, text, *_ = _render(tmp_path, composition={"top_phyla": 12})
    assert "Top 12" not in text and "Top 30" not in text
    assert "Most abundant phyla (up to 12; the rest summed as Other) per sample." in text
    assert "Most abundant genera (up to 30; the rest summed as Other), group means." in text


def test_ranks_without_any_assignment_are_left_out_with_a_note(tmp_path):
    _, html, doc, text, *_ = _render(tmp_path)
    table = _table_html(html, "Assignment per rank")
    assert "<td>genus</td>" in table and "<td>species</td>" not in table
    assert "No OTU was assigned at species rank" in text


def test_report_source_has_no_hard_coded_parameters():
    source = "\n".join(p.read_text() for p in (REPO / "src" / "otuflow" / "report").glob("*.py"))
    assert "_vs_" not in source  # a comparison's file-name part is never parsed
    source = source.replace("ELLIPSE_LEVEL = 0.95", "")  # a drawing parameter, not in the config
    assert not re.findall(r"(?<![\d.])(97|999|0\.05|0\.95|95 %)(?![\d])", source)


# --- methods text ------------------------------------------------------------------------------


VERSIONS = {"vsearch": "2.22.1", "cutadapt": "5.2", "MAFFT": "7.505", "FastTree": "2.1.11",
            "scikit-bio": "0.7.4", "snakemake": "9.27.1", "Python": "3.11.7"}  # fmt: skip


def test_methods_text_cites_parameters_and_versions(tmp_path):
    config = _config(tmp_path, chimera={"reference": "gold <chimeras>.fa"})
    text = methods_text(config, VERSIONS, rarefaction_depth=12345)
    p, f = config["primers"], config["filter"]
    for needle in (
        f"forward 5'-{p['forward']}-3', reverse 5'-{p['reverse']}-3'",
        "where a read ran through the amplicon, the reverse complement of the other primer and "
        "everything after it (the Illumina adapter) were removed from its 3' end",
        "maximum error rate 0.1", "pairs without both primers discarded",
        f"maximum expected errors {f['max_ee']:g}",
        f"length {f['min_length']}-{f['max_length']} nt",
        "minimum overlap 16 nt", "fewer than 2 times", "de novo (--uchime_denovo) and against "
        "the reference gold <chimeras>.fa (--uchime_ref)", "rarefied to 12,345 reads",
        "reference.fasta, cut to the amplified region", "8-mer words",
    ):
        assert needle in text, needle
    references = text.split("\n\nReferences\n\n")[1]
    for cited in ("Martin M (2011)", "Edgar RC, Haas BJ", "Wang Q", "Lozupone C",
                  "Mölder F", "Storey JD"):
        assert cited in references, cited
    assert "SINTAX" not in references and "Quast C" not in references


def test_methods_text_follows_the_config(tmp_path):
    config = _config(
        tmp_path, primers={"trim": False}, chimera={"denovo": False},
        diversity={"rarefaction_depth": 5000, "beta_metrics": ["braycurtis"]},
        taxonomy={"source": "silva", "method": "sintax", "extract_region": False},
    )
    text = methods_text(config, {"vsearch": "not installed"}, rarefaction_depth=5000)
    assert "without primer trimming" in text and "forward 5'" not in text
    # cutadapt still removes the configured adapters where a read runs through the amplicon.
    p = config["primers"]
    r1, r2 = reverse_complement(p["adapter_r2"]), reverse_complement(p["adapter_r1"])
    assert (f"Illumina adapters read through at the 3' end (5'-{r1}-3' in the forward reads, "
            f"5'-{r2}-3' in the reverse reads) were removed with cutadapt (Martin 2011; maximum "
            "error rate 0.1)") in text
    assert "Martin M (2011)" in text
    assert "Chimeric" not in text and "Edgar RC, Haas" not in text
    assert "rarefied to 5,000 reads (the depth set in the config" in text
    assert "Beta diversity (Bray-Curtis) was" in text and "UniFrac" not in text
    assert "SILVA (SILVA_138.1_SSURef_NR99_tax_silva.fasta.gz; Quast et al. 2013)" in text
    assert "cut to the amplified region" not in text
    assert "Quast C et al. (2013)" in text and "Edgar RC (2016) SINTAX" in text
    assert "merged with vsearch (Rognes" in text  # a version not installed is left out
    assert "could not be analysed" in methods_text(config, {}, rarefaction_depth=None)


# --- the report builder ------------------------------------------------------------------------


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
    hrefs = doc.links("href")
    assert _embedded(doc) == [(report_dir / "figures" / f"{n}.png").read_bytes()
                              for n in ("alpha", "pcoa", "bars")]  # fmt: skip
    for name in ("figures/alpha.svg", "figures/pcoa.svg", "figures/alpha.png",
                 "figures/bars.png", "tables/welch.tsv"):
        assert name in doc.code
    assert "figures/bars.svg" not in doc.code  # no SVG beside it
    _only_anchor_links(doc)
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


def test_svg_and_files_given_by_path_are_linked_relative_to_the_report(report_dir):
    (report_dir / "vectors").mkdir()
    (report_dir / "vectors" / "bars vector.svg").write_text("<svg/>")
    section = Section("S", figures=[FigureRef(report_dir / "figures" / "bars.png", "c",
                                              svg=report_dir / "vectors" / "bars vector.svg")],
                      files=[report_dir / "tables" / "welch.tsv",
                             report_dir / "figures" / "alpha.svg"])
    doc = _parse(build_report(report_dir / "sub" / "r.html", [section]).read_text())
    assert _embedded(doc) == [(report_dir / "figures" / "bars.png").read_bytes()]
    assert doc.code == ["../figures/bars.png", "../vectors/bars vector.svg",
                        "../tables/welch.tsv", "../figures/alpha.svg"]  # fmt: skip
    _only_anchor_links(doc)
    with pytest.raises(ReportInputError, match="nope.svg"):
        build_report(report_dir / "r.html", [Section("S", figures=[
            FigureRef("figures/bars.png", svg="figures/nope.svg")])])  # fmt: skip
    with pytest.raises(ReportInputError, match="nope.tsv"):
        build_report(report_dir / "r.html", [Section("S", files=["nope.tsv"])])


def test_report_has_no_external_resources(report_dir):
    text = build_report(report_dir / "r.html", _sections(report_dir),
                        methods=methods_text(_config(report_dir), {}, 1000)).read_text()
    doc = _parse(text)
    _embedded(doc)  # images are data URIs
    _only_anchor_links(doc)
    for _tag, key, value in doc.attrs:
        if key in ("src", "href"):
            assert not value.startswith(("http:", "https:", "//", "file:")), value
    assert not {"script", "link", "iframe", "object", "embed"} & set(doc.tags)
    assert "@import" not in text and "url(" not in text
    # URLs only appear as citation text (DOIs), never as links.
    assert "doi:10.7717/peerj.2584" in text


def test_long_table_is_truncated_with_link(report_dir):
    text = build_report(report_dir / "r.html", _sections(report_dir)).read_text()
    doc = _parse(text)
    genus_rows = [c for c in doc.cells if c.startswith("Genus")]
    assert genus_rows == [f"Genus{i}" for i in range(5)]
    assert ("Showing the first 5 of 12 rows; full table: <code>tables/welch.tsv</code> in the "
            "results folder.") in text


def test_report_is_deterministic_and_atomic(tmp_path):
    config = _config(tmp_path / "results")
    plan, inputs = fabricate_run(config, _groups(**STUDY))
    a = write_workflow_report(tmp_path / "results" / "a.html", inputs, plan, config).read_bytes()
    b = write_workflow_report(tmp_path / "results" / "b.html", inputs, plan, config).read_bytes()
    assert a == b
    assert not [p for p in (tmp_path / "results").iterdir() if "partial" in p.name]


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
    """A missing figure (no check) is linked by its quoted URL; a present one is embedded."""
    text = build_report(report_dir / "r.html", [Section("S", figures=[("my figs/a b.png", "c")])],
                        check_files=False).read_text()  # fmt: skip
    assert 'src="my%20figs/a%20b.png"' in text
    (report_dir / "my figs").mkdir()
    (report_dir / "my figs" / "a b.png").write_bytes(b"x")
    doc = _parse(build_report(report_dir / "r.html",
                              [Section("S", figures=[("my figs/a b.png", "c")])]).read_text())
    assert _embedded(doc) == [b"x"] and doc.code == ["my figs/a b.png"]


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


def test_small_values_keep_significant_digits_in_a_column_of_larger_ones():
    """Metastats variances: 0.0226 beside 2.3e-06 and 0.000523 (the report showed 0.0000)."""
    df = pd.DataFrame({"variance_a": [0.022569943, 2.3456e-6, 0.000523, 0.0]})
    html, _ = dataframe_to_html(df)
    cells = re.findall(r'<td class="num">([^<]*)</td>', html)
    assert cells == ["0.0226", "2.35e-06", "0.000523", "0.0000"]
    assert [float(c) for c in cells[1:3]] == pytest.approx([2.3456e-6, 0.000523], rel=1e-2)


def test_pvalues_flagged_as_upper_bounds_are_shown_as_less_than():
    df = pd.DataFrame({"feature": ["a", "b"], "p": [5e-6, 0.5], "p_upper_bound": [True, False],
                       "q": [1e-4, 0.5], "q_upper_bound": ["yes", "no"]})
    html, _ = dataframe_to_html(df)
    assert '<td class="num">&lt; 5.0e-06</td><td class="num">1.0e-04</td>' in html
    assert '<td class="num">0.500</td><td class="num">0.500</td>' in html
    assert "p_upper_bound" not in html
    assert "<th>q_upper_bound</th>" in html  # not boolean: an ordinary column


def test_dataframe_to_html_counts_hidden_rows_and_hides_range_index():
    html, hidden = dataframe_to_html(pd.DataFrame({"a": range(10)}), max_rows=3)
    assert hidden == 7
    assert html.count("<tr>") == 4  # header + 3 rows
    assert "<th></th>" not in html  # a plain RangeIndex is not shown


def test_report_of_an_asv_run_names_asvs_and_unoise(tmp_path):
    _, html, doc, text, *_ = _render(tmp_path, features="asv", denoise={"min_size": 4,
                                                                        "alpha": 1.5})  # fmt: skip
    assert "12 ASVs (exact sequence variants, UNOISE3)" in text
    assert ("Unique sequences seen at least 4 times were denoised into exact amplicon sequence "
            "variants (ASVs) with UNOISE3 (Edgar 2016b; vsearch --cluster_unoise, alpha 1.5)"
            ) in text  # fmt: skip
    assert "de novo (--uchime3_denovo)" in text and "UCHIME3" in text
    assert "The ASV table counts the filtered reads" in text
    assert "OTUs" not in text and "97 % identity" not in text.split("mapped to an ASV")[0]
    references = html.split("References")[-1]
    assert "UNOISE2: improved error-correction" in references
    assert "UCHIME2: improved chimera prediction" in references
    assert "SINTAX: a simple" not in references  # "Edgar 2016" does not match "Edgar 2016b"


def test_figures_are_shown_at_one_and_a_half_times_their_printed_size(tmp_path):
    """A 3.5 in figure saved at 300 dpi (1,050 px) is 504 CSS px wide, not the page width."""
    from matplotlib.figure import Figure

    Figure(figsize=(3.5, 2)).savefig(tmp_path / "f.png", dpi=300)
    text = build_report(tmp_path / "r.html", [Section("S", figures=[("f.png", "c")])]).read_text()
    assert re.search(r'<img src="data:image/png;base64,[^"]+" width="504" alt="Figure 1. c">',
                     text)  # fmt: skip
