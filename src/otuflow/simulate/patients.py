"""The simulated clinical table: a 186-patient cohort around the stool samples, with truth.

Mirrors the model study: 100 Control and 86 Opioid patients, among them the patients with stool
samples (same IDs and opioid fields as the sample sheet). Planted effects (Opioid vs Control, in
SDs of the Control distribution): IL-6 and TNF-α clearly up, IL-2, IL-4, IL-10 and IFN-γ
moderately up, white blood cells and neutrophil % up, lymphocyte % down; CD3/CD4/CD8 %, monocyte
%, age, sex, tumour type, stage, ECOG, BMI and total protein balanced. Balanced means stratified:
within each block of patients (the stool patients of each group, the other Controls, the other
opioid users) a category's count follows its proportion (largest remainder) and a number is
drawn one per quantile stratum, so no block differs from another by more than the strata allow.
One planted microbe-host link: the stool patients' IL-6 rises with their Bacteroides abundance.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import stats

from otuflow.clinical.schema import COLUMNS, ECOG, STAGES, TUMOUR_TYPES
from otuflow.simulate.clinical import OPIOID, Clinical

N_CONTROL, N_OPIOID = 100, 86
#: Categorical fields: level -> proportion (every group alike).
CATEGORIES = {
    "sex": {"male": 0.6, "female": 0.4},
    "tumour_type": dict(zip(TUMOUR_TYPES, (0.25, 0.15, 0.2, 0.2, 0.1, 0.1), strict=True)),
    "stage": dict(zip(STAGES, (0.1, 0.25, 0.35, 0.3), strict=True)),
    "ecog": dict(zip(ECOG, (0.3, 0.5, 0.2), strict=True)),
}
#: Numbers: (Control mean, SD, Opioid shift in SDs, decimals).
NUMBERS = {
    "age": (60.0, 10.0, 0.0, 0),
    "bmi": (22.0, 3.0, 0.0, 1),
    "total_protein": (65.0, 6.0, 0.0, 1),
    "il2": (5.0, 1.5, 0.6, 2),
    "il4": (3.0, 1.0, 0.6, 2),
    "il6": (8.0, 3.0, 1.2, 2),
    "il10": (4.0, 1.2, 0.6, 2),
    "tnf_alpha": (6.0, 2.0, 1.2, 2),
    "ifn_gamma": (10.0, 3.0, 0.6, 2),
    "cd3_pct": (65.0, 8.0, 0.0, 1),
    "cd4_pct": (38.0, 6.0, 0.0, 1),
    "cd8_pct": (25.0, 5.0, 0.0, 1),
    "wbc": (6.5, 1.5, 0.7, 2),
    "lymphocytes_pct": (28.0, 6.0, -0.7, 1),
    "neutrophils_pct": (60.0, 8.0, 0.7, 1),
    "monocytes_pct": (7.0, 1.5, 0.0, 1),
}
#: The planted microbe-host link: genus, measure, and the SD of its log-scale effect (a stool
#: patient's value is the group mean times exp(LINK_LOG_SD * z), z the normal score of the genus
#: abundance's rank, times a small log-normal noise).
LINK_GENUS, LINK_MEASURE, LINK_LOG_SD = "Bacteroides", "il6", 0.5
_HIGH_DOSES = (30, 40, 60, 80, 120)
_LOW_DOSES = (10, 15, 20, 25)


def _stratified_levels(proportions: dict[str, float], n: int, rng) -> list[str]:
    share = np.array(list(proportions.values())) * n
    counts = np.floor(share).astype(int)
    order = np.argsort(-(share - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    levels = np.repeat(list(proportions), counts)
    return rng.permutation(levels).tolist()


def _stratified_normal(n: int, rng) -> np.ndarray:
    return stats.norm.ppf((rng.permutation(n) + rng.uniform(size=n)) / n)


def _opioid_fields(index: int, rng) -> tuple[float, int]:
    """Dose and days of an opioid user without a stool sample: long and short courses alike."""
    if index % 2:
        return float(rng.choice(_HIGH_DOSES)), int(rng.integers(7, 365))
    return float(rng.choice(_LOW_DOSES + _HIGH_DOSES)), int(rng.integers(1, 7))


def patient_table(
    stool: Sequence[tuple[str, str, Clinical]], link_abundance: np.ndarray, rng
) -> tuple[list[dict], list[dict]]:
    """Patients of the clinical table and the truth of each planted effect.

    Parameters
    ----------
    stool : sequence of (sample ID, group, Clinical)
        The patients with stool samples (their ID is the sample ID).
    link_abundance : numpy.ndarray
        True relative abundance of :data:`LINK_GENUS` in each stool sample (same order).
    rng : numpy.random.Generator
        The clinical table's own random stream.

    Returns
    -------
    (rows, truth)
        One dict per patient (keys: :data:`otuflow.clinical.schema.COLUMNS` names, values as
        text), and one dict per field with its planted effect.
    """
    blocks: dict[str, list[dict]] = {}
    for sid, group, record in stool:
        blocks.setdefault(f"stool {group}", []).append(
            {"patient": sid, "opioid": record.opioid, "dose_mg_day": record.dose_mg_day,
             "days_on_opioid": record.days_on_opioid})  # fmt: skip
    n_control = sum(1 for _, g, _ in stool if g == "Control")
    extra_control = max(N_CONTROL - n_control, 0)
    extra_opioid = max(N_OPIOID - (len(stool) - n_control), 0)
    blocks["other Control"] = [{"opioid": "", "dose_mg_day": 0.0, "days_on_opioid": 0}
                               for _ in range(extra_control)]  # fmt: skip
    blocks["other Opioid"] = []
    for k in range(extra_opioid):
        dose, days = _opioid_fields(k, rng)
        blocks["other Opioid"].append({"opioid": OPIOID, "dose_mg_day": dose,
                                       "days_on_opioid": days})  # fmt: skip
    number = 0
    for name, block in blocks.items():
        is_opioid = not name.endswith("Control")
        for field, proportions in CATEGORIES.items():
            for row, level in zip(block, _stratified_levels(proportions, len(block), rng),
                                  strict=True):  # fmt: skip
                row[field] = level
        for field, (mean, sd, shift, _) in NUMBERS.items():
            z = _stratified_normal(len(block), rng)
            for row, value in zip(block, mean + sd * (z + (shift if is_opioid else 0.0)),
                                  strict=True):  # fmt: skip
                row[field] = value
        for row in block:
            if "patient" not in row:
                number += 1
                row["patient"] = f"P{number:03d}"
    stool_rows = [row for name, block in blocks.items() if name.startswith("stool")
                  for row in block]  # fmt: skip
    by_id = {row["patient"]: row for row in stool_rows}
    mean, sd, shift, _ = NUMBERS[LINK_MEASURE]
    link_z = stats.norm.ppf((stats.rankdata(link_abundance) - 0.5) / len(link_abundance))
    for (sid, group, _), z in zip(stool, link_z, strict=True):
        base = mean + sd * (shift if group != "Control" else 0.0)
        by_id[sid][LINK_MEASURE] = base * np.exp(LINK_LOG_SD * z + 0.1 * rng.standard_normal())
    rows = [by_id[sid] for sid, _, _ in stool]
    rows += blocks["other Control"] + blocks["other Opioid"]
    for row in rows:
        row["cd4_cd8_ratio"] = row["cd4_pct"] / row["cd8_pct"]
    decimals = {field: spec[3] for field, spec in NUMBERS.items()} | {"cd4_cd8_ratio": 2,
                                                                     "dose_mg_day": 1}  # fmt: skip
    text_rows = []
    for row in rows:
        text = {}
        for column in COLUMNS:
            value = row[column.name]
            if column.name in decimals:
                value = max(float(value), 0.0)
                text[column.name] = f"{value:.{decimals[column.name]}f}"
            else:
                text[column.name] = str(value)
        text_rows.append(text)
    truth = [{"field": field, "comparison": "Opioid vs Control", "planted": "none",
              "shift_sd": 0.0} for field in CATEGORIES]  # fmt: skip
    for field, (_, _, shift, _) in NUMBERS.items():
        planted = "none" if shift == 0 else "up" if shift > 0 else "down"
        truth.append({"field": field, "comparison": "Opioid vs Control", "planted": planted,
                      "shift_sd": shift})  # fmt: skip
    return text_rows, truth


def write_patient_table(
    folder: Path, truth_dir: Path, stool: Sequence[tuple[str, str, Clinical]],
    link_abundance: np.ndarray, rng,
) -> None:
    """Write ``clinical.tsv`` and the truth files ``clinical_effects.tsv``, ``clinical_link.tsv``.

    Parameters
    ----------
    folder, truth_dir : pathlib.Path
        The cohort folder and its truth folder.
    stool, link_abundance, rng
        As :func:`patient_table`.
    """
    rows, truth = patient_table(stool, link_abundance, rng)
    names = [c.name for c in COLUMNS]
    lines = ["\t".join(names)] + ["\t".join(row[n] for n in names) for row in rows]
    (folder / "clinical.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    effect_lines = ["field\tcomparison\tplanted\tshift_sd"] + [
        f"{t['field']}\t{t['comparison']}\t{t['planted']}\t{t['shift_sd']:g}" for t in truth
    ]
    (truth_dir / "clinical_effects.tsv").write_text("\n".join(effect_lines) + "\n",
                                                    encoding="utf-8")  # fmt: skip
    link = (f"genus\tmeasure\tdirection\tlog_sd\n{LINK_GENUS}\t{LINK_MEASURE}\tpositive\t"
            f"{LINK_LOG_SD:g}\n")  # fmt: skip
    (truth_dir / "clinical_link.tsv").write_text(link, encoding="utf-8")
