"""Snakemake entry point: download a reference release file and verify its MD5."""

from otuflow.classify.fetch import fetch, published_md5
from otuflow.snakemake_io import log_to

sm = snakemake  # noqa: F821
with log_to(sm.log[0]):
    md5 = sm.params.md5 or published_md5(sm.params.url + ".md5")
    print(f"downloading {sm.params.url} (md5 {md5})")
    fetch(sm.params.url, md5, sm.output[0])
