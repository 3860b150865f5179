"""The run plan: what a run compares, where every result goes and which figures it draws.

Derived once from the validated config and the sample sheet. The Snakefile, the rule scripts and
the report all read it, so a comparison or an output path is defined in exactly one place.
Comparisons are objects (:class:`otuflow.stats.comparisons.Comparison`); their file-name part
(:attr:`Comparison.slug`) is only ever written, never parsed back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

import pandas as pd

from otuflow.stats.beta_metrics import METRICS
from otuflow.stats.comparisons import (
    Comparison,
    SkippedComparison,
    plan_comparisons,
    too_small,
)

#: Result files, relative to the output folder; ``{...}`` fields are filled by :meth:`RunPlan.path`
#: (or left as Snakemake wildcards).
RESULT_FILES: dict[str, str] = {
    "groups": "groups.tsv",
    "primer_trimming": "qc/primer_trimming.tsv",
    "read_tracking": "qc/read_tracking.tsv",
    "excluded_samples": "qc/excluded_samples.tsv",
    "otus": "otu/otus.fasta",
    "chimeras": "otu/chimeras.fasta",
    "otu_table": "otu/otu_table.tsv",
    "otu_biom": "otu/otu_table.biom",
    "alignment": "phylogeny/otus.aligned.fasta",
    "unrooted_tree": "phylogeny/otus.unrooted.tree",
    "tree": "phylogeny/otus.tree",
    "otu_taxonomy": "taxonomy/otu_taxonomy.tsv",
    "taxa_table": "taxonomy/{rank}_table.tsv",
    "rarefied": "alpha/rarefied_otu_table.tsv",
    "rarefaction_dropped": "alpha/rarefaction_dropped.tsv",
    "alpha": "alpha/alpha_diversity.tsv",
    "alpha_tests": "alpha/alpha_tests.tsv",
    "rarefaction_curves": "alpha/rarefaction_curves.tsv",
    "distance_matrix": "beta/{metric}.tsv",
    "pcoa": "beta/ordination_pcoa_{metric}.tsv",
    "nmds": "beta/ordination_nmds_{metric}.tsv",
    "ordination_summary": "beta/ordination_summary_{metric}.tsv",
    "permanova_metric": "beta/permanova_{metric}.tsv",
    "permanova": "beta/permanova.tsv",
    "relative_abundance": "composition/{rank}_relative_abundance.tsv",
    "top_taxa": "composition/{rank}_top.tsv",
    "group_means": "composition/{rank}_group_means.tsv",
    "kruskal": "differential/kruskal_wallis.tsv",
    "differential_summary": "differential/summary.tsv",
    "differential_counts": "differential/{rank}_counts.tsv",
    "differential_relative": "differential/{rank}_relative_abundance.tsv",
    "differential_test": "differential/{test}_{comparison}.tsv",
    "figure": "figures/{stem}{ext}",
    "tool_version": "provenance/versions/{tool}.txt",
    "clinical_columns": "clinical/columns.tsv",
    "clinical_table1": "clinical/table1_all_patients.tsv",
    "clinical_table2": "clinical/table2_stool_patients.tsv",
    "clinical_measures": "clinical/host_measure_tests.tsv",
    "clinical_correlations": "clinical/genus_host_correlations.tsv",
    "clinical_permanova": "clinical/permanova_covariates.tsv",
    "clinical_figure": "clinical/{stem}{ext}",
    "report": "report.html",
    **{key: f"export/{path}" for key, path in {
        "qiime2_table": "qiime2/feature-table.biom",
        "qiime2_taxonomy": "qiime2/taxonomy.tsv",
        "qiime2_metadata": "qiime2/sample-metadata.tsv",
        "qiime2_sequences": "qiime2/dna-sequences.fasta",
        "qiime2_alignment": "qiime2/aligned-dna-sequences.fasta",
        "qiime2_tree": "qiime2/tree.nwk",
        "phyloseq_biom": "phyloseq/otu_table.json.biom",
        "phyloseq_tree": "phyloseq/tree.nwk",
        "phyloseq_script": "phyloseq/load_phyloseq.R",
        "mothur_shared": "mothur/otus.shared",
        "mothur_taxonomy": "mothur/otus.cons.taxonomy",
        "mothur_design": "mothur/otus.design",
        "mothur_names": "mothur/sample_names.tsv",
    }.items()},
    "provenance": "provenance/provenance.json",
    "run_info": "provenance/run_info.json",
}

#: Files written for QIIME 2, phyloseq and mothur (:mod:`otuflow.export`), keys of RESULT_FILES.
EXPORT_FILES = tuple(key for key in RESULT_FILES if RESULT_FILES[key].startswith("export/"))

#: The two-group tests of differential abundance, each writing one table per comparison.
DIFFERENTIAL_TESTS = ("metastats", "stamp", "wilcoxon")

#: Ranks summarised into taxon tables and composition bar charts.
COMPOSITION_RANKS = ("genus", "phylum")

#: Tables of the clinical part (:data:`RESULT_FILES` keys), written by one job.
CLINICAL_TABLES = (
    "clinical_columns", "clinical_table1", "clinical_table2", "clinical_measures",
    "clinical_correlations", "clinical_permanova",
)  # fmt: skip
#: Figures of the clinical part, below ``clinical/``: stem -> what they show.
CLINICAL_FIGURES = {
    "fig1_cytokines": "Cytokines, Control vs Opioid",
    "fig2_cytokines_by_sex": "Cytokines by sex",
    "fig3_immune_cells": "Immune cells and blood count, Control vs Opioid",
    "genus_host_heatmap": "Genus-host Spearman correlations",
}

#: Every figure is written in both formats.
FIGURE_FORMATS = (".png", ".svg")


@dataclass(frozen=True)
class Figure:
    """One figure of the run: its file stem and what it shows.

    Attributes
    ----------
    stem : str
        File name without extension, below ``figures/``.
    kind : str
        What is drawn: ``read_tracking``, ``rarefaction_curves``, ``alpha``, ``pcoa``,
        ``nmds``, ``bars_samples``, ``bars_groups``, ``significant_taxa`` or ``stamp``.
    metric, rank : str
        The beta-diversity metric or taxonomic rank, where the kind has one ("" otherwise).
    comparison : Comparison or None
        The comparison of a STAMP plot.
    """

    stem: str
    kind: str
    metric: str = ""
    rank: str = ""
    comparison: Comparison | None = None


@dataclass(frozen=True)
class RunPlan:
    """Everything a run derives from its config and sample sheet before any job starts.

    Build it with :meth:`from_config`.

    Attributes
    ----------
    outdir : str
        Output folder (no trailing slash).
    samples : tuple of str
        Sample IDs in sheet order.
    beta_metrics : tuple of str
        Beta-diversity metrics, keys of :data:`otuflow.stats.beta_metrics.METRIC_NAMES` (which
        names each in figures and the report).
    rank : str
        Rank of the differential-abundance tests.
    comparisons : tuple of Comparison
        Two-group comparisons run (pooled groups first, then every pair).
    skipped : tuple of SkippedComparison
        Comparisons that cannot be run, with the reason.
    clinical : bool
        The config names a clinical table: the clinical part runs.
    """

    outdir: str
    samples: tuple[str, ...]
    beta_metrics: tuple[str, ...]
    rank: str
    comparisons: tuple[Comparison, ...]
    skipped: tuple[SkippedComparison, ...]
    clinical: bool = False

    @classmethod
    def from_config(cls, config: Mapping, groups: pd.Series) -> RunPlan:
        """Plan a run.

        Parameters
        ----------
        config : mapping
            Validated config with defaults filled in.
        groups : pandas.Series
            Group of every sample (index: sample IDs, in sheet order).

        Returns
        -------
        RunPlan

        Raises
        ------
        ValueError
            If two comparisons would write to the same files, or a beta metric is unknown.
        """
        unknown = [m for m in config["diversity"]["beta_metrics"] if m not in METRICS]
        if unknown:
            raise ValueError(f"unknown beta-diversity metric(s) {unknown}; choose from {METRICS}")
        differential = config["differential"]
        planned, skipped = plan_comparisons(
            groups, differential["pooled"], differential["reference"]
        )
        slugs: dict[str, Comparison] = {}
        for comparison in planned:
            if comparison.slug in slugs:
                raise ValueError(
                    f"comparisons {slugs[comparison.slug].label!r} and {comparison.label!r} "
                    f"would both write files named {comparison.slug!r}: rename a group"
                )
            slugs[comparison.slug] = comparison
        return cls(
            outdir=str(config["outdir"]).rstrip("/") or "/",
            samples=tuple(str(s) for s in groups.index),
            beta_metrics=tuple(config["diversity"]["beta_metrics"]),
            rank=differential["rank"],
            comparisons=tuple(planned),
            skipped=tuple(skipped),
            clinical=bool(config.get("clinical", {}).get("table")),
        )

    def path(self, key: str, **fields: str) -> str:
        """Path of a result file (``outdir`` joined with :data:`RESULT_FILES` ``[key]``).

        Fields not given stay as ``{name}``, a Snakemake wildcard.
        """
        template = RESULT_FILES[key]
        names = {n: fields.get(n, "{" + n + "}") for n in _field_names(template)}
        return str(PurePosixPath(self.outdir) / template.format(**names))

    def differential_tables(self) -> dict[str, str]:
        """Every table the differential-abundance job writes, by output name."""
        files = {
            "kruskal": self.path("kruskal"),
            "summary": self.path("differential_summary"),
            "counts": self.path("differential_counts", rank=self.rank),
            "relative": self.path("differential_relative", rank=self.rank),
        }
        for comparison in self.comparisons:
            for test in DIFFERENTIAL_TESTS:
                files[differential_key(test, comparison)] = self.path(
                    "differential_test", test=test, comparison=comparison.slug
                )
        return files

    def figures(self) -> list[Figure]:
        """Every figure of the run, in a fixed order (by kind, then metric, rank, comparison)."""
        figures = [
            Figure("read_tracking", "read_tracking"),
            Figure("rarefaction_curves", "rarefaction_curves"),
            Figure("alpha_diversity", "alpha"),
        ]
        for metric in self.beta_metrics:
            figures += [Figure(f"{k}_{metric}", k, metric=metric) for k in ("pcoa", "nmds")]
        for rank in COMPOSITION_RANKS:
            figures += [
                Figure(f"{rank}_bars_{by}", f"bars_{by}", rank=rank) for by in ("samples", "groups")
            ]
        figures.append(Figure("significant_taxa", "significant_taxa", rank=self.rank))
        figures += [
            Figure(f"stamp_{c.slug}", "stamp", rank=self.rank, comparison=c)
            for c in self.comparisons
        ]
        return figures

    def clinical_outputs(self) -> dict[str, str]:
        """Every file of the clinical part by output name (empty without a clinical table).

        Names: the :data:`CLINICAL_TABLES` keys, and ``<stem>_png`` / ``<stem>_svg`` for each
        of :data:`CLINICAL_FIGURES`.
        """
        if not self.clinical:
            return {}
        files = {key: self.path(key) for key in CLINICAL_TABLES}
        for stem in CLINICAL_FIGURES:
            for ext in FIGURE_FORMATS:
                files[f"{stem}_{ext[1:]}"] = self.path("clinical_figure", stem=stem, ext=ext)
        return files

    def figure_files(self, figure: Figure) -> list[str]:
        """The PNG and SVG of one figure."""
        return [self.path("figure", stem=figure.stem, ext=ext) for ext in FIGURE_FORMATS]

    def figure_inputs(self) -> dict[str, str]:
        """Every table the figures of :meth:`figures` are drawn from, by input name.

        Names: ``groups``, ``read_tracking``, ``alpha``, ``alpha_tests``,
        ``rarefaction_curves``, ``differential_relative`` (at :attr:`rank`), and per beta metric
        ``pcoa_<metric>``, ``nmds_<metric>``, ``ordination_summary_<metric>``,
        ``permanova_metric_<metric>``, per composition rank ``top_taxa_<rank>``, per comparison
        ``stamp_<slug>`` and ``metastats_<slug>``.
        """
        files = {
            key: self.path(key)
            for key in ("groups", "read_tracking", "alpha", "alpha_tests", "rarefaction_curves")
        }
        files["differential_relative"] = self.path("differential_relative", rank=self.rank)
        for metric in self.beta_metrics:
            for key in ("pcoa", "nmds", "ordination_summary", "permanova_metric"):
                files[f"{key}_{metric}"] = self.path(key, metric=metric)
        for rank in COMPOSITION_RANKS:
            files[f"top_taxa_{rank}"] = self.path("top_taxa", rank=rank)
        for comparison in self.comparisons:
            for test in ("stamp", "metastats"):
                files[f"{test}_{comparison.slug}"] = self.path(
                    "differential_test", test=test, comparison=comparison.slug
                )
        return files

    def final_outputs(self) -> list[str]:
        """Every file a complete run leaves (what ``snakemake`` builds by default)."""
        files = [
            self.path(key)
            for key in (
                "groups", "read_tracking", "otus", "otu_table", "otu_biom", "tree",
                "otu_taxonomy", "alpha", "alpha_tests", "permanova", "report", "provenance",
            )
        ]  # fmt: skip
        files += [self.path("taxa_table", rank=rank) for rank in COMPOSITION_RANKS]
        files += [self.path("top_taxa", rank="genus")]
        files += [
            self.path(kind, metric=m) for kind in ("pcoa", "nmds") for m in self.beta_metrics
        ]
        files += list(self.differential_tables().values())
        files += self.export_files().values()
        files += list(self.clinical_outputs().values())
        return files

    def export_files(self) -> dict[str, str]:
        """The files written for QIIME 2, phyloseq and mothur, by :data:`EXPORT_FILES` key."""
        return {key: self.path(key) for key in EXPORT_FILES}


    def report_inputs(self) -> dict[str, str]:
        """Every file the report reads or links, by input name.

        Names: the :data:`RESULT_FILES` keys of the tables it shows (``groups``,
        ``read_tracking``, ``excluded_samples``, ``otu_table``, ``otu_taxonomy``, ``alpha``,
        ``alpha_tests``, ``rarefaction_dropped``, ``permanova``, ``genus_group_means``,
        ``genus_table``),
        ``differential_<name>`` for :meth:`differential_tables`, ``figure_<stem>`` for the PNG of
        every figure of :meth:`figures`, ``version_<key>`` for each software version record, and
        with a clinical table the tables and PNGs of :meth:`clinical_outputs`.
        """
        from otuflow.software import PYTHON_KEY, TOOLS

        files = {
            key: self.path(key)
            for key in (
                "groups", "read_tracking", "excluded_samples", "otu_table", "otu_taxonomy",
                "alpha", "alpha_tests", "rarefaction_dropped", "permanova",
            )
        }  # fmt: skip
        files["genus_group_means"] = self.path("group_means", rank="genus")
        files["genus_table"] = self.path("taxa_table", rank="genus")
        files.update({f"differential_{k}": v for k, v in self.differential_tables().items()})
        for figure in self.figures():
            files[f"figure_{figure.stem}"] = self.path("figure", stem=figure.stem, ext=".png")
        for key in [*TOOLS, PYTHON_KEY]:
            files[f"version_{key}"] = self.path("tool_version", tool=key)
        files.update({key: path for key, path in self.clinical_outputs().items()
                      if not key.endswith("_svg")})  # fmt: skip
        return files


def differential_key(test: str, comparison: Comparison) -> str:
    """Output name of one test's table for one comparison (a Snakemake output key)."""
    return f"{test}_{comparison.slug}"


def _field_names(template: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def restrict_comparisons(
    comparisons: Sequence[Comparison], samples: Sequence[str], min_samples: int = 2
) -> tuple[list[Comparison], list[SkippedComparison]]:
    """The planned comparisons on the samples left in an analysis (e.g. after rarefaction).

    Parameters
    ----------
    comparisons : sequence of Comparison
        The run's planned comparisons.
    samples : sequence of str
        Samples present in the analysis.
    min_samples : int
        A comparison with a side of fewer samples is skipped.

    Returns
    -------
    (list of Comparison, list of SkippedComparison)
        Comparisons with their sample lists restricted, and those that fell below
        ``min_samples``, with the reason.
    """
    present = set(samples)
    kept, skipped = [], []
    for comparison in comparisons:
        restricted = comparison.restricted_to(present)
        reason = too_small(restricted, min_samples)
        if reason:
            skipped.append(SkippedComparison(comparison.name_a, comparison.name_b, reason))
        else:
            kept.append(restricted)
    return kept, skipped
