"""What the feature table counts: 97 % OTUs or UNOISE3 ASVs (config key ``features``).

One place for the name of a feature (``OTU`` or ``ASV``), the prefix of feature IDs
(``OTU_1``/``ASV_1``, numbered by decreasing abundance) and the vsearch chimera command that fits
the features (UCHIME for OTUs, UCHIME3 for ASVs: Edgar 2016, chimeras of denoised sequences).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class FeatureKind:
    """One kind of feature.

    Attributes
    ----------
    key : str
        Config value (``otu`` or ``asv``).
    noun : str
        Name used in IDs, tables and the report (``OTU`` or ``ASV``).
    chimera_option : str
        vsearch option for de novo chimera removal.
    """

    key: str
    noun: str
    chimera_option: str

    @property
    def prefix(self) -> str:
        """Prefix of feature IDs, e.g. ``OTU_``."""
        return f"{self.noun}_"


KINDS = {
    "otu": FeatureKind("otu", "OTU", "--uchime_denovo"),
    "asv": FeatureKind("asv", "ASV", "--uchime3_denovo"),
}


def feature_kind(config: Mapping) -> FeatureKind:
    """The kind of feature a run's config asks for (``features``, default ``otu``).

    Parameters
    ----------
    config : Mapping
        Workflow config.

    Returns
    -------
    FeatureKind
    """
    key = config.get("features", "otu")
    if key not in KINDS:
        raise ValueError(f"features: {key!r} is not one of {sorted(KINDS)}")
    return KINDS[key]
