"""Microbe-host links: Spearman correlation of each genus with each cytokine and immune measure.

Genus abundances are centred log-ratios (CLR) of the genus counts with a pseudocount of 0.5,
computed over all genera of a sample (unclassified ones included), so the correlation is free of
the sum-to-one constraint of relative abundances. Genera enter the tests when they are named
(not ``*_unclassified`` / ``Unassigned``), present in at least ``min_prevalence`` of the
patients' samples and at a mean relative abundance of at least ``min_mean_abundance``.
Correlations: ``scipy.stats.spearmanr`` on the patients with the measure; q by
Benjamini-Hochberg over every genus x measure pair.

Notes: docs/algorithms.md, "Clinical tables, host measures and microbe-host links".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from otuflow.clinical.compare import bh, stars
from otuflow.clinical.schema import BY_NAME

PSEUDOCOUNT = 0.5


def clr(counts: pd.DataFrame, pseudocount: float = PSEUDOCOUNT) -> pd.DataFrame:
    """Centred log-ratio of a taxon x sample count table (per sample, over all taxa)."""
    logged = np.log(counts.astype(float) + pseudocount)
    return logged - logged.mean(axis=0)


def eligible_genera(counts: pd.DataFrame, min_prevalence: float,
                    min_mean_abundance: float) -> list[str]:  # fmt: skip
    """Named genera above the prevalence and mean relative abundance floors."""
    relative = counts / counts.sum(axis=0).replace(0, np.nan)
    named = [g for g in counts.index
             if not (str(g).endswith("_unclassified") or str(g) == "Unassigned")]  # fmt: skip
    prevalence = (counts.loc[named] > 0).mean(axis=1)
    mean = relative.loc[named].mean(axis=1)
    return [g for g in named if prevalence[g] >= min_prevalence and mean[g] >= min_mean_abundance]


def genus_host_correlations(
    counts: pd.DataFrame, host: pd.DataFrame, measures: Sequence[str],
    min_prevalence: float = 0.2, min_mean_abundance: float = 0.001,
) -> pd.DataFrame:
    """Spearman correlation of every eligible genus (CLR) with every host measure.

    Parameters
    ----------
    counts : pandas.DataFrame
        Genus x sample counts (``taxonomy/genus_table.tsv``).
    host : pandas.DataFrame
        Host measures per sample (index: sample IDs); samples missing from ``counts`` are
        ignored, and so are missing values (per measure).
    measures : sequence of str
        Columns of ``host`` to correlate (absent ones are skipped).
    min_prevalence, min_mean_abundance : float
        Genus floors (fraction of samples with the genus; mean relative abundance).

    Returns
    -------
    pandas.DataFrame
        ``genus``, ``measure``, ``label``, ``n``, ``rho``, ``p``, ``q``, ``stars`` (of q), sorted
        by p then genus and measure.
    """
    samples = [s for s in host.index if s in counts.columns]
    counts = counts[samples]
    transformed = clr(counts)
    rows = []
    for genus in eligible_genera(counts, min_prevalence, min_mean_abundance):
        for measure in measures:
            if measure not in host:
                continue
            values = host.loc[samples, measure].astype(float)
            ok = values.notna().to_numpy()
            x, y = transformed.loc[genus].to_numpy()[ok], values.to_numpy()[ok]
            if ok.sum() >= 3 and np.ptp(x) > 0 and np.ptp(y) > 0:
                result = stats.spearmanr(x, y)
                rho, p = float(result.statistic), float(result.pvalue)
            else:
                rho = p = float("nan")
            rows.append({"genus": genus, "measure": measure,
                         "label": BY_NAME[measure].label_with_unit if measure in BY_NAME
                         else measure, "n": int(ok.sum()), "rho": rho, "p": p})  # fmt: skip
    table = pd.DataFrame(rows, columns=["genus", "measure", "label", "n", "rho", "p"])
    table["q"] = bh(table["p"])
    table["stars"] = table["q"].map(stars)
    return table.sort_values(["p", "genus", "measure"], kind="stable").reset_index(drop=True)
