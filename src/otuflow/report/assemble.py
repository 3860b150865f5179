"""Gather the workflow's results folder into the sections of the HTML report."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from otuflow.report.builder import FigureRef, Section, TableRef, build_report
from otuflow.report.figures import METRIC_TITLES
from otuflow.report.methods import methods_text


def _tsv(path: Path, index_col=None) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", index_col=index_col)


def taxonomy_summary(otu_table: Path, taxonomy: Path) -> pd.DataFrame:
    """Share of OTUs and reads assigned at each rank.

    Parameters
    ----------
    otu_table, taxonomy : path
        ``otu_table.tsv`` and ``otu_taxonomy.tsv``.

    Returns
    -------
    pandas.DataFrame
        One row per rank: OTUs assigned, reads assigned, and their percentages.
    """
    table = _tsv(otu_table, "OTU_ID")
    tax = _tsv(taxonomy, "OTU_ID").reindex(table.index)
    reads = table.sum(axis=1)
    rows = []
    for rank in ("domain", "phylum", "class", "order", "family", "genus", "species"):
        if rank not in tax:
            continue
        assigned = tax[rank].notna() & (tax[rank].astype(str) != "")
        rows.append({
            "rank": rank,
            "OTUs assigned": int(assigned.sum()),
            "% OTUs": round(100 * assigned.mean(), 1) if len(tax) else 0.0,
            "reads assigned": int(reads[assigned].sum()),
            "% reads": round(100 * reads[assigned].sum() / max(reads.sum(), 1), 1),
        })  # fmt: skip
    return pd.DataFrame(rows)


def _group_intro(groups: pd.DataFrame, order: Sequence[str], table: pd.DataFrame) -> str:
    counts = groups["group"].value_counts()
    parts = [f"{html.escape(g)}: n = {int(counts[g])}" for g in order if g in counts]
    return (
        f"<p>{len(groups)} samples ({'; '.join(parts)}); {len(table)} OTUs at 97 % identity, "
        f"{int(table.to_numpy().sum()):,} reads in the OTU table.</p>"
    )


def workflow_sections(
    out: Path, order: Sequence[str], metrics: Sequence[str], slugs: Sequence[str], rank: str
) -> list[Section]:
    """The report sections for a results folder written by the workflow.

    Parameters
    ----------
    out : path
        The workflow's ``outdir``.
    order : sequence of str
        Group order.
    metrics : sequence of str
        Beta-diversity metrics computed.
    slugs : sequence of str
        Comparisons run, as ``<A>_vs_<B>``.
    rank : str
        Rank of the differential-abundance tests.
    """
    fig = out / "figures"
    table = _tsv(out / "otu" / "otu_table.tsv", "OTU_ID")
    groups = _tsv(out / "groups.tsv")
    dropped = _tsv(out / "alpha" / "rarefaction_dropped.tsv")
    depth = _tsv(out / "alpha" / "alpha_diversity.tsv", 0)["depth"]
    depth_text = f"{int(depth.iloc[0]):,} reads" if len(depth) else "(no sample)"
    dropped_text = (
        "No sample was dropped."
        if dropped.empty
        else f"{len(dropped)} sample(s) had fewer reads and were left out: "
        + ", ".join(dropped["sample"].astype(str))
        + "."
    )
    sections = [
        Section("Samples and groups", _group_intro(groups, order, table),
                tables=[TableRef("Samples and their groups", out / "groups.tsv", max_rows=200)]),
        Section(
            "Read tracking",
            "Read pairs of each sample kept at each step: primer trimming (cutadapt), pair "
            "merging and quality filtering (vsearch), and mapping to the OTUs.",
            figures=[FigureRef(fig / "read_tracking.png", "Reads kept per step and sample.")],
            tables=[TableRef("Read tracking", out / "qc" / "read_tracking.tsv", max_rows=200)],
        ),
        Section(
            "OTUs and taxonomy",
            "Taxonomic composition from the RDP naive Bayesian classifier; taxa below the "
            "bootstrap cut-off are shown as <parent>_unclassified, OTUs without any "
            "assignment as Unassigned.",
            figures=[
                FigureRef(fig / "phylum_bars_samples.png", "Phyla per sample (Fig. 5A style)."),
                FigureRef(fig / "phylum_bars_groups.png", "Phyla, group means."),
                FigureRef(fig / "genus_bars_samples.png", "Top genera per sample (Fig. 5B)."),
                FigureRef(fig / "genus_bars_groups.png", "Top genera, group means."),
            ],
            tables=[
                TableRef("Assignment per rank",
                         taxonomy_summary(out / "otu" / "otu_table.tsv",
                                          out / "taxonomy" / "otu_taxonomy.tsv")),
                TableRef("Genus mean relative abundance per group",
                         out / "composition" / "genus_group_means.tsv", max_rows=30),
                TableRef("OTU taxonomy", out / "taxonomy" / "otu_taxonomy.tsv", max_rows=30),
            ],
        ),  # fmt: skip
        Section(
            "Alpha diversity",
            f"Samples were rarefied to {depth_text}. {dropped_text} Groups are compared with "
            "Kruskal-Wallis and pairwise nonparametric t-tests (999 Monte Carlo permutations, "
            "as QIIME 1 compare_alpha_diversity) with Bonferroni and Benjamini-Hochberg "
            "correction.",
            figures=[
                FigureRef(fig / "rarefaction_curves.png", "Rarefaction curves per sample."),
                FigureRef(fig / "alpha_diversity.png", "Chao1 and Shannon per group (Fig. 4A-B)."),
            ],
            tables=[
                TableRef("Alpha diversity tests", out / "alpha" / "alpha_tests.tsv"),
                TableRef("Samples below the rarefaction depth", dropped),
                TableRef("Alpha diversity per sample", out / "alpha" / "alpha_diversity.tsv",
                         max_rows=100),
            ],
        ),  # fmt: skip
        Section(
            "Beta diversity",
            "Distances on the rarefied table; PCoA (scikit-bio) and non-metric MDS (SMACOF as "
            "in scikit-learn, best of several random starts, Kruskal stress-1), 95 % confidence "
            "ellipses per group; PERMANOVA with 999 permutations and PERMDISP (scikit-bio).",
            figures=[
                FigureRef(fig / f"{kind}_{m}.png", f"{kind.upper()} of {METRIC_TITLES.get(m, m)}.")
                for m in metrics
                for kind in ("pcoa", "nmds")
            ],
            tables=[TableRef("PERMANOVA and PERMDISP", out / "beta" / "permanova.tsv",
                             max_rows=100)],
        ),  # fmt: skip
    ]
    diff = out / "differential"
    figures = [FigureRef(fig / "significant_taxa.png",
                         f"Relative abundance of the {rank} taxa found by Metastats (Fig. 6).")]
    figures += [FigureRef(fig / f"stamp_{s}.png",
                          f"{s.replace('_vs_', ' vs ')}: Welch's t-test, difference in mean "
                          "proportions with 95 % CI (STAMP extended error bar).")
                for s in slugs]  # fmt: skip
    tables = [TableRef("Tests run", diff / "summary.tsv")]
    for s in slugs:
        result = _tsv(diff / f"metastats_{s}.tsv").sort_values(["q", "p"])
        tables.append(TableRef(f"Metastats, {s.replace('_vs_', ' vs ')}", result,
                               "Sorted by q; the full table is linked.", max_rows=15,
                               link=diff / f"metastats_{s}.tsv"))  # fmt: skip
    tables.append(TableRef("Kruskal-Wallis across groups", diff / "kruskal_wallis.tsv",
                           max_rows=15))  # fmt: skip
    sections.append(Section(
        "Differential abundance",
        f"{rank.capitalize()}-level counts compared with Metastats (White et al. 2009: "
        "permutation t-test on proportions, Fisher's exact test for sparse taxa, Storey "
        "q-values), Welch's t-test as in STAMP, Wilcoxon rank-sum and Kruskal-Wallis.",
        figures=figures, tables=tables,
    ))  # fmt: skip
    return sections


def write_workflow_report(
    out_html: Path, out: Path, config: Mapping, versions: Mapping[str, str],
    slugs: Sequence[str],
) -> Path:  # fmt: skip
    """Write ``report.html`` for a finished run.

    Parameters
    ----------
    out_html : path
        Destination (inside ``out`` so figure links are relative).
    out : path
        The workflow's ``outdir``.
    config : mapping
        The run's configuration (for the methods text and group order).
    versions : mapping
        Tool and package versions.
    slugs : sequence of str
        Comparisons run, as ``<A>_vs_<B>``.
    """
    out, out_html = Path(out).resolve(), Path(out_html).resolve()
    depth = _tsv(out / "alpha" / "alpha_diversity.tsv", 0)["depth"]
    sections = workflow_sections(
        out, config["groups"]["order"], config["diversity"]["beta_metrics"], slugs,
        config["differential"]["rank"],
    )  # fmt: skip
    methods = methods_text(config, versions, int(depth.iloc[0]) if len(depth) else None)
    return build_report(out_html, sections, title="otuflow report",
                        subtitle="16S rRNA amplicon analysis", methods=methods,
                        versions=versions)  # fmt: skip
