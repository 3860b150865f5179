"""The report's "Patients" section: Tables 1-2 as publication tables, the clinical figures."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from otuflow.plan import CLINICAL_FIGURES
from otuflow.report.builder import FigureRef, Section, TableRef

#: Figure stem -> caption (the stems are :data:`otuflow.plan.CLINICAL_FIGURES`).
CAPTIONS = {
    "fig1_cytokines": "Cytokines of all patients, Control vs Opioid (the study's Fig. 1): each "
    "patient's value and the group mean ± SD; stars: Student's t-test p.",
    "fig2_cytokines_by_sex": "Cytokines by sex (the study's Fig. 2): Control vs Opioid within "
    "each sex, and male vs female within each group; stars: Student's t-test p.",
    "fig3_immune_cells": "Immune cells and blood count of all patients, Control vs Opioid (the "
    "study's Fig. 3): each patient's value and the group mean ± SD; stars: Student's t-test p.",
    "genus_host_heatmap": "Spearman correlation of genus CLR abundance with each host measure in "
    "the patients with stool samples; genera and measures ordered by average-linkage "
    "clustering; stars: Benjamini-Hochberg q.",
}
TABLE1_TITLE = "Patient characteristics: all patients, Control vs Opioid (the study's Table 1)"
TABLE2_TITLE = ("Patient characteristics: patients with stool samples, by group (the study's "
                "Table 2)")  # fmt: skip

_SYMBOL = {"Student": "t", "ANOVA": "F", "Kruskal": "H", "χ²": "χ²"}


def statistic_text(test: str, statistic: float, df: float) -> str:
    """``t = 1.23 (df 184)``, ``χ² = 0.50 (df 2)``; "" for Fisher's test or no statistic."""
    if not test or not np.isfinite(statistic):
        return ""
    symbol = next((s for key, s in _SYMBOL.items() if key in test), "")
    return f"{symbol} = {statistic:.2f} (df {df:g})"


def publication_table(table: pd.DataFrame) -> pd.DataFrame:
    """Tables 1-2 for reading: level rows indented, the statistic with its df, p and q kept."""
    shown = table.copy()
    shown["Characteristic"] = shown["Characteristic"].str.replace(
        r"^\s+", "\u00a0\u00a0\u00a0\u00a0", regex=True)
    shown["Statistic"] = [statistic_text(t, s, d) for t, s, d in
                          zip(shown["Test"].fillna(""), shown["Statistic"], shown["df"],
                              strict=True)]  # fmt: skip
    return shown.drop(columns="df")


def patients_section(
    table: Callable[[str], pd.DataFrame], path: Callable[[str], Path], config: Mapping
) -> Section:
    """The "Patients" section.

    Parameters
    ----------
    table, path : callable
        The report's declared inputs: a table by input name, a file by input name
        (:meth:`otuflow.plan.RunPlan.report_inputs`, names ``clinical_*`` and
        ``<figure stem>_png``).
    config : mapping
        The validated run config.
    """
    # imported here: they bring scipy.stats and statsmodels, which a report without a clinical
    # table does not need
    from otuflow.clinical.compare import FISHER, MIN_EXPECTED, NORMALITY_ALPHA, STAR_LEVELS
    from otuflow.clinical.links import PSEUDOCOUNT

    clinical = config["clinical"]
    table1, table2 = table("clinical_table1"), table("clinical_table2")
    columns = table("clinical_columns")
    unknown = columns.loc[columns["status"] != "known", "column"].astype(str).tolist()
    intro = (
        f"Clinical table {clinical['table']}: Table 1 compares all patients without and with an "
        "opioid (Control vs Opioid), Table 2 the patients with stool samples in the three groups. "
        f"Numbers are mean ± SD, compared by Student's t-test (two groups) or, for three groups, "
        f"one-way ANOVA when every group passes Shapiro-Wilk (p ≥ {NORMALITY_ALPHA:g}) and "
        "Kruskal-Wallis "
        "otherwise; counts are n (%), compared by Pearson's χ² (Yates' continuity correction on "
        f"2 × 2 tables only) or by {FISHER} when an expected count is below {MIN_EXPECTED} "
        "(exact for 2 × 2 tables, Monte Carlo beyond). Dose and days of opioid use are compared "
        "between the opioid groups only. Each row states its test; p is raw and q the "
        "Benjamini-Hochberg q within the table (the model study corrected none).\n\n"
        "Figures 1-3 show each patient's value with the group mean ± SD; stars mark Student's "
        "t-test p < " + ", < ".join(f"{level:g} ({'*' * k})" for k, level in
                                   enumerate(STAR_LEVELS, 1)) + "; the linked table has p and q. "
        f"Genus-host links: Spearman correlation of CLR abundances (pseudocount {PSEUDOCOUNT}) of "
        f"named genera in at least {clinical['min_prevalence']:.0%} of the samples at a mean "
        f"relative abundance of at least {clinical['min_mean_abundance']:g} with each cytokine "
        "and immune-cell measure of the patients with stool samples, Benjamini-Hochberg q over "
        "all pairs. PERMANOVA of each beta-diversity distance on group + "
        f"{' + '.join(clinical['covariates']) or 'no covariates'} tests each term given the "
        "others (marginal sums of squares, as vegan's adonis2(by = \"margin\"))."
    )
    if unknown:
        intro += f"\n\nColumns not in the schema, ignored: {', '.join(unknown)}."
    correlations = table("clinical_correlations")
    figures = [FigureRef(path(f"{stem}_png"), CAPTIONS.get(stem, title))
               for stem, title in CLINICAL_FIGURES.items()]  # fmt: skip
    return Section(
        "Patients", intro, figures=figures,
        tables=[
            TableRef(TABLE1_TITLE, publication_table(table1),
                     max_rows=None, link=path("clinical_table1")),
            TableRef(TABLE2_TITLE, publication_table(table2), max_rows=None,
                     link=path("clinical_table2")),
            TableRef("Genus-host correlations", correlations,
                     "Sorted by p; the full table is linked.", max_rows=15,
                     link=path("clinical_correlations")),
            TableRef("PERMANOVA with covariates (marginal terms)",
                     table("clinical_permanova"), max_rows=100,
                     link=path("clinical_permanova")),
        ],
        files=[path("clinical_measures"), path("clinical_columns")],
    )  # fmt: skip
