"""Command-line entries: prepare-reference, fetch-silva, train, classify, sintax, taxa-tables."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path


def _fail(command: str, exc: BaseException) -> int:
    print(f"otuflow {command}: error: {exc}", file=sys.stderr)
    return 1


def _primers(text: str) -> tuple[str, str]:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or not all(parts):
        raise argparse.ArgumentTypeError("expected FWD,REV (two primers separated by a comma)")
    return parts[0], parts[1]


def _cmd_prepare(args: argparse.Namespace) -> int:
    from otuflow.classify.reference import (
        prepare_reference,
        write_reference,
        write_sintax_reference,
    )

    domains = None if args.domains.lower() in ("all", "") else [
        d.strip() for d in args.domains.split(",") if d.strip()
    ]
    min_length = args.min_length
    if min_length is None:
        min_length = 200 if args.primers else 1200
    try:
        records, report = prepare_reference(
            args.fasta, args.taxonomy, fmt=args.format, domains=domains,
            max_ambiguous=args.max_ambiguous, min_length=min_length, primers=args.primers,
            max_mismatch=args.max_mismatch, keep_unmatched=args.keep_unmatched,
            keep_primers=args.keep_primers, silva_ranks=args.silva_ranks,
        )
        if not records:
            hint = ""
            if report.dropped_short and report.dropped_short >= report.total // 2:
                hint = (f". Most are shorter than the minimum length of {min_length} nt"
                        + (" (the default for whole 16S genes, used when the region is not "
                           "cut)" if args.min_length is None and not args.primers else "")
                        + ": for a reference already cut to the amplicon lower it (--min-length; "
                        "in the workflow taxonomy: min_reference_length, e.g. 300)")  # fmt: skip
            raise ValueError(
                f"no reference sequences left after filtering: {report.summary()}{hint}"
            )
        write_reference(records, args.out_fasta, args.out_taxonomy)
        if args.out_sintax:
            write_sintax_reference(records, args.out_sintax)
    except (ValueError, OSError) as exc:
        return _fail("prepare-reference", exc)
    print(report.summary(), file=sys.stderr)
    return 0


def _cmd_fetch(args: argparse.Namespace) -> int:
    from otuflow.classify.fetch import fetch

    try:
        fetch(args.url, args.md5, args.out)
    except (ValueError, OSError) as exc:
        return _fail("fetch-silva", exc)
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    from otuflow.classify.model import save_model
    from otuflow.classify.pipeline import train_from_files

    try:
        t0 = time.perf_counter()
        model = train_from_files(args.reference, args.taxonomy, fmt=args.format,
                                 leaf_rank=args.leaf_rank, threads=args.threads)
        save_model(model, args.out)
    except (ValueError, OSError) as exc:
        return _fail("train", exc)
    print(f"trained on {model.n_sequences} sequences, {model.n_leaves} {args.leaf_rank} taxa "
          f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


def _cmd_classify(args: argparse.Namespace) -> int:
    from otuflow.classify.pipeline import classify_fasta, load_or_train
    from otuflow.classify.taxonomy_tables import write_taxonomy_table

    if (args.model is None) == (args.reference is None):
        return _fail("classify", ValueError("give exactly one of --model or --reference"))
    try:
        model = load_or_train(args.model, args.reference, args.taxonomy, args.cache_dir,
                              fmt=args.format)
        table = classify_fasta(model, args.query, confidence=args.confidence, seed=args.seed,
                               bootstraps=args.bootstraps, threads=args.threads)
        write_taxonomy_table(table, args.out)
    except (ValueError, OSError) as exc:
        return _fail("classify", exc)
    return 0


def _cmd_sintax(args: argparse.Namespace) -> int:
    from otuflow.classify.pipeline import classify_sintax, sintax_database
    from otuflow.classify.taxonomy_tables import write_taxonomy_table

    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = args.db or sintax_database(args.reference, args.taxonomy,
                                            Path(tmp) / "sintax_db.fasta", fmt=args.format)
            raw = args.raw_out or Path(tmp) / "sintax.tsv"
            table = classify_sintax(args.query, db, raw, confidence=args.confidence,
                                    seed=args.seed, threads=args.threads)
        write_taxonomy_table(table, args.out)
    except (ValueError, OSError, RuntimeError) as exc:
        return _fail("sintax", exc)
    return 0


def _cmd_tables(args: argparse.Namespace) -> int:
    from otuflow.classify.taxonomy_tables import (
        read_otu_table,
        read_taxonomy_table,
        summarise_by_rank,
        write_count_table,
    )

    try:
        otu = read_otu_table(args.otu_table)
        tax = read_taxonomy_table(args.taxonomy)
        for rank, out in (("genus", args.genus_out), ("phylum", args.phylum_out)):
            if out:
                write_count_table(summarise_by_rank(otu, tax, rank), out)
    except (ValueError, OSError) as exc:
        return _fail("taxa-tables", exc)
    return 0


def _add_query_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--query", required=True, help="query FASTA (OTU representative sequences)")
    p.add_argument("--out", required=True, help="output otu_taxonomy.tsv")
    p.add_argument("--confidence", type=float, default=0.8,
                   help="bootstrap cut-off (default 0.8 as RDP; 0.5 is RDP's advice for "
                        "reads < 250 nt and QIIME 1.9's default)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1, as RDP)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--format", default="auto",
                   choices=["auto", "silva", "sintax", "dada2", "tsv"],
                   help="reference format when training from --reference")


def add_subcommands(subparsers: argparse._SubParsersAction) -> None:
    """Register this module's sub-commands on the ``otuflow`` parser."""
    p = subparsers.add_parser("prepare-reference", help="normalise/filter/cut a 16S reference")
    p.add_argument("--fasta", required=True, help="reference FASTA (.gz accepted)")
    p.add_argument("--taxonomy", help="two-column ID<TAB>lineage TSV (format tsv)")
    p.add_argument("--format", default="auto", choices=["auto", "silva", "sintax", "dada2", "tsv"])
    p.add_argument("--silva-ranks", help="SILVA tax_slv_ssu_*.txt for exact rank placement")
    p.add_argument("--domains", default="Bacteria,Archaea", help="domains to keep, or 'all'")
    p.add_argument("--max-ambiguous", type=int, default=5,
                   help="drop sequences with more non-ACGT bases (default 5)")
    p.add_argument("--min-length", type=int, default=None,
                   help="drop shorter sequences (default 1200, or 200 with --primers)")
    p.add_argument("--primers", type=_primers, help="FWD,REV primers (IUPAC) to cut the region")
    p.add_argument("--max-mismatch", type=int, default=2, help="mismatches per primer (default 2)")
    p.add_argument("--keep-unmatched", action="store_true",
                   help="keep sequences whose primers are not found whole (default: drop)")
    p.add_argument("--keep-primers", action="store_true", help="keep primer sites in the region")
    p.add_argument("--out-fasta", required=True)
    p.add_argument("--out-taxonomy", required=True)
    p.add_argument("--out-sintax", help="also write a SINTAX-format database FASTA")
    p.set_defaults(func=_cmd_prepare, inputs=("fasta", "taxonomy", "silva_ranks"),
                   outputs=("out_fasta", "out_taxonomy", "out_sintax"))

    p = subparsers.add_parser("fetch-silva", help="download a release file, verifying its MD5")
    p.add_argument("--url", required=True)
    p.add_argument("--md5", required=True)
    p.add_argument("--out", required=True)
    p.set_defaults(func=_cmd_fetch, inputs=(), outputs=("out",))

    p = subparsers.add_parser("train", help="train the RDP naive Bayesian classifier")
    p.add_argument("--reference", required=True, help="reference FASTA (prepared or any format)")
    p.add_argument("--taxonomy", help="ID<TAB>lineage TSV for the reference")
    p.add_argument("--format", default="auto", choices=["auto", "silva", "sintax", "dada2", "tsv"])
    p.add_argument("--leaf-rank", default="genus", choices=["genus", "species"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", required=True, help="model file (.npz)")
    p.set_defaults(func=_cmd_train, inputs=("reference", "taxonomy"), outputs=("out",))

    p = subparsers.add_parser("classify", help="classify sequences (RDP naive Bayes + bootstrap)")
    p.add_argument("--model", help="model from 'otuflow train'")
    p.add_argument("--reference", help="train from this reference instead of --model")
    p.add_argument("--taxonomy", help="taxonomy TSV of --reference")
    p.add_argument("--cache-dir", help="cache the model trained from --reference here")
    p.add_argument("--bootstraps", type=int, default=100)
    _add_query_options(p)
    p.set_defaults(func=_cmd_classify, inputs=("query", "model", "reference", "taxonomy"),
                   outputs=("out",))

    p = subparsers.add_parser("sintax", help="classify with vsearch --sintax (same output)")
    p.add_argument("--reference", help="reference to build the SINTAX database from")
    p.add_argument("--taxonomy", help="taxonomy TSV of --reference")
    p.add_argument("--db", help="existing SINTAX database FASTA (instead of --reference)")
    p.add_argument("--raw-out", help="keep vsearch's tabbed output here")
    _add_query_options(p)
    p.set_defaults(func=_cmd_sintax_checked, inputs=("query", "reference", "taxonomy", "db"),
                   outputs=("out", "raw_out"))

    p = subparsers.add_parser("taxa-tables", help="genus and phylum x sample count tables")
    p.add_argument("--otu-table", required=True, help="OTU table TSV (OTU_ID, sample counts)")
    p.add_argument("--taxonomy", required=True, help="otu_taxonomy.tsv")
    p.add_argument("--genus-out")
    p.add_argument("--phylum-out")
    p.set_defaults(func=_cmd_tables, inputs=("otu_table", "taxonomy"),
                   outputs=("genus_out", "phylum_out"))


def _cmd_sintax_checked(args: argparse.Namespace) -> int:
    if (args.db is None) == (args.reference is None):
        return _fail("sintax", ValueError("give exactly one of --db or --reference"))
    return _cmd_sintax(args)
