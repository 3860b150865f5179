"""The clinical part (runs when the config names a clinical table): Tables 1-2, host-measure
figures, genus-host correlations and PERMANOVA adjusted for covariates."""


rule clinical:
    input:
        table=config["clinical"]["table"],
        sheet=config["samples"],
        genus=rules.taxa_tables.output.genus,
        distances=[PLAN.path("distance_matrix", metric=m) for m in PLAN.beta_metrics],
    output:
        **PLAN.clinical_outputs(),
    params:
        metrics=PLAN.beta_metrics,
        min_days=config["groups"]["min_days"],
        min_dose_mg_day=config["groups"]["min_dose_mg_day"],
        groups=config["groups"]["order"],
        colors=config["groups"]["colors"],
        seed=config["seed"],
        permutations=config["diversity"]["permutations"],
        covariates=config["clinical"]["covariates"],
        min_prevalence=config["clinical"]["min_prevalence"],
        min_mean_abundance=config["clinical"]["min_mean_abundance"],
    resources:
        mem_mb=2000,
        runtime=30,
    log:
        f"{OUT}/logs/clinical.log",
    benchmark:
        f"{OUT}/benchmarks/clinical.tsv"
    conda:
        conda_env("python")
    script:
        "../../scripts/clinical.py"
