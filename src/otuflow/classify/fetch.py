"""Download a reference release file (e.g. SILVA 138.1 SSU NR99) with MD5 verification."""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.request
from pathlib import Path

from otuflow.digest import file_digest


class ChecksumError(ValueError):
    """The downloaded file's MD5 differs from the expected one."""


def fetch(url: str, md5: str, out: str | os.PathLike, *, timeout: float = 600) -> Path:
    """Download ``url`` to ``out`` and verify its MD5.

    The data are written to ``<out>.part`` and renamed only after the checksum matches; on a
    mismatch (or any download error) the partial file is removed. An existing ``out`` with the
    right checksum is kept without downloading again.

    Parameters
    ----------
    url : str
        ``https://``, ``http://``, ``ftp://`` or ``file://`` URL.
    md5 : str
        Expected MD5 hex digest (as published next to the SILVA release files).
    out : path-like
        Destination file.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    ChecksumError
        If the MD5 does not match.
    """
    out = Path(out)
    expected = md5.strip().lower()
    if len(expected) != 32 or any(c not in "0123456789abcdef" for c in expected):
        raise ValueError(f"{md5!r} is not an MD5 hex digest (32 hex characters)")
    if out.is_file() and file_digest(out, "md5") == expected:
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(out.name + ".part")
    h = hashlib.md5()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp, open(part, "wb") as fh:
            while block := resp.read(1 << 20):
                h.update(block)
                fh.write(block)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    got = h.hexdigest()
    if got != expected:
        part.unlink(missing_ok=True)
        raise ChecksumError(
            f"MD5 of {url} is {got}, expected {expected}; the download was removed. Check the "
            "URL and MD5 in the config (or retry if the transfer was interrupted)"
        )
    shutil.move(part, out)
    return out


def published_md5(md5_url: str, *, timeout: float = 60) -> str:
    """Read the MD5 digest from a checksum file published beside a release (``<file>.md5``).

    Parameters
    ----------
    md5_url : str
        URL of the checksum file; its first word is the digest (``md5sum`` format).

    Returns
    -------
    str
        The digest, lower case.

    Raises
    ------
    ValueError
        If the file does not start with an MD5 hex digest.
    """
    with urllib.request.urlopen(md5_url, timeout=timeout) as response:
        words = response.read(4096).decode("ascii", "replace").split()
    digest = words[0].lower() if words else ""
    if len(digest) != 32 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(
            f"{md5_url} does not hold an MD5 digest; set taxonomy: silva_md5 in the config"
        )
    return digest
