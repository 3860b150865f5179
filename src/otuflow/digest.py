"""Digests of whole files (provenance, reference cache keys, downloads, simulated cohorts)."""

from __future__ import annotations

import hashlib
import os


def file_digest(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """Hex digest of a whole file, read in blocks by :func:`hashlib.file_digest`.

    Parameters
    ----------
    path : path-like
        File to hash.
    algorithm : str
        A :mod:`hashlib` algorithm name (``"sha256"``, ``"md5"``).

    Returns
    -------
    str
        Lower-case hex digest.
    """
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, algorithm).hexdigest()
