"""The ``truth/README.md`` that documents a simulated cohort (filled from the model constants)."""

from __future__ import annotations

from pathlib import Path

from otuflow.simulate import chimeras, reads, sequences
from otuflow.simulate.community import GROUPS, PLANTED_EFFECTS, SPECIES_PER_SAMPLE
from otuflow.simulate.params import CohortParams

_TEMPLATE = """\
# Simulated opioid cohort (otuflow simulate)

Made by `otuflow simulate --seed {seed} --samples-per-group {spg} --pairs-per-sample {pairs}`
(model version {version}). Same parameters give byte-identical files; `truth/checksums.sha256`
lists every file (`sha256sum -c truth/checksums.sha256` from the cohort folder).

## Files
- `samples.tsv`: sample, r1, r2 (relative to this folder), opioid, dose_mg_day, days_on_opioid.
  Control rows have an empty opioid and 0 for dose and days. Group rule: no opioid -> Control;
  days >= 7 AND dose >= 30 mg/day -> Opioid-T; otherwise Opioid-S (boundary values included).
- `reads/<sample>_R1|R2.fastq.gz`: 2 x {read_length} MiSeq-like pairs, Phred+33, mates share IDs.
- `reference/reference.fasta`: every species (also {absent} never present in any sample) as
  flank (20-60 nt) + 341F site + amplicon + rc(805R) site + flank, forward strand.
  `reference/taxonomy.tsv`: `ID<TAB>d__...;p__...;c__...;o__...;f__...;g__...;s__...` (SILVA 138.1
  names; note `Eubacterium_hallii_group` is written without SILVA's square brackets).
- `truth/species.fasta`: primer-trimmed amplicon of each species (what an OTU centroid should
  match); `truth/species.tsv`: lineage, cohort membership and lengths.
- `truth/species_abundance.tsv` / `genus_abundance.tsv`: true relative abundance of each species /
  genus in each sample's non-chimeric template pool (columns sum to 1).
- `truth/chimeras.fasta`: every chimera in the pools, primer-trimmed; header
  `>chim_<sample>_<n> parent_a=<5' parent> parent_b=<3' parent> breakpoint=<bases from parent_a>
  abundance=<share of the pool> reads=<pairs drawn>`.
- `truth/groups.tsv`, `truth/sample_summary.tsv` (species present, chimeric share and pairs),
  `truth/read_origins.tsv.gz` (template and error-free pre-primer bases of every pair),
  `truth/planted_effects.tsv`, `truth/params.json`.
- `clinical.tsv`: 186 patients (100 Control, 86 Opioid; the sample donors under their sample IDs,
  with the sample sheet's opioid fields). `truth/clinical_effects.tsv`: each field's planted
  Opioid-vs-Control shift in Control SDs (none = balanced by stratified draws);
  `truth/clinical_link.tsv`: the planted microbe-host link (the donors' IL-6 rises with their
  true Bacteroides abundance).

## Model
- Templates evolve along the taxonomy (domain -> phylum -> ... -> species) from a random 16S-like
  root with conserved and variable regions (gamma-distributed site rates in V regions, 8x slower
  conserved regions), substitutions and short indels (variable regions only). Any two species
  differ by >= {min_div:.1%} of aligned columns over the primer-trimmed amplicon; congeners by at
  most {max_within:.1%}. Insert length {ins_lo}-{ins_hi} nt. Degenerate primer positions are
  resolved per species.
- Each sample holds {sp_lo}-{sp_hi} species (log-normal abundances; Bacteroides, Faecalibacterium
  and, in about a third of samples, Prevotella dominate). Only the genera below differ between
  groups by design; all others are drawn the same way in every group.
- Chimeras: {ch_lo:.0%}-{ch_hi:.0%} of each pool, {n_lo}-{n_hi} per sample (more, smaller ones
  where a single genus dominates so much that no second genus could parent a larger one); two
  parents from different genera, each >= {skew:g}x as abundant as the chimera; one breakpoint in
  the middle third of parent A.
- Reads: R1 reads the forward strand from 341F, R2 the reverse strand from 805R. {spacer:.0%} of
  reads start with a 1-3 nt random spacer; {adapter:.0%} start inside the Illumina adapter, i.e.
  with the last {ad_lo}-{ad_hi} nt of `{ad1}` (R1) or
  `{ad2}` (R2), before any spacer. Trimming the primers as
  non-anchored 5' adapters removes all of it.
- Qualities follow a MiSeq-like profile (about Q37 at the start, declining to ~Q29 (R1) / ~Q24
  (R2) at the end, per-read variation, occasional dips and low-quality tails, range Q2-Q41).
  Each base is substituted with probability 10^(-Q/10); there are no indels or Ns in reads.

## Planted effects (mean relative abundance of the genus per group)
| genus | {groups} | test vs reference | direction | fold change |
|---|---|---|---|---|---|---|
{effects}
"""


def _fold(x: float) -> str:
    return f"{x:.1f}" if x >= 1 else f"1/{1 / x:.1f}"


def write_readme(path: Path, params: CohortParams) -> None:
    """Write the cohort README for ``params`` to ``path``."""
    from otuflow.simulate.taxonomy import build_species

    effects = "\n".join(
        f"| {e.genus} | "
        + " | ".join(f"{m:.2%}" for m in e.means)
        + f" | {','.join(e.test_groups)} vs {','.join(e.reference_groups)} | {e.direction}"
        f" | {_fold(e.fold_change)} |"
        for e in PLANTED_EFFECTS
    )
    text = _TEMPLATE.format(
        seed=params.seed,
        spg=",".join(map(str, params.samples_per_group)),
        pairs=params.pairs_per_sample,
        version=params.as_dict()["model_version"],
        read_length=reads.READ_LENGTH,
        absent=sum(not s.in_cohort for s in build_species()),
        min_div=sequences.MIN_DIVERGENCE,
        max_within=sequences.MAX_WITHIN_GENUS,
        ins_lo=sequences.INSERT_LENGTH[0],
        ins_hi=sequences.INSERT_LENGTH[1],
        sp_lo=SPECIES_PER_SAMPLE[0],
        sp_hi=SPECIES_PER_SAMPLE[1],
        ch_lo=chimeras.CHIMERA_FRACTION[0],
        ch_hi=chimeras.CHIMERA_FRACTION[1],
        n_lo=chimeras.CHIMERAS_PER_SAMPLE[0],
        n_hi=chimeras.CHIMERAS_PER_SAMPLE[1],
        skew=chimeras.PARENT_SKEW,
        spacer=reads.SPACER_FRACTION,
        adapter=reads.ADAPTER_FRACTION,
        ad_lo=reads.ADAPTER_SUFFIX_LENGTH[0],
        ad_hi=reads.ADAPTER_SUFFIX_LENGTH[1],
        ad1=reads.ADAPTER_TAIL_R1,
        ad2=reads.ADAPTER_TAIL_R2,
        groups=" | ".join(GROUPS),
        effects=effects,
    )
    path.write_text(text, encoding="utf-8")
