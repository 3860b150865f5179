"""Taxon x sample tables summed from the OTU table, and the taxa-tables CLI."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from otuflow.classify.taxonomy_tables import (
    TaxonomyTableError,
    build_taxonomy_table,
    read_taxonomy_table,
    summarise_by_rank,
    write_taxonomy_table,
)


@pytest.fixture
def taxonomy(tmp_path):
    lins = [
        ["Bacteria", "Firmicutes", "Clostridia", "Lachnospirales", "Lachnospiraceae", "Blautia"],
        ["Bacteria", "Firmicutes", "Clostridia", "Lachnospirales", "Lachnospiraceae", "Blautia"],
        ["Bacteria", "Firmicutes", "Clostridia", "Lachnospirales", "Lachnospiraceae", "Dorea"],
        ["Bacteria", "Bacteroidota", "Bacteroidia", "Bacteroidales", "Bacteroidaceae",
         "Bacteroides"],
        ["Bacteria", "Firmicutes", "Clostridia", "Lachnospirales", "Lachnospiraceae", "Blautia"],
        None,
    ]
    conf = np.ones((6, 6))
    conf[4, 5] = 0.5  # OTU5 genus below the cut-off -> Lachnospiraceae_unclassified
    table = build_taxonomy_table([f"OTU{i}" for i in range(1, 7)], lins, conf, 0.8)
    path = tmp_path / "tax.tsv"
    write_taxonomy_table(table, path)
    return path


def test_summarise_by_rank_hand_computed(taxonomy):
    otu = pd.DataFrame({"OTU_ID": [f"OTU{i}" for i in range(1, 7)],
                        "S1": [10, 5, 0, 7, 3, 1], "S2": [0, 1, 2, 30, 0, 4]})
    tax = read_taxonomy_table(taxonomy)
    genus = summarise_by_rank(otu, tax, "genus")
    assert genus.index.name == "genus"
    assert genus.to_dict("index") == {
        "Bacteroides": {"S1": 7, "S2": 30},
        "Blautia": {"S1": 15, "S2": 1},
        "Unassigned": {"S1": 1, "S2": 4},
        "Lachnospiraceae_unclassified": {"S1": 3, "S2": 0},
        "Dorea": {"S1": 0, "S2": 2},
    }
    assert list(genus.index) == ["Bacteroides", "Blautia", "Unassigned",
                                 "Lachnospiraceae_unclassified", "Dorea"]
    phylum = summarise_by_rank(otu.set_index("OTU_ID"), tax, "phylum")
    assert phylum.loc["Firmicutes"].tolist() == [18, 3]
    assert phylum.sum().tolist() == otu[["S1", "S2"]].sum().tolist()


def test_missing_otu_is_an_error(taxonomy):
    otu = pd.DataFrame({"OTU_ID": ["OTU1", "OTU99"], "S1": [1, 2]})
    with pytest.raises(TaxonomyTableError, match="OTU99"):
        summarise_by_rank(otu, read_taxonomy_table(taxonomy), "genus")


def test_taxa_tables_cli(tmp_path, taxonomy):
    otu = tmp_path / "otu.tsv"
    otu.write_text("OTU_ID\tS1\tS2\nOTU1\t10\t0\nOTU2\t5\t1\nOTU3\t0\t2\nOTU4\t7\t30\n"
                   "OTU5\t3\t0\nOTU6\t1\t4\n")
    g, p = tmp_path / "genus.tsv", tmp_path / "phylum.tsv"
    r = subprocess.run([sys.executable, "-m", "otuflow", "taxa-tables", "--otu-table", str(otu),
                        "--taxonomy", str(taxonomy), "--genus-out", str(g), "--phylum-out",
                        str(p)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert g.read_text().splitlines()[:2] == ["genus\tS1\tS2", "Bacteroides\t7\t30"]
    assert p.read_text().splitlines() == ["phylum\tS1\tS2", "Bacteroidota\t7\t30",
                                          "Firmicutes\t18\t3", "Unassigned\t1\t4"]
    otu.write_text("OTU_ID\tS1\nOTU1\tx\n")
    r = subprocess.run([sys.executable, "-m", "otuflow", "taxa-tables", "--otu-table", str(otu),
                        "--taxonomy", str(taxonomy), "--genus-out", str(g)],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "integer counts" in r.stderr
