"""The methods paragraph of the report, written from the run's config and tool versions.

Config keys read (missing optional keys leave their sentence out; the first key found wins):

========================  ==============================================================
text                      keys
========================  ==============================================================
primers                   ``primers.trim``, ``primers.forward``, ``primers.reverse``,
                          ``primers.max_error_rate``, ``primers.require_both``,
                          ``primers.quality_cutoff``
merging / filtering       ``merge.min_overlap``, ``merge.max_diffs``, ``filter.max_ee``,
                          ``filter.min_length``, ``filter.max_length``, ``filter.max_ns``
OTUs                      ``dereplicate.min_size``, ``cluster.identity``, ``chimera.denovo``,
                          ``chimera.reference``, ``mapping.identity``
taxonomy                  ``taxonomy.confidence`` | ``classify.confidence``,
                          ``taxonomy.reference`` | ``classify.reference``
diversity                 ``diversity.rarefaction_depth`` (or the ``rarefaction_depth``
                          argument), ``diversity.rarefaction_floor``,
                          ``diversity.shannon_base``, ``diversity.permutations``,
                          ``diversity.beta_metrics``
differential abundance    ``differential.rank``, ``differential.permutations``,
                          ``differential.confidence``, ``differential.q_threshold``
seed                      ``seed``
========================  ==============================================================
"""

from __future__ import annotations

from collections.abc import Mapping

_MISSING = object()

REFERENCES = (
    "Rognes T et al. (2016) VSEARCH: a versatile open source tool for metagenomics. PeerJ "
    "4:e2584. doi:10.7717/peerj.2584",
    "Martin M (2011) Cutadapt removes adapter sequences from high-throughput sequencing reads. "
    "EMBnet.journal 17:10-12. doi:10.14806/ej.17.1.200",
    "Wang Q, Garrity GM, Tiedje JM, Cole JR (2007) Naive Bayesian classifier for rapid "
    "assignment of rRNA sequences into the new bacterial taxonomy. Appl Environ Microbiol "
    "73:5261-5267. doi:10.1128/AEM.00062-07",
    "Katoh K, Standley DM (2013) MAFFT multiple sequence alignment software version 7. Mol Biol "
    "Evol 30:772-780. doi:10.1093/molbev/mst010",
    "Price MN, Dehal PS, Arkin AP (2010) FastTree 2 - approximately maximum-likelihood trees "
    "for large alignments. PLoS ONE 5:e9490. doi:10.1371/journal.pone.0009490",
    "White JR, Nagarajan N, Pop M (2009) Statistical methods for detecting differentially "
    "abundant features in clinical metagenomic samples. PLoS Comput Biol 5:e1000352. "
    "doi:10.1371/journal.pcbi.1000352",
    "Parks DH, Tyson GW, Hugenholtz P, Beiko RG (2014) STAMP: statistical analysis of taxonomic "
    "and functional profiles. Bioinformatics 30:3123-3124. doi:10.1093/bioinformatics/btu494",
    "Quast C et al. (2013) The SILVA ribosomal RNA gene database project: improved data "
    "processing and web-based tools. Nucleic Acids Res 41:D590-D596. doi:10.1093/nar/gks1219",
    "Edgar RC (2016) SINTAX: a simple non-Bayesian taxonomy classifier for 16S and ITS "
    "sequences. bioRxiv 074161. doi:10.1101/074161",
    "Edgar RC, Haas BJ, Clemente JC, Quince C, Knight R (2011) UCHIME improves sensitivity and "
    "speed of chimera detection. Bioinformatics 27:2194-2200. doi:10.1093/bioinformatics/btr381",
    "Lozupone C, Knight R (2005) UniFrac: a new phylogenetic method for comparing microbial "
    "communities. Appl Environ Microbiol 71:8228-8235. doi:10.1128/AEM.71.12.8228-8235.2005",
    "Anderson MJ (2001) A new method for non-parametric multivariate analysis of variance. "
    "Austral Ecol 26:32-46. doi:10.1111/j.1442-9993.2001.01070.pp.x",
    "Storey JD, Tibshirani R (2003) Statistical significance for genomewide studies. PNAS "
    "100:9440-9445. doi:10.1073/pnas.1530956100",
    "The scikit-bio development team. scikit-bio: a Python package for bioinformatics "
    "(https://scikit.bio).",
    "Mölder F et al. (2021) Sustainable data analysis with Snakemake. F1000Research 10:33. "
    "doi:10.12688/f1000research.29032.2",
)


_BETA_NAMES = {
    "unweighted_unifrac": "unweighted UniFrac",
    "weighted_unifrac": "weighted UniFrac",
    "braycurtis": "Bray-Curtis",
    "jaccard": "Jaccard",
}


def _get(config: Mapping, *keys: str, default=_MISSING):
    """Value of the first dotted key present in ``config`` (``default`` if none)."""
    for key in keys:
        node = config
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                break
            node = node[part]
        else:
            return node
    return default


def _v(versions: Mapping[str, str], name: str) -> str:
    v = versions.get(name)
    return f"{name} {v}" if v and v != "not found" else name


def _pct(x) -> str:
    return f"{100 * float(x):g} %"


def methods_text(
    config: Mapping, versions: Mapping[str, str], rarefaction_depth: int | None = None
) -> str:
    """Methods paragraphs citing the tools with their versions and the run's parameters.

    Parameters
    ----------
    config : mapping
        The workflow config (keys in the module docstring).
    versions : mapping
        Software -> version (:func:`otuflow.report.versions.collect_tool_versions`).
    rarefaction_depth : int, optional
        Depth actually used (when ``diversity.rarefaction_depth`` is null and the depth was
        chosen from the data).

    Returns
    -------
    str
        Plain text; paragraphs separated by blank lines, references last.
    """
    paras = []
    reads = []
    if _get(config, "primers.trim", default=True):
        fwd = _get(config, "primers.forward", default="?")
        rev = _get(config, "primers.reverse", default="?")
        s = (f"Primers (forward 5'-{fwd}-3', reverse 5'-{rev}-3') and any sequence before them "
             f"were removed from the paired-end reads with {_v(versions, 'cutadapt')} (Martin "
             "2011")
        err = _get(config, "primers.max_error_rate", default=None)
        details = [""]
        if err is not None:
            details.append(f"maximum error rate {err:g}")
        if _get(config, "primers.require_both", default=False):
            details.append("pairs without both primers discarded")
        q = _get(config, "primers.quality_cutoff", default=0)
        if q:
            details.append(f"3' ends trimmed below Phred {q}")
        reads.append(s + "; ".join(details) + ").")
    else:
        reads.append("Reads were used without primer trimming (they start after the primers).")
    merge = [f"Read pairs were merged with {_v(versions, 'vsearch')} (Rognes et al. 2016; "
             "--fastq_mergepairs"]
    ov = _get(config, "merge.min_overlap", default=None)
    if ov is not None:
        merge.append(f", minimum overlap {ov} nt")
    md = _get(config, "merge.max_diffs", default=None)
    if md is not None:
        merge.append(f", at most {md} mismatches in the overlap")
    merge.append(")")
    filt = []
    ee = _get(config, "filter.max_ee", default=None)
    if ee is not None:
        filt.append(f"maximum expected errors {ee:g}")
    lo = _get(config, "filter.min_length", default=None)
    hi = _get(config, "filter.max_length", default=None)
    if lo is not None and hi is not None:
        filt.append(f"length {lo}-{hi} nt")
    ns = _get(config, "filter.max_ns", default=None)
    if ns is not None:
        filt.append("no ambiguous bases" if ns == 0 else f"at most {ns} ambiguous bases")
    if filt:
        merge.append(f" and merged reads kept with {', '.join(filt)} (--fastq_filter)")
    reads.append("".join(merge) + ".")
    paras.append(" ".join(reads))

    otu = []
    ms = _get(config, "dereplicate.min_size", default=None)
    derep = "Reads were dereplicated"
    if ms is not None and ms > 1:
        derep += f" and unique sequences seen fewer than {ms} times in all samples discarded"
    otu.append(derep + ".")
    ident = _get(config, "cluster.identity", default=0.97)
    otu.append(f"The remaining sequences were clustered into OTUs at {_pct(ident)} identity "
               "(--cluster_size, greedy by decreasing abundance).")
    chim = []
    if _get(config, "chimera.denovo", default=True):
        chim.append("de novo (--uchime_denovo)")
    ref = _get(config, "chimera.reference", default="")
    if ref:
        chim.append(f"against the reference {ref} (--uchime_ref)")
    if chim:
        otu.append(f"Chimeric OTUs were removed {' and '.join(chim)}.")
    mid = _get(config, "mapping.identity", default=None)
    if mid is not None:
        otu.append(f"The OTU table counts the filtered reads of each sample mapped to an OTU at "
                   f"≥ {_pct(mid)} identity (--usearch_global).")
    paras.append(" ".join(otu))

    tax = []
    conf = _get(config, "taxonomy.confidence", "classify.confidence", default=None)
    tref = _get(config, "taxonomy.reference", "classify.reference", default=None)
    if _get(config, "taxonomy.source", default=None) == "silva":
        tref = "SILVA 138.1 SSU NR99 (Quast et al. 2013)"
    elif tref is None:
        tref = _get(config, "taxonomy.reference_fasta", default=None)
    if _get(config, "taxonomy.extract_region", default=False) and tref:
        tref += ", cut to the amplified region with the primers"
    method = _get(config, "taxonomy.method", default="rdp")
    boots = _get(config, "taxonomy.bootstraps", default=100)
    if method == "sintax" and (conf is not None or tref is not None):
        s = f"OTUs were classified with {_v(versions, 'vsearch')} --sintax (Edgar 2016)"
        s += f" (reference {tref}" if tref else " ("
        s += f"; bootstrap cut-off {conf:g})." if conf is not None else ")."
        tax.append(s)
    elif conf is not None or tref is not None:
        s = ("OTUs were classified with the naive Bayesian classifier of Wang et al. (2007) "
             f"as implemented in otuflow (8-mer words, {boots} bootstrap trials")
        s += f"; reference {tref}" if tref else ""
        s += f"), keeping ranks down to the first with bootstrap confidence below {conf:g}." \
            if conf is not None else ")."
        tax.append(s)
    tax.append(f"OTU sequences were aligned with {_v(versions, 'MAFFT')} (Katoh and Standley "
               f"2013) and a tree was inferred with {_v(versions, 'FastTree')} (Price et al. "
               "2010) and rooted at its midpoint.")
    paras.append(" ".join(tax))

    div = []
    depth = _get(config, "diversity.rarefaction_depth", default=None)
    depth = rarefaction_depth if rarefaction_depth is not None else depth
    floor = _get(config, "diversity.rarefaction_floor", default=None)
    base = _get(config, "diversity.shannon_base", default=2)
    perms = _get(config, "diversity.permutations", default=None)
    metrics = _get(config, "diversity.beta_metrics", default=None)
    if depth is not None:
        div.append(f"For diversity analyses, samples were rarefied to {int(depth):,} reads "
                   "(samples with fewer reads were left out).")
    elif floor is not None:
        div.append("For diversity analyses, samples were rarefied to the smallest sample total "
                   f"of at least {int(floor):,} reads (samples with fewer reads were left out).")
    div.append("Alpha diversity (observed OTUs, bias-corrected Chao1, Shannon index with log "
               f"base {float(base):g}) was computed with {_v(versions, 'scikit-bio')}.")
    ptxt = f" ({perms} permutations)" if perms is not None else ""
    div.append("Groups were compared by the Kruskal-Wallis test and by pairwise nonparametric "
               f"t-tests as in QIIME 1.9 compare_alpha_diversity{ptxt}, Bonferroni-corrected.")
    if metrics:
        names = ", ".join(_BETA_NAMES.get(m, m) for m in metrics)
        div.append(f"Beta diversity ({names}) was ordinated by PCoA and NMDS and tested between "
                   f"groups by PERMANOVA{ptxt}.")
    paras.append(" ".join(div))

    rank = _get(config, "differential.rank", default="genus")
    da_perm = _get(config, "differential.permutations", default=None)
    da_conf = _get(config, "differential.confidence", default=0.95)
    q_thr = _get(config, "differential.q_threshold", default=None)
    ptxt = f"{da_perm} permutations, " if da_perm is not None else ""
    da = (f"Differential abundance at {rank} level was tested with Metastats (White et al. 2009; "
          f"{ptxt}q-values by Storey's method) and with Welch's t-test as in STAMP (Parks et al. "
          f"2014; {_pct(da_conf)} confidence intervals of the difference in mean proportions, "
          "Benjamini-Hochberg correction).")
    if q_thr is not None:
        da += f" Features with q < {float(q_thr):g} were called differentially abundant."
    paras.append(da)

    seed = _get(config, "seed", default=None)
    run = f"The workflow ran with {_v(versions, 'snakemake')} (Mölder et al. 2021)"
    py = [f"{_v(versions, n)}" for n in ("numpy", "scipy", "pandas", "matplotlib",
                                           "biom-format") if n in versions]
    if "Python" in versions:
        run += f" on Python {versions['Python']}"
    if py:
        run += f" with {', '.join(py)}"
    run += "."
    if seed is not None:
        run += f" Every random step (subsampling, permutations, bootstraps) used seed {seed}."
    paras.append(run)
    paras.append("References")
    paras.extend(f"[{i}] {r}." for i, r in enumerate(REFERENCES, 1))
    return "\n\n".join(paras)
