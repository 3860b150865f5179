"""Every method sentence of the report, written from the run's config and tool versions.

The config is the validated one (``workflow/schemas/config.schema.yaml`` fills in every default),
so each number and name a sentence states is read from its config key: nothing here assumes a
default. The report's section intros and captions reuse these sentences, so a parameter is stated
the same way everywhere. References are listed only when the text cites them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from otuflow.classify.kmers import WORD_SIZE
from otuflow.features import feature_kind
from otuflow.iupac import reverse_complement
from otuflow.software import NOT_INSTALLED
from otuflow.stats.beta_metrics import metric_name

#: Coverage of the group ellipses in the ordination plots (a drawing parameter, not a config key).
ELLIPSE_LEVEL = 0.95

#: Citation as written in the text -> reference. A reference is listed when its citation occurs.
REFERENCES: dict[str, str] = {
    "Martin 2011": "Martin M (2011) Cutadapt removes adapter sequences from high-throughput "
    "sequencing reads. EMBnet.journal 17:10-12. doi:10.14806/ej.17.1.200",
    "Rognes et al. 2016": "Rognes T et al. (2016) VSEARCH: a versatile open source tool for "
    "metagenomics. PeerJ 4:e2584. doi:10.7717/peerj.2584",
    "Edgar et al. 2011": "Edgar RC, Haas BJ, Clemente JC, Quince C, Knight R (2011) UCHIME "
    "improves sensitivity and speed of chimera detection. Bioinformatics 27:2194-2200. "
    "doi:10.1093/bioinformatics/btr381",
    "Wang et al. 2007": "Wang Q, Garrity GM, Tiedje JM, Cole JR (2007) Naive Bayesian classifier "
    "for rapid assignment of rRNA sequences into the new bacterial taxonomy. Appl Environ "
    "Microbiol 73:5261-5267. doi:10.1128/AEM.00062-07",
    "Edgar 2016": "Edgar RC (2016) SINTAX: a simple non-Bayesian taxonomy classifier for 16S and "
    "ITS sequences. bioRxiv 074161. doi:10.1101/074161",
    "Edgar 2016b": "Edgar RC (2016) UNOISE2: improved error-correction for Illumina 16S and ITS "
    "amplicon sequencing. bioRxiv 081257. doi:10.1101/081257",
    "Edgar 2016c": "Edgar RC (2016) UCHIME2: improved chimera prediction for amplicon "
    "sequencing. bioRxiv 074252. doi:10.1101/074252",
    "Quast et al. 2013": "Quast C et al. (2013) The SILVA ribosomal RNA gene database project: "
    "improved data processing and web-based tools. Nucleic Acids Res 41:D590-D596. "
    "doi:10.1093/nar/gks1219",
    "Katoh and Standley 2013": "Katoh K, Standley DM (2013) MAFFT multiple sequence alignment "
    "software version 7. Mol Biol Evol 30:772-780. doi:10.1093/molbev/mst010",
    "Price et al. 2010": "Price MN, Dehal PS, Arkin AP (2010) FastTree 2 - approximately "
    "maximum-likelihood trees for large alignments. PLoS ONE 5:e9490. "
    "doi:10.1371/journal.pone.0009490",
    "scikit-bio": "The scikit-bio development team. scikit-bio: a Python package for "
    "bioinformatics (https://scikit.bio)",
    "Lozupone and Knight 2005": "Lozupone C, Knight R (2005) UniFrac: a new phylogenetic method "
    "for comparing microbial communities. Appl Environ Microbiol 71:8228-8235. "
    "doi:10.1128/AEM.71.12.8228-8235.2005",
    "Anderson 2001": "Anderson MJ (2001) A new method for non-parametric multivariate analysis of "
    "variance. Austral Ecol 26:32-46. doi:10.1111/j.1442-9993.2001.01070.pp.x",
    "Anderson 2006": "Anderson MJ (2006) Distance-based tests for homogeneity of multivariate "
    "dispersions. Biometrics 62:245-253. doi:10.1111/j.1541-0420.2005.00440.x",
    "White et al. 2009": "White JR, Nagarajan N, Pop M (2009) Statistical methods for detecting "
    "differentially abundant features in clinical metagenomic samples. PLoS Comput Biol "
    "5:e1000352. doi:10.1371/journal.pcbi.1000352",
    "Storey and Tibshirani 2003": "Storey JD, Tibshirani R (2003) Statistical significance for "
    "genomewide studies. PNAS 100:9440-9445. doi:10.1073/pnas.1530956100",
    "Parks et al. 2014": "Parks DH, Tyson GW, Hugenholtz P, Beiko RG (2014) STAMP: statistical "
    "analysis of taxonomic and functional profiles. Bioinformatics 30:3123-3124. "
    "doi:10.1093/bioinformatics/btu494",
    "Mölder et al. 2021": "Mölder F et al. (2021) Sustainable data analysis with Snakemake. "
    "F1000Research 10:33. doi:10.12688/f1000research.29032.2",
}


def pct(fraction: float) -> str:
    """A fraction as a percentage: ``0.985`` -> ``"98.5 %"``."""
    return f"{round(100 * float(fraction), 6):g} %"


def software(versions: Mapping[str, str], name: str) -> str:
    """``"<name> <version>"``, or the bare name when the version is unknown."""
    version = versions.get(name)
    return f"{name} {version}" if version and version != NOT_INSTALLED else name


def join_words(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def reads_sentences(config: Mapping, versions: Mapping[str, str]) -> str:
    """Primer trimming, pair merging and quality filtering."""
    primers, merge, filt = config["primers"], config["merge"], config["filter"]
    details = [f"maximum error rate {primers['max_error_rate']:g}"]
    if primers["trim"] and primers["require_both"]:
        details.append("pairs without both primers discarded")
    if primers["quality_cutoff"]:
        details.append(f"3' ends trimmed below Phred {primers['quality_cutoff']}")
    cutadapt = f"{software(versions, 'cutadapt')} (Martin 2011; {'; '.join(details)})"
    # What otuflow.rule_args.cutadapt_adapter_args asks cutadapt to do.
    if primers["trim"]:
        trim = (
            f"Primers (forward 5'-{primers['forward']}-3', reverse 5'-{primers['reverse']}-3') "
            "and any sequence before them were removed from the paired-end reads, and where a "
            "read ran through the amplicon, the reverse complement of the other primer and "
            "everything after it (the Illumina adapter) were removed from its 3' end, with "
            f"{cutadapt}."
        )
    else:
        trim = (
            "Reads were used without primer trimming (they start after the primers). Illumina "
            "adapters read through at the 3' end "
            f"(5'-{reverse_complement(primers['adapter_r2'])}-3' in the forward reads, "
            f"5'-{reverse_complement(primers['adapter_r1'])}-3' in the reverse reads) were "
            f"removed with {cutadapt}."
        )
    ns = filt["max_ns"]
    quality = [
        f"maximum expected errors {filt['max_ee']:g}",
        f"length {filt['min_length']}-{filt['max_length']} nt",
        "no ambiguous bases" if ns == 0 else f"at most {ns} ambiguous bases",
    ]
    merged = (
        f"Read pairs were merged with {software(versions, 'vsearch')} (Rognes et al. 2016; "
        f"--fastq_mergepairs, minimum overlap {merge['min_overlap']} nt, at most "
        f"{merge['max_diffs']} mismatches in the overlap) and merged reads kept with "
        f"{', '.join(quality)} (--fastq_filter)."
    )
    return f"{trim} {merged}"


def features_phrase(config: Mapping, count: int) -> str:
    """``count`` features with what they are: OTUs at their identity, or UNOISE3 ASVs."""
    if feature_kind(config).key == "asv":
        return f"{count} ASVs (exact sequence variants, UNOISE3)"
    return f"{count} OTUs at {pct(config['cluster']['identity'])} identity"


def clustering_sentence(config: Mapping) -> str:
    """Clustering into OTUs at the configured identity, or denoising into ASVs."""
    if feature_kind(config).key == "asv":
        denoise = config["denoise"]
        return (
            "Unique sequences seen at least "
            f"{denoise['min_size']} times were denoised into exact amplicon sequence variants "
            f"(ASVs) with UNOISE3 (Edgar 2016b; vsearch --cluster_unoise, alpha "
            f"{float(denoise['alpha']):g})."
        )
    return (
        f"Sequences were clustered into OTUs at {pct(config['cluster']['identity'])} identity "
        "(vsearch --cluster_size, greedy by decreasing abundance)."
    )


def otu_sentences(config: Mapping) -> str:
    """Dereplication, clustering, chimera removal and read mapping."""
    min_size = config["dereplicate"]["min_size"]
    derep = "Reads were dereplicated"
    if min_size > 1:
        derep += f" and unique sequences seen fewer than {min_size} times in all samples discarded"
    parts = [derep + ".", clustering_sentence(config)]
    kind = feature_kind(config)
    chimera = []
    if config["chimera"]["denovo"]:
        chimera.append(f"de novo ({kind.chimera_option})")
    if config["chimera"]["reference"]:
        chimera.append(f"against the reference {config['chimera']['reference']} (--uchime_ref)")
    if chimera:
        method = "UCHIME (Edgar et al. 2011)"
        if kind.key == "asv":
            method += " in its UCHIME3 form for denoised sequences (Edgar 2016c)"
        parts.append(f"Chimeric {kind.noun}s were removed with {method} {' and '.join(chimera)}.")
    parts.append(
        f"The {kind.noun} table counts the filtered reads of each sample mapped to an "
        f"{kind.noun} at ≥ {pct(config['mapping']['identity'])} identity (--usearch_global; "
        "the best hit)."
    )
    return " ".join(parts)


def reference_description(taxonomy: Mapping) -> str:
    """The taxonomy reference: the SILVA file downloaded, or the local FASTA."""
    if taxonomy["source"] == "silva":
        name = taxonomy["silva_url"].rstrip("/").rsplit("/", 1)[-1]
        text = f"SILVA ({name}; Quast et al. 2013)"
    else:
        text = taxonomy["reference_fasta"]
    if taxonomy["extract_region"]:
        text += ", cut to the amplified region with the primers"
    return text


def taxonomy_sentence(config: Mapping, versions: Mapping[str, str]) -> str:
    """How OTUs were classified: SINTAX or the RDP naive Bayesian classifier."""
    taxonomy = config["taxonomy"]
    reference = reference_description(taxonomy)
    if taxonomy["method"] == "sintax":
        return (
            f"{feature_kind(config).noun}s were classified with SINTAX (Edgar 2016), "
            f"{software(versions, 'vsearch')} "
            f"--sintax against {reference}, keeping ranks down to the first with bootstrap "
            f"support below the cut-off {taxonomy['confidence']:g} (--sintax_cutoff)."
        )
    return (
        f"{feature_kind(config).noun}s were classified with the RDP naive Bayesian classifier "
        "(Wang et al. 2007) as "
        f"implemented in otuflow ({WORD_SIZE}-mer words, {taxonomy['bootstraps']} bootstrap "
        f"trials) against {reference}, keeping ranks down to the first with bootstrap "
        f"confidence below {taxonomy['confidence']:g}."
    )


def unclassified_sentence(config: Mapping) -> str:
    """How unassigned ranks are named in the taxonomy tables."""
    method = "SINTAX" if config["taxonomy"]["method"] == "sintax" else "RDP"
    return (
        f"Ranks below the {method} cut-off ({config['taxonomy']['confidence']:g}) are shown as "
        f"<parent>_unclassified, {feature_kind(config).noun}s without any assignment as "
        "Unassigned."
    )


def phylogeny_sentence(config: Mapping, versions: Mapping[str, str]) -> str:
    """Alignment and tree."""
    return (
        f"{feature_kind(config).noun} sequences were aligned with {software(versions, 'MAFFT')} "
        "(Katoh and Standley 2013) and a tree was inferred with "
        f"{software(versions, 'FastTree')} (Price et al. 2010) and rooted at its midpoint."
    )


def rarefaction_sentence(config: Mapping, depth: int | None) -> str:
    """The rarefaction depth used (``depth``) and how it was chosen."""
    diversity = config["diversity"]
    if depth is None:
        return "No sample reached the rarefaction depth; diversity could not be analysed."
    how = (
        "the depth set in the config"
        if diversity["rarefaction_depth"] is not None
        else f"the smallest sample total of at least {diversity['rarefaction_floor']:,} reads"
    )
    return (
        f"For diversity analyses, samples were rarefied to {depth:,} reads ({how}; samples "
        "with fewer reads were left out)."
    )


def alpha_sentences(config: Mapping, versions: Mapping[str, str]) -> str:
    """Alpha-diversity indices and the group tests."""
    diversity = config["diversity"]
    return (
        f"Alpha diversity (observed {feature_kind(config).noun}s, bias-corrected Chao1, Shannon "
        "index with log base "
        f"{float(diversity['shannon_base']):g}) was computed with "
        f"{software(versions, 'scikit-bio')}. Groups were compared by the Kruskal-Wallis "
        "test and by pairwise nonparametric t-tests as in QIIME 1.9 "
        f"compare_alpha_diversity ({diversity['permutations']} Monte Carlo permutations), with "
        "Bonferroni and Benjamini-Hochberg correction."
    )


def beta_sentences(config: Mapping) -> str:
    """Distances, ordinations, ellipses, PERMANOVA and PERMDISP."""
    diversity = config["diversity"]
    metrics = diversity["beta_metrics"]
    names = join_words([metric_name(m) for m in metrics])
    unifrac = "; UniFrac: Lozupone and Knight 2005" if any("unifrac" in m for m in metrics) else ""
    weighted = ""
    if {"weighted_unifrac", "weighted_normalized_unifrac"} & set(metrics):
        weighted = (
            " Weighted UniFrac comes in two forms that are not comparable: unnormalised (QIIME's "
            "weighted_unifrac, in units of branch length) and normalised (divided by the "
            "abundance-weighted tip-to-root distances, between 0 and 1; QIIME 1.9's "
            "weighted_normalized_unifrac and phyloseq's default)."
        )
    permutations = diversity["permutations"]
    return (
        f"Beta diversity ({names}{unifrac}) was computed on the rarefied table and ordinated by "
        f"PCoA and by non-metric MDS ({nmds_search_words(diversity)}), with "
        f"{pct(ELLIPSE_LEVEL)} confidence ellipses for groups of at least 3 samples. Groups were "
        f"tested by PERMANOVA (Anderson 2001; {permutations} permutations) and their "
        f"dispersions by PERMDISP (Anderson 2006; {permdisp_words(diversity)}), overall and per "
        f"comparison (Benjamini-Hochberg correction of the pairwise PERMANOVA).{weighted}"
    )


def nmds_search_words(diversity: Mapping) -> str:
    """How the NMDS configuration was searched, for the methods."""
    starts, most = diversity["nmds_starts"], max(diversity["nmds_max_starts"],
                                                 diversity["nmds_starts"])  # fmt: skip
    tries = f"{starts} random starts" if most == starts else (
        f"{starts} random starts and up to {most} until the best solution repeated")
    return (f"Kruskal stress-1 minimised by L-BFGS from the PCoA configuration and {tries}, "
            "best solution kept, as vegan's metaMDS")  # fmt: skip


def permdisp_words(diversity: Mapping) -> str:
    """Which PERMDISP definition and centre ran, for the methods."""
    centre = {"median": "spatial medians", "centroid": "centroids"}[diversity["permdisp_centre"]]
    permutations = diversity["permutations"]
    if diversity["permdisp_definition"] == "vegan":
        return (f"distances to group {centre} as vegan's betadisper, negative-eigenvalue axes "
                f"included; p from {permutations} permutations of the ANOVA residuals as "
                "vegan's permutest")  # fmt: skip
    return (f"distances to group {centre} as scikit-bio's permdisp, positive-eigenvalue axes "
            f"only; p from {permutations} permutations of the group labels")  # fmt: skip


def stamp_interval(config: Mapping) -> str:
    """The STAMP interval at the configured confidence level, e.g. ``"90 % CI"``."""
    return f"{pct(config['differential']['confidence'])} CI"


def differential_sentences(config: Mapping) -> str:
    """Metastats, STAMP's Welch test, Wilcoxon, Kruskal-Wallis and the q threshold."""
    differential = config["differential"]
    permutations = differential["permutations"]
    return (
        f"Differential abundance at {differential['rank']} level was tested per comparison with "
        f"Metastats (White et al. 2009; {permutations} permutations, Fisher's "
        "exact test for sparse taxa, Storey's q-values: Storey and Tibshirani 2003), "
        "with Welch's t-test as in STAMP (Parks et al. 2014; "
        f"{stamp_interval(config)} of the difference in mean proportions) and with the Wilcoxon "
        "rank-sum test, and across all groups with the Kruskal-Wallis test (Benjamini-Hochberg "
        "q-values for these three). Taxa with Metastats q < "
        f"{float(differential['q_threshold']):g} were called differentially abundant. "
        "A Metastats p-value is never reported as 0: where no permuted statistic exceeded the "
        "observed one, p is the resolution of the null used, "
        f"1/({permutations} (H + 1)) for the pooled null of small groups (H taxa tested by "
        f"permutation) or 1/{permutations + 1} for the per-taxon null, shown as an upper bound "
        '("< p"), and its q-value is computed from that bound.'
    )


def run_sentence(config: Mapping, versions: Mapping[str, str]) -> str:
    """Snakemake, Python and packages, and the seed."""
    text = f"The workflow ran with {software(versions, 'snakemake')} (Mölder et al. 2021)"
    if "Python" in versions:
        text += f" on Python {versions['Python']}"
    packages = [
        software(versions, n)
        for n in ("numpy", "scipy", "pandas", "matplotlib", "biom-format")
        if n in versions
    ]
    if packages:
        text += f" with {', '.join(packages)}"
    return (
        f"{text}. Every random step (subsampling, permutations, bootstraps) used seed "
        f"{config['seed']}."
    )


def cited_references(text: str) -> list[str]:
    """The references of :data:`REFERENCES` whose citation occurs in ``text``, in list order."""
    # "Edgar 2016" must not match inside "Edgar 2016b"
    return [reference for cite, reference in REFERENCES.items()
            if re.search(re.escape(cite) + r"(?![0-9a-z])", text)]  # fmt: skip


def methods_text(
    config: Mapping, versions: Mapping[str, str], rarefaction_depth: int | None
) -> str:
    """Methods paragraphs citing the tools with their versions and the run's parameters.

    Parameters
    ----------
    config : mapping
        The validated run config (defaults filled in).
    versions : mapping
        Software -> version (:func:`otuflow.software.read_versions`).
    rarefaction_depth : int or None
        Depth the samples were rarefied to (None when no sample reached it).

    Returns
    -------
    str
        Plain text; paragraphs separated by blank lines, the cited references last.
    """
    paragraphs = [
        reads_sentences(config, versions),
        otu_sentences(config),
        f"{taxonomy_sentence(config, versions)} {phylogeny_sentence(config, versions)}",
        f"{rarefaction_sentence(config, rarefaction_depth)} {alpha_sentences(config, versions)} "
        f"{beta_sentences(config)}",
        differential_sentences(config),
        run_sentence(config, versions),
    ]
    references = cited_references("\n".join(paragraphs))
    paragraphs.append("References")
    paragraphs += [f"[{i}] {reference}." for i, reference in enumerate(references, 1)]
    return "\n\n".join(paragraphs)
