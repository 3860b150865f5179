"""``vsearch --sintax`` as an alternative classifier, converted to the otu_taxonomy format.

SINTAX (Edgar 2016) reports, per rank, a bootstrap-like confidence from 100 k-mer subsample
searches against the reference. The database is written from the prepared reference
(:func:`otuflow.classify.reference.write_sintax_reference`), so names and placeholders are the
same as for the RDP method. vsearch is run with one thread and ``--randseed`` for reproducible
output.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from otuflow.classify.reference import RANKS
from otuflow.classify.taxonomy_tables import build_taxonomy_table

_RANK_INDEX = {"d": 0, "k": 0, "p": 1, "c": 2, "o": 3, "f": 4, "g": 5, "s": 6}


class SintaxError(RuntimeError):
    """vsearch is missing or failed."""


def run_sintax(
    query: str | os.PathLike,
    database: str | os.PathLike,
    out: str | os.PathLike,
    *,
    cutoff: float = 0.8,
    seed: int = 1,
    threads: int = 1,
    vsearch: str = "vsearch",
) -> Path:
    """Run ``vsearch --sintax`` and return the path of its tabbed output."""
    exe = shutil.which(vsearch)
    if exe is None:
        raise SintaxError(f"{vsearch!r} not found on PATH; install vsearch (apt install vsearch)")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        exe, "--sintax", str(query), "--db", str(database), "--tabbedout", str(out),
        "--sintax_cutoff", str(cutoff), "--randseed", str(seed), "--threads", str(threads),
        "--strand", "both", "--notrunclabels", "--quiet",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SintaxError(f"vsearch --sintax failed ({proc.returncode}): {proc.stderr.strip()}")
    return out


def parse_sintax(
    path: str | os.PathLike, ids: Sequence[str], cutoff: float, id_of=lambda label: label
) -> pd.DataFrame:
    """Convert vsearch SINTAX tabbed output to the ``otu_taxonomy.tsv`` table.

    Parameters
    ----------
    path : path-like
        ``--tabbedout`` file (``label<TAB>d:X(1.00),p:Y(0.93),...<TAB>strand<TAB>...``).
    ids : sequence of str
        Query IDs in output order; queries absent from the file are unassigned.
    cutoff : float
        Confidence cut-off for names.
    id_of : callable
        Maps a vsearch label to a query ID (e.g. strips ``;size=``).
    """
    found: dict[str, tuple[list[str], np.ndarray]] = {}
    with open(path) as fh:
        for line in fh:
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 2 or not fields[1]:
                continue
            names = [""] * len(RANKS)
            conf = np.zeros(len(RANKS))
            for item in fields[1].split(","):
                code, _, rest = item.partition(":")
                if code not in _RANK_INDEX or "(" not in rest:
                    continue
                name, _, c = rest.rpartition("(")
                names[_RANK_INDEX[code]] = name
                conf[_RANK_INDEX[code]] = float(c.rstrip(")"))
            depth = next((i for i, n in enumerate(names) if not n), len(RANKS))
            found[id_of(fields[0])] = (names[:depth], conf)
    lineages, confs = [], np.zeros((len(ids), len(RANKS)))
    for i, qid in enumerate(ids):
        if qid in found and found[qid][0]:
            names, conf = found[qid]
            lineages.append(names + [""] * (len(RANKS) - len(names)))
            confs[i] = conf
        else:
            lineages.append(None)
    return build_taxonomy_table(ids, lineages, confs, cutoff, model_ranks=RANKS)
