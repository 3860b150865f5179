"""otuflow: paired-end 16S V3-V4 amplicon reads to OTUs and group statistics.

Run `snakemake --cores N` (configuration in config.yaml; `--configfile` to use another).
"""

from snakemake.utils import min_version

min_version("9.0")


configfile: workflow.source_path("config.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/provenance.smk"
include: "workflow/rules/reads.smk"
include: "workflow/rules/otus.smk"
include: "workflow/rules/phylogeny.smk"
include: "workflow/rules/taxonomy.smk"
include: "workflow/rules/diversity.smk"
include: "workflow/rules/differential.smk"
include: "workflow/rules/figures.smk"


rule all:
    input:
        final_outputs(),
    default_target: True
