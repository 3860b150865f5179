"""otuflow: paired-end 16S V3-V4 amplicon reads to OTUs and group statistics.

`snakemake --cores N` runs the repository's config.yaml (the demo). A config given with
`--configfile` is the whole config: nothing of config.yaml is merged under it; keys it leaves out
take the defaults of workflow/schemas/config.schema.yaml.
"""

from snakemake.utils import min_version

min_version("9.0")


if not workflow.overwrite_configfiles:

    configfile: f"{workflow.basedir}/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/provenance.smk"
include: "workflow/rules/reads.smk"
include: "workflow/rules/otus.smk"
include: "workflow/rules/phylogeny.smk"
include: "workflow/rules/taxonomy.smk"
include: "workflow/rules/diversity.smk"
include: "workflow/rules/differential.smk"
include: "workflow/rules/figures.smk"


if PLAN.clinical:

    include: "workflow/rules/clinical.smk"


include: "workflow/rules/report.smk"
include: "workflow/rules/export.smk"


rule all:
    input:
        PLAN.final_outputs(),
    default_target: True
