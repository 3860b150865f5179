"""Reference download with MD5 verification (file:// URLs; no network needed)."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

from otuflow.classify.fetch import ChecksumError, fetch


def test_fetch_verifies_md5(tmp_path):
    src = tmp_path / "SILVA_test.fasta.gz"
    src.write_bytes(b"pretend release file\n" * 1000)
    good = hashlib.md5(src.read_bytes()).hexdigest()
    out = tmp_path / "res" / "silva.fasta.gz"
    fetch(src.as_uri(), good, out)
    assert out.read_bytes() == src.read_bytes()
    bad_out = tmp_path / "res" / "bad.fasta.gz"
    with pytest.raises(ChecksumError, match="expected 0{32}"):
        fetch(src.as_uri(), "0" * 32, bad_out)
    assert not bad_out.exists()
    assert not (tmp_path / "res" / "bad.fasta.gz.part").exists()
    with pytest.raises(ValueError, match="not an MD5"):
        fetch(src.as_uri(), "xyz", bad_out)


def test_fetch_cli(tmp_path):
    src = tmp_path / "f.txt"
    src.write_text("abc")
    md5 = hashlib.md5(b"abc").hexdigest()
    out = tmp_path / "o.txt"
    cmd = [sys.executable, "-m", "otuflow", "fetch-silva", "--url", src.as_uri(), "--out", str(out)]
    assert subprocess.run(cmd + ["--md5", md5]).returncode == 0
    assert out.read_text() == "abc"
    r = subprocess.run(cmd[:-1] + [str(tmp_path / "o2.txt"), "--md5", "f" * 32],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "MD5" in r.stderr and not (tmp_path / "o2.txt").exists()


def test_published_md5_is_read_from_the_checksum_file(tmp_path):
    from otuflow.classify.fetch import published_md5

    data = tmp_path / "ref.fasta.gz"
    data.write_bytes(b"ACGT" * 100)
    digest = hashlib.md5(data.read_bytes()).hexdigest()
    (tmp_path / "ref.fasta.gz.md5").write_text(f"{digest}  ref.fasta.gz\n")
    assert published_md5((tmp_path / "ref.fasta.gz.md5").as_uri()) == digest
    (tmp_path / "bad.md5").write_text("<html>not found</html>\n")
    with pytest.raises(ValueError, match="silva_md5"):
        published_md5((tmp_path / "bad.md5").as_uri())
