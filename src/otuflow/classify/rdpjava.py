"""Drive the Java RDP Classifier 2.10 (Debian ``rdp-classifier``) on otuflow references.

Used by the agreement tests and ``benchmarks/`` to train and run the reference implementation on
exactly the data otuflow uses. Training files follow the RDP ``ClassifierTraineeMaker`` formats:
a taxonomy file of ``taxid*name*parentid*depth*rank`` lines and a FASTA whose headers are
``ID<TAB>Root;domain;...;genus``. RDP needs every (name, rank) pair to be unique, so a name used
under two different parents is given a ``__<n>`` suffix in the Java files; the returned mapping
translates Java genus names back to otuflow lineages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

RDP_JAR = Path("/usr/share/rdp-classifier/rdp_classifier.jar")
_PROPERTIES = """bergeyTree=bergeyTrainingTree.xml
probabilityList=genus_wordConditionalProbList.txt
probabilityIndex=wordConditionalProbIndexArr.txt
wordPrior=logWordPrior.txt
classifierVersion=RDP Naive Bayesian rRNA Classifier Version 2.10
"""


def java_available(jar: Path = RDP_JAR) -> bool:
    """Return True when ``java`` is on PATH and the RDP Classifier jar exists."""
    return shutil.which("java") is not None and Path(jar).is_file()


def write_training_files(
    ids: Sequence[str],
    sequences: Sequence[str],
    lineages: Sequence[Sequence[str]],
    ranks: Sequence[str],
    outdir: str | os.PathLike,
) -> tuple[Path, Path, dict[str, tuple[str, ...]]]:
    """Write RDP taxonomy and training FASTA files.

    Parameters
    ----------
    ids, sequences, lineages :
        Reference records; each lineage has one name per rank in ``ranks``.
    ranks : sequence of str
        Rank names from domain down to the leaf rank (usually genus).
    outdir : path-like
        Directory for ``taxonomy.txt`` and ``train.fasta``.

    Returns
    -------
    taxonomy_file, fasta_file : Path
    leaf_names : dict
        Java leaf name -> otuflow lineage tuple.
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    node_id: dict[tuple[str, ...], int] = {(): 0}
    java_name: dict[tuple[str, ...], str] = {(): "Root"}
    used: set[tuple[str, int]] = set()
    lines = ["0*Root*-1*0*rootrank"]
    headers = []
    for lin in lineages:
        lin = tuple(lin[: len(ranks)])
        for depth in range(1, len(lin) + 1):
            key = lin[:depth]
            if key in node_id:
                continue
            name, n = key[-1], 1
            while (name.lower(), depth) in used:
                n += 1
                name = f"{key[-1]}__{n}"
            used.add((name.lower(), depth))
            node_id[key] = len(node_id)
            java_name[key] = name
            lines.append(
                f"{node_id[key]}*{name}*{node_id[key[:-1]]}*{depth}*{ranks[depth - 1]}"
            )
        headers.append(";".join(["Root"] + [java_name[lin[:d]] for d in range(1, len(lin) + 1)]))
    tax_file = outdir / "taxonomy.txt"
    tax_file.write_text("\n".join(lines) + "\n")
    fasta = outdir / "train.fasta"
    with open(fasta, "w") as fh:
        for i, s, h in zip(ids, sequences, headers, strict=True):
            fh.write(f">{i}\t{h}\n{s}\n")
    leaf_names = {java_name[k]: k for k in node_id if len(k) == len(ranks)}
    return tax_file, fasta, leaf_names


def train_command(taxonomy: Path, fasta: Path, outdir: Path, jar: Path = RDP_JAR) -> list[str]:
    """Return the ``ClassifierTraineeMaker`` command line."""
    return [
        "java", "-Xmx4g", "-cp", str(jar),
        "edu.msu.cme.rdp.classifier.train.ClassifierTraineeMaker",
        "-t", str(taxonomy), "-s", str(fasta), "-n", "1", "-v", "v1", "-o", str(outdir),
    ]


def classify_command(
    properties: Path, query: Path, out: Path, confidence: float = 0.8, jar: Path = RDP_JAR
) -> list[str]:
    """Return the ``ClassifierMain classify`` command line (fixrank output)."""
    return [
        "java", "-Xmx4g", "-cp", str(jar), "edu.msu.cme.rdp.classifier.cli.ClassifierMain",
        "classify", "-t", str(properties), "-c", str(confidence), "-f", "fixrank",
        "-o", str(out), str(query),
    ]


def write_properties(outdir: str | os.PathLike) -> Path:
    """Write ``rRNAClassifier.properties`` next to trained RDP files and return its path."""
    path = Path(outdir) / "rRNAClassifier.properties"
    path.write_text(_PROPERTIES)
    return path


def train(taxonomy: Path, fasta: Path, outdir: Path, jar: Path = RDP_JAR) -> Path:
    """Train the Java classifier; return the properties file to classify with."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    _run(train_command(taxonomy, fasta, outdir, jar))
    return write_properties(outdir)


def classify(properties: Path, query: Path, out: Path, confidence: float = 0.8,
             jar: Path = RDP_JAR) -> dict[str, list[tuple[str, str, float]]]:
    """Run the Java classifier and return its parsed output (see :func:`parse_fixrank`)."""
    _run(classify_command(properties, query, out, confidence, jar))
    return parse_fixrank(out)


def _run(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:6])} ... failed: {proc.stderr.strip()[-2000:]}")


def parse_fixrank(path: str | os.PathLike) -> dict[str, list[tuple[str, str, float]]]:
    """Parse RDP ``fixrank`` output into ``{query: [(name, rank, confidence), ...]}``.

    Each line is ``id<TAB>[-]<TAB>name<TAB>rank<TAB>conf...``; the optional second field marks a
    reverse-complemented query.
    """
    out: dict[str, list[tuple[str, str, float]]] = {}
    with open(path) as fh:
        for line in fh:
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 4:
                continue
            rest = fields[2:]
            triples = [
                (rest[i], rest[i + 1], float(rest[i + 2]))
                for i in range(0, len(rest) - 2, 3)
                if rest[i + 1] != "rootrank"
            ]
            out[fields[0]] = triples
    return out
