"""Files for QIIME 2, phyloseq and mothur on a hand-built run: every format checked by hand.

The clients themselves read these files in tests/test_export_clients.py (when installed).
"""

from __future__ import annotations

import json

import biom
import pandas as pd
import pytest

from otuflow.export import export_for_clients, mothur_names, newick_text, otu_label, read_tree
from otuflow.plan import EXPORT_FILES, RESULT_FILES

TAXONOMY_HEADER = "\t".join(
    ["OTU_ID"] + [c for r in ("domain", "phylum", "class", "order", "family", "genus", "species")
                  for c in (r, f"{r}_confidence")] + ["taxonomy"]
)  # fmt: skip


def _taxonomy_row(otu, names, confidences):
    cells = [otu]
    for i in range(7):
        cells += [names[i] if i < len(names) else "",
                  confidences[i] if i < len(confidences) else ""]  # fmt: skip
    prefixes = "dpcofgs"
    taxonomy = "; ".join(f"{prefixes[i]}__{n}" for i, n in enumerate(names)) or "Unassigned"
    return "\t".join(cells + [taxonomy])


@pytest.fixture
def run(tmp_path):
    """A three-OTU, three-sample run with a dash in a sample and a group name."""
    (tmp_path / "otu_table.tsv").write_text(
        "OTU_ID\tS-1\tS2\tS3\nOTU_1\t10\t0\t5\nOTU_2\t3\t4\t0\nOTU_3\t0\t1\t2\n"
    )
    (tmp_path / "otu_taxonomy.tsv").write_text("\n".join([
        TAXONOMY_HEADER,
        _taxonomy_row("OTU_1", ["Bacteria", "Firmicutes", "Bacilli"], ["1", "0.99", "0.85"]),
        _taxonomy_row("OTU_2", ["Bacteria"], ["1", "0.5"]),
        _taxonomy_row("OTU_3", [], ["0.3"]),
    ]) + "\n")  # fmt: skip
    (tmp_path / "groups.tsv").write_text(
        "sample\tgroup\tgroup_source\tdays_on_opioid\n"
        "S-1\tControl\tsheet\t0\nS2\tOpioid-S\tsheet\t3\nS3\tOpioid-S\tsheet\t\n"
    )
    (tmp_path / "otus.fasta").write_text(">OTU_1\nacgtac\ngt\n>OTU_2\nACGTTT\n>OTU_3\nacgaaa\n")
    (tmp_path / "aligned.fasta").write_text(">OTU_1\nacgtacgt\n>OTU_2\nacgt--tt\n>OTU_3\n"
                                            "acga--aa\n")  # fmt: skip
    (tmp_path / "tree.nwk").write_text("(('OTU_1':0.1,'OTU_2':0.2):0.05,'OTU_3':0.3);\n")
    inputs = {"otu_table": "otu_table.tsv", "otu_taxonomy": "otu_taxonomy.tsv",
              "groups": "groups.tsv", "otus": "otus.fasta", "alignment": "aligned.fasta",
              "tree": "tree.nwk"}  # fmt: skip
    inputs = {k: tmp_path / v for k, v in inputs.items()}
    outputs = {key: tmp_path / "results" / RESULT_FILES[key] for key in EXPORT_FILES}
    export_for_clients(inputs, outputs, identity=0.97)
    return outputs


def test_qiime2_files(run):
    table = biom.load_table(str(run["qiime2_table"]))
    assert table.type == "OTU table"
    assert list(table.ids("observation")) == ["OTU_1", "OTU_2", "OTU_3"]
    assert table.data("S-1").tolist() == [10, 3, 0]
    assert run["qiime2_taxonomy"].read_text().splitlines() == [
        "Feature ID\tTaxon\tConfidence",
        "OTU_1\td__Bacteria; p__Firmicutes; c__Bacilli\t0.85",  # deepest assigned rank
        "OTU_2\td__Bacteria\t1",
        "OTU_3\tUnassigned\t0.3",
    ]
    sequences = run["qiime2_sequences"].read_text()
    assert sequences == ">OTU_1\nACGTACGT\n>OTU_2\nACGTTT\n>OTU_3\nACGAAA\n"
    assert run["qiime2_alignment"].read_text().splitlines()[3] == "ACGT--TT"
    # QIIME 2 reads Newick through scikit-bio, which makes an unquoted "_" a space: keep quotes.
    assert "'OTU_1'" in run["qiime2_tree"].read_text()


def test_metadata_keeps_every_sample_column_and_its_values(run):
    meta = pd.read_csv(run["qiime2_metadata"], sep="\t", dtype=str, keep_default_na=False)
    assert list(meta.columns) == ["sample-id", "group", "group_source", "days_on_opioid"]
    assert meta["sample-id"].tolist() == ["S-1", "S2", "S3"]
    assert meta["group"].tolist() == ["Control", "Opioid-S", "Opioid-S"]
    assert meta["days_on_opioid"].tolist()[2] == ""  # missing stays missing


def test_phyloseq_biom_json_and_unquoted_tree(run):
    document = json.loads(run["phyloseq_biom"].read_text())
    assert document["format"].startswith("Biological Observation Matrix 1.0")
    assert document["type"] == "OTU table" and document["date"] == "2000-01-01T00:00:00"
    rows = {r["id"]: r["metadata"]["taxonomy"] for r in document["rows"]}
    assert rows == {"OTU_1": ["Bacteria", "Firmicutes", "Bacilli"], "OTU_2": ["Bacteria"],
                    "OTU_3": ["Unassigned"]}  # fmt: skip
    columns = {c["id"]: c["metadata"] for c in document["columns"]}
    assert columns["S2"] == {"group": "Opioid-S", "group_source": "sheet", "days_on_opioid": "3"}
    table = biom.load_table(str(run["phyloseq_biom"]))
    assert table.data("OTU_3", axis="observation").tolist() == [0, 1, 2]
    assert run["phyloseq_tree"].read_text() == "((OTU_1:0.1,OTU_2:0.2):0.05,OTU_3:0.3);\n"
    script = run["phyloseq_script"].read_text()
    assert 'import_biom(\n  "otu_table.json.biom"' in script
    assert 'treefilename = "tree.nwk"' in script
    assert 'refseqfilename = "../qiime2/dna-sequences.fasta"' in script


def test_mothur_files(run):
    assert run["mothur_shared"].read_text().splitlines() == [
        "label\tGroup\tnumOtus\tOTU_1\tOTU_2\tOTU_3",
        "0.03\tS_1\t3\t10\t3\t0",
        "0.03\tS2\t3\t0\t4\t1",
        "0.03\tS3\t3\t5\t0\t2",
    ]
    assert run["mothur_taxonomy"].read_text().splitlines() == [
        "OTU\tSize\tTaxonomy",
        "OTU_1\t15\tBacteria(100);Firmicutes(99);Bacilli(85);",
        "OTU_2\t7\tBacteria(100);Bacteria_unclassified(100);Bacteria_unclassified(100);",
        "OTU_3\t3\tunknown(0);unknown(0);unknown(0);",
    ]
    assert run["mothur_design"].read_text().splitlines() == [
        "group\ttreatment", "S_1\tControl", "S2\tOpioid_S", "S3\tOpioid_S"
    ]
    names = pd.read_csv(run["mothur_names"], sep="\t")
    assert names.values.tolist() == [
        ["sample", "S-1", "S_1"], ["sample", "S2", "S2"], ["sample", "S3", "S3"],
        ["group", "Control", "Control"], ["group", "Opioid-S", "Opioid_S"],
    ]


def test_export_is_byte_identical_when_rerun(run, tmp_path):
    first = {k: p.read_bytes() for k, p in run.items()}
    inputs = {k: tmp_path / v for k, v in {
        "otu_table": "otu_table.tsv", "otu_taxonomy": "otu_taxonomy.tsv", "groups": "groups.tsv",
        "otus": "otus.fasta", "alignment": "aligned.fasta", "tree": "tree.nwk"}.items()}
    export_for_clients(inputs, run, identity=0.97)
    assert {k: p.read_bytes() for k, p in run.items()} == first


def test_mothur_names_collision_is_an_error():
    assert mothur_names(["a-b", "a:c", "ok.1"], "sample") == {"a-b": "a_b", "a:c": "a_c",
                                                              "ok.1": "ok.1"}  # fmt: skip
    with pytest.raises(ValueError, match="'a-b' and 'a_b' would both be 'a_b'"):
        mothur_names(["a-b", "a_b"], "sample")


def test_otu_label_and_labels_that_need_quotes(tmp_path):
    assert otu_label(0.97) == "0.03" and otu_label(0.985) == "0.015" and otu_label(1) == "0"
    path = tmp_path / "t.nwk"
    path.write_text("('OTU_1':1,'x(y)':3,'a,b':1);\n")
    text = newick_text(read_tree(path), quote_labels=False)
    assert text == "(OTU_1:1.0,'x(y)':3.0,'a,b':1.0);\n"


def test_inputs_that_disagree_are_named(run, tmp_path):
    inputs = {k: tmp_path / v for k, v in {
        "otu_table": "otu_table.tsv", "otu_taxonomy": "otu_taxonomy.tsv", "groups": "groups.tsv",
        "otus": "otus.fasta", "alignment": "aligned.fasta", "tree": "tree.nwk"}.items()}
    (tmp_path / "g2.tsv").write_text("sample\tgroup\nS-1\tA\nS2\tB\n")
    with pytest.raises(ValueError, match=r"g2.tsv: no group for sample\(s\) \['S3'\]"):
        export_for_clients({**inputs, "groups": tmp_path / "g2.tsv"}, run, 0.97)
    (tmp_path / "t2.nwk").write_text("('OTU_1':0.1,'OTU_2':0.2);\n")
    with pytest.raises(ValueError, match="t2.nwk: its tips are not the OTUs"):
        export_for_clients({**inputs, "tree": tmp_path / "t2.nwk"}, run, 0.97)
