"""Assemble a run's HTML report from its declared inputs and its run plan.

The report opens only the files it is given (:meth:`otuflow.plan.RunPlan.report_inputs` names
them), never a path built from the output folder; comparisons and figures come from the plan and
every stated parameter from the config (:mod:`otuflow.report.methods`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from otuflow.features import feature_kind
from otuflow.plan import DIFFERENTIAL_TESTS, Figure, RunPlan, differential_key
from otuflow.report.builder import FigureRef, ReportInputError, Section, TableRef, build_report
from otuflow.report.methods import (
    ELLIPSE_LEVEL,
    alpha_sentences,
    beta_sentences,
    clustering_sentence,
    differential_sentences,
    features_phrase,
    join_words,
    methods_text,
    pct,
    rarefaction_sentence,
    stamp_interval,
    taxonomy_sentence,
    unclassified_sentence,
)
from otuflow.report.patients import patients_section
from otuflow.software import PYTHON_KEY, TOOLS, read_versions
from otuflow.stats.beta_metrics import metric_name
from otuflow.tsv import read_tsv

PathLike = str | os.PathLike
RANKS = ("domain", "phylum", "class", "order", "family", "genus", "species")
_PLURAL = {"genus": "genera", "phylum": "phyla"}

#: Figure kind (:attr:`otuflow.plan.Figure.kind`) -> title of the section showing it.
FIGURE_SECTIONS = {
    "read_tracking": "Read tracking",
    "bars_samples": "OTUs and taxonomy",
    "bars_groups": "OTUs and taxonomy",
    "rarefaction_curves": "Alpha diversity",
    "alpha": "Alpha diversity",
    "pcoa": "Beta diversity",
    "nmds": "Beta diversity",
    "significant_taxa": "Differential abundance",
    "stamp": "Differential abundance",
}


class _Inputs:
    """The report's declared inputs; the only files it opens or links."""

    def __init__(self, inputs: Mapping[str, PathLike | Sequence[PathLike]]) -> None:
        self.files = dict(inputs)
        self.svg = {Path(p).stem: Path(p).resolve() for p in self.files.get("svg", ())}

    def path(self, name: str) -> Path:
        if name not in self.files:
            raise ReportInputError(f"report input {name!r} was not given to the report")
        return Path(self.files[name]).resolve()

    def table(self, name: str, index_col=None) -> pd.DataFrame:
        path = self.path(name)
        try:
            return read_tsv(path, index_col=index_col)
        except (OSError, ValueError) as error:
            raise ReportInputError(f"report input {name!r}: cannot read {path}: {error}") from None


def taxonomy_summary(
    otu_table: pd.DataFrame, taxonomy: pd.DataFrame, noun: str = "OTU"
) -> pd.DataFrame:
    """Share of features (OTUs or ASVs) and reads assigned at each rank.

    Parameters
    ----------
    otu_table : pandas.DataFrame
        Reads per OTU (rows) and sample (columns).
    taxonomy : pandas.DataFrame
        Taxon per OTU (rows) and rank (columns); empty or missing = not assigned.
    noun : str
        What a feature is called in the column names (``OTU`` or ``ASV``).

    Returns
    -------
    pandas.DataFrame
        One row per rank present: features assigned, reads assigned, and their percentages.
    """
    tax = taxonomy.reindex(otu_table.index)
    reads = otu_table.sum(axis=1)
    rows = []
    for rank in RANKS:
        if rank not in tax:
            continue
        assigned = tax[rank].notna() & (tax[rank].astype(str) != "")
        rows.append({
            "rank": rank,
            f"{noun}s assigned": int(assigned.sum()),
            f"% {noun}s": round(100 * assigned.mean(), 1) if len(tax) else 0.0,
            "reads assigned": int(reads[assigned].sum()),
            "% reads": round(100 * reads[assigned].sum() / max(reads.sum(), 1), 1),
        })  # fmt: skip
    return pd.DataFrame(rows)


def figure_caption(figure: Figure, config: Mapping) -> str:
    """Caption of one of the plan's figures, with the parameters from ``config``.

    Raises
    ------
    ValueError
        For a figure kind the report does not know.
    """
    kind, diversity = figure.kind, config["diversity"]
    metric = metric_name(figure.metric)
    ellipses = f"{pct(ELLIPSE_LEVEL)} confidence ellipses per group"
    if kind in ("bars_samples", "bars_groups"):
        plural = _PLURAL.get(figure.rank, figure.rank)
        top = config["composition"].get(f"top_{plural}")
        # The figure shows at most ``top`` taxa: fewer when the rank has fewer.
        taxa = (f"Most abundant {plural} (up to {top}; the rest summed as Other)" if top
                else plural.capitalize())  # fmt: skip
        return f"{taxa} per sample." if kind == "bars_samples" else f"{taxa}, group means."
    captions = {
        "read_tracking": "Read pairs kept per step and sample.",
        "rarefaction_curves": "Rarefaction curves per sample.",
        "alpha": f"Chao1 and Shannon index (log base {float(diversity['shannon_base']):g}) per "
        "group.",
        "pcoa": f"PCoA of {metric} distances, {ellipses}.",
        "nmds": f"NMDS of {metric} distances (best of {diversity['nmds_starts']} starts), "
        f"{ellipses}.",
        "significant_taxa": f"Relative abundance of the {figure.rank} taxa with Metastats q < "
        f"{float(config['differential']['q_threshold']):g} in any comparison (if none, those "
        "with the smallest p).",
    }
    if kind == "stamp":
        return (f"{figure.comparison.label}: Welch's t-test, difference in mean proportions "
                f"with {stamp_interval(config)} (STAMP extended error bar).")  # fmt: skip
    if kind not in captions:
        raise ValueError(f"the report has no caption for figures of kind {kind!r}")
    return captions[kind]


def _figures(inputs: _Inputs, plan: RunPlan, config: Mapping) -> dict[str, list[FigureRef]]:
    """Section title -> its figures, in plan order."""
    placed: dict[str, list[FigureRef]] = {title: [] for title in FIGURE_SECTIONS.values()}
    for figure in plan.figures():
        if figure.kind not in FIGURE_SECTIONS:
            raise ValueError(f"the report has no section for figures of kind {figure.kind!r}")
        png = inputs.path(f"figure_{figure.stem}")
        placed[FIGURE_SECTIONS[figure.kind]].append(
            FigureRef(png, figure_caption(figure, config), svg=inputs.svg.get(figure.stem, False))
        )
    return placed


def _count_text(groups: pd.DataFrame, order: Sequence[str]) -> str:
    counts = groups["group"].astype(str).value_counts()
    names = [g for g in order if g in counts] + sorted(set(counts.index) - set(order))
    return "; ".join(f"{g}: n = {int(counts[g])}" for g in names)


def _rarefaction_depth(alpha: pd.DataFrame) -> int | None:
    return int(alpha["depth"].iloc[0]) if len(alpha) else None


def _samples_section(inputs: _Inputs, config: Mapping) -> Section:
    groups = inputs.table("groups")
    table = inputs.table("otu_table", 0)
    intro = (
        f"{len(groups)} samples ({_count_text(groups, config['groups']['order'])}); "
        f"{features_phrase(config, len(table))}, "
        f"{int(table.to_numpy().sum()):,} reads in the {feature_kind(config).noun} table."
    )
    return Section("Samples and groups", intro,
                   tables=[TableRef("Samples and their groups", inputs.path("groups"),
                                    max_rows=200)],
                   files=[inputs.path("otu_table")])  # fmt: skip


def _tracking_section(inputs: _Inputs, config: Mapping, figures: list[FigureRef]) -> Section:
    steps = ["pair merging and quality filtering (vsearch)",
             f"mapping to the {feature_kind(config).noun}s"]  # fmt: skip
    if config["primers"]["trim"]:
        steps.insert(0, "primer trimming (cutadapt)")
    intro = (
        f"Read pairs of each sample kept at each step: {', '.join(steps)}. A sample losing more "
        f"than {pct(config['tracking']['max_step_loss'])} of its reads at one step is flagged "
        "in the warning column."
    )
    excluded = inputs.table("excluded_samples")
    tables = [TableRef("Read tracking", inputs.path("read_tracking"), max_rows=200)]
    if len(excluded):
        listed = "; ".join(f"{s} ({r})" for s, r in zip(excluded["sample"], excluded["reason"],
                                                        strict=True))  # fmt: skip
        intro += (
            f" {len(excluded)} sample(s) are left out of composition, differential abundance "
            f"and alpha and beta diversity: {listed}."
        )
        tables.append(TableRef("Samples left out of the analyses", excluded,
                               link=inputs.path("excluded_samples")))  # fmt: skip
    return Section("Read tracking", intro, figures=figures, tables=tables)


def _taxonomy_section(
    inputs: _Inputs, config: Mapping, versions: Mapping[str, str], figures: list[FigureRef]
) -> Section:
    intro = (f"{clustering_sentence(config)} {taxonomy_sentence(config, versions)} "
             f"{unclassified_sentence(config)}")  # fmt: skip
    noun = feature_kind(config).noun
    summary = taxonomy_summary(inputs.table("otu_table", 0), inputs.table("otu_taxonomy", 0),
                               noun)  # fmt: skip
    # A rank no feature reaches (e.g. species, from a reference without species names) would
    # read like a failed classification: leave it out and say why.
    empty = summary["rank"][summary[f"{noun}s assigned"] == 0].tolist() if len(summary) else []
    note = ""
    if empty:
        rows = "that row is" if len(empty) == 1 else "those rows are"
        note = (f"No {noun} was assigned at {join_words(empty)} rank (the reference has no names "
                f"there, or none passed the cut-off), so {rows} left out.")  # fmt: skip
        summary = summary[~summary["rank"].isin(empty)].reset_index(drop=True)
    return Section(
        f"{noun}s and taxonomy", intro, figures=figures,
        tables=[
            TableRef("Assignment per rank", summary, note),
            TableRef("Genus mean relative abundance per group",
                     inputs.path("genus_group_means"), max_rows=30),
            TableRef(f"{noun} taxonomy", inputs.path("otu_taxonomy"), max_rows=30),
        ],
        files=[inputs.path("genus_table")],
    )  # fmt: skip


def _alpha_section(
    inputs: _Inputs, config: Mapping, versions: Mapping[str, str], figures: list[FigureRef]
) -> Section:
    alpha = inputs.table("alpha", 0)
    dropped = inputs.table("rarefaction_dropped")
    dropped_text = (
        "No sample was dropped."
        if dropped.empty
        else f"{len(dropped)} sample(s) were left out (below the depth, or excluded): "
        + ", ".join(dropped["sample"].astype(str)) + "."
    )  # fmt: skip
    intro = (f"{rarefaction_sentence(config, _rarefaction_depth(alpha))} {dropped_text} "
             f"{alpha_sentences(config, versions)}")  # fmt: skip
    return Section(
        "Alpha diversity", intro, figures=figures,
        tables=[
            TableRef("Alpha diversity tests", inputs.path("alpha_tests")),
            TableRef("Samples left out of rarefaction", dropped,
                     link=inputs.path("rarefaction_dropped")),
            TableRef("Alpha diversity per sample", inputs.path("alpha"), max_rows=100),
        ],
    )  # fmt: skip


def _permanova_table(inputs: _Inputs) -> TableRef:
    """PERMANOVA and PERMDISP rows with each metric under its name (the linked TSV has its key)."""
    table = inputs.table("permanova")
    if "metric" in table:
        table["metric"] = table["metric"].map(metric_name)
    return TableRef("PERMANOVA and PERMDISP", table, max_rows=100, link=inputs.path("permanova"))


def _differential_section(
    inputs: _Inputs, plan: RunPlan, config: Mapping, figures: list[FigureRef]
) -> Section:
    intro = differential_sentences(config)
    if plan.skipped:
        intro += " Not run: " + "; ".join(
            f"{s.name_a} vs {s.name_b} ({s.reason})" for s in plan.skipped
        ) + "."
    tables = [TableRef("Tests run", inputs.path("differential_summary"))]
    files = []
    for comparison in plan.comparisons:
        name = f"differential_{differential_key('metastats', comparison)}"
        # A fresh 0..n-1 index: the builder does not show it (the old row numbers would be).
        result = inputs.table(name).sort_values(["q", "p"]).reset_index(drop=True)
        tables.append(TableRef(f"Metastats, {comparison.label}", result,
                               "Sorted by q.", max_rows=15,
                               link=inputs.path(name)))  # fmt: skip
        files += [
            inputs.path(f"differential_{differential_key(test, comparison)}")
            for test in DIFFERENTIAL_TESTS
            if test != "metastats"
        ]
    tables.append(TableRef("Kruskal-Wallis across groups", inputs.path("differential_kruskal"),
                           max_rows=15))  # fmt: skip
    files += [inputs.path("differential_counts"), inputs.path("differential_relative")]
    return Section("Differential abundance", intro, figures=figures, tables=tables, files=files)


def workflow_sections(
    inputs: Mapping[str, PathLike | Sequence[PathLike]],
    plan: RunPlan,
    config: Mapping,
    versions: Mapping[str, str] | None = None,
) -> list[Section]:
    """The report's sections for one run.

    Parameters
    ----------
    inputs : mapping
        Input name -> file, for every name of :meth:`otuflow.plan.RunPlan.report_inputs`, and
        ``"svg"`` -> the SVG files of the figures (matched to a figure by file stem). Relative
        paths are taken from the working directory.
    plan : otuflow.plan.RunPlan
        The run plan: comparisons, figures, beta metrics and rank.
    config : mapping
        The validated run config.
    versions : mapping, optional
        Software -> version, for the tool names in the section texts.

    Returns
    -------
    list of Section
        Figures and tables hold absolute paths; :func:`otuflow.report.builder.build_report`
        links them relative to the report.

    Raises
    ------
    ReportInputError
        An input the report needs was not given or cannot be read.
    """
    files = _Inputs(inputs)
    versions = versions or {}
    figures = _figures(files, plan, config)
    patients = [patients_section(files.table, files.path, config)] if plan.clinical else []
    return [
        _samples_section(files, config),
        _tracking_section(files, config, figures["Read tracking"]),
        _taxonomy_section(files, config, versions, figures["OTUs and taxonomy"]),
        _alpha_section(files, config, versions, figures["Alpha diversity"]),
        Section("Beta diversity", beta_sentences(config), figures=figures["Beta diversity"],
                tables=[_permanova_table(files)]),
        _differential_section(files, plan, config, figures["Differential abundance"]),
        *patients,
    ]  # fmt: skip


def write_workflow_report(
    out_html: PathLike,
    inputs: Mapping[str, PathLike | Sequence[PathLike]],
    plan: RunPlan,
    config: Mapping,
) -> Path:
    """Write a run's HTML report, reading only ``inputs``.

    Parameters
    ----------
    out_html : path-like
        Report file; figures and tables are linked relative to its folder.
    inputs : mapping
        Input name -> file: every name of :meth:`otuflow.plan.RunPlan.report_inputs` (tables,
        ``figure_<stem>`` PNGs, ``version_<key>`` software version records), and ``"svg"`` ->
        the figures' SVG files.
    plan : otuflow.plan.RunPlan
        The run plan.
    config : mapping
        The validated run config (every method sentence states its values).

    Returns
    -------
    pathlib.Path
        ``out_html``.

    Raises
    ------
    ReportInputError
        An input is missing or unreadable.
    otuflow.software.VersionError
        A software version record holds no version.
    """
    files = _Inputs(inputs)
    versions = read_versions({key: files.path(f"version_{key}") for key in [*TOOLS, PYTHON_KEY]})
    sections = workflow_sections(inputs, plan, config, versions)
    depth = _rarefaction_depth(files.table("alpha", 0))
    return build_report(out_html, sections, title="otuflow report",
                        subtitle="16S rRNA amplicon analysis",
                        methods=methods_text(config, versions, depth),
                        versions=versions)  # fmt: skip
