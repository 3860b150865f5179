"""The clinical table's columns: meaning, unit, allowed values, and the study's groupings of them.

One source of truth for the clinical table: the reader validates against :data:`COLUMNS`, the
simulator writes them, the tables and figures label them with :attr:`Column.label`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One column of the clinical table.

    Attributes
    ----------
    name : str
        Header name in the TSV.
    kind : str
        ``id``, ``text`` (free text, e.g. the drug name), ``category`` (one of ``allowed``),
        ``number`` (a finite number within ``[minimum, maximum]``).
    label : str
        Name in tables and figures.
    unit : str
        Unit of a number ("" for none).
    allowed : tuple of str
        Allowed values of a category, in display order.
    minimum, maximum : float
        Bounds of a number (inclusive).
    required : bool
        The column must be in the table (cells may still be empty = missing, except ``patient``
        and ``sex``).
    """

    name: str
    kind: str
    label: str
    unit: str = ""
    allowed: tuple[str, ...] = ()
    minimum: float = 0.0
    maximum: float = float("inf")
    required: bool = False

    @property
    def label_with_unit(self) -> str:
        """``label (unit)``, or the label alone."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


TUMOUR_TYPES = ("lung", "liver", "stomach", "colorectal", "pancreatic", "oesophageal")
STAGES = ("I", "II", "III", "IV")
ECOG = ("0", "1", "2")
SEXES = ("male", "female")

COLUMNS: tuple[Column, ...] = (
    Column("patient", "id", "Patient", required=True),
    Column("sex", "category", "Sex", allowed=SEXES, required=True),
    Column("age", "number", "Age", "years", maximum=120, required=True),
    Column("tumour_type", "category", "Tumour type", allowed=TUMOUR_TYPES),
    Column("stage", "category", "AJCC 8th stage", allowed=STAGES),
    Column("ecog", "category", "ECOG performance status", allowed=ECOG),
    Column("bmi", "number", "BMI", "kg/m²", maximum=80),
    Column("total_protein", "number", "Total protein", "g/L", maximum=200),
    Column("opioid", "text", "Opioid", required=True),
    Column("dose_mg_day", "number", "Oxycodone dose", "mg/day", required=True),
    Column("days_on_opioid", "number", "Days of opioid use", "days", required=True),
    Column("il2", "number", "IL-2", "pg/mL"),
    Column("il4", "number", "IL-4", "pg/mL"),
    Column("il6", "number", "IL-6", "pg/mL"),
    Column("il10", "number", "IL-10", "pg/mL"),
    Column("tnf_alpha", "number", "TNF-α", "pg/mL"),
    Column("ifn_gamma", "number", "IFN-γ", "pg/mL"),
    Column("cd3_pct", "number", "CD3⁺", "%", maximum=100),
    Column("cd4_pct", "number", "CD4⁺", "%", maximum=100),
    Column("cd8_pct", "number", "CD8⁺", "%", maximum=100),
    Column("cd4_cd8_ratio", "number", "CD4⁺/CD8⁺", ""),
    Column("wbc", "number", "White blood cells", "10⁹/L"),
    Column("lymphocytes_pct", "number", "Lymphocytes", "%", maximum=100),
    Column("neutrophils_pct", "number", "Neutrophils", "%", maximum=100),
    Column("monocytes_pct", "number", "Monocytes", "%", maximum=100),
)
BY_NAME = {c.name: c for c in COLUMNS}

#: Rows of Table 1 (all patients, Control vs Opioid), in order.
TABLE1_FIELDS = ("sex", "age", "tumour_type", "stage", "ecog", "bmi", "total_protein")
#: Rows of Table 2 (patients with stool samples, three groups), in order.
TABLE2_FIELDS = (
    "age", "sex", "tumour_type", "stage", "ecog", "bmi", "total_protein", "dose_mg_day",
    "days_on_opioid",
)  # fmt: skip
#: Fig. 1 and Fig. 2.
CYTOKINES = ("il2", "il4", "il6", "il10", "tnf_alpha", "ifn_gamma")
#: Fig. 3.
IMMUNE = (
    "cd3_pct", "cd4_pct", "cd8_pct", "cd4_cd8_ratio", "wbc", "lymphocytes_pct",
    "neutrophils_pct", "monocytes_pct",
)  # fmt: skip
#: Host measures correlated with the genera.
HOST_MEASURES = CYTOKINES + IMMUNE
#: Fields that only opioid users have: compared between the opioid groups only.
OPIOID_ONLY = ("dose_mg_day", "days_on_opioid")
