# Reference values from R for tests/test_clinical_reference.py. Inputs: clinical.tsv in this
# folder (the demo cohort's clinical table, otuflow simulate --seed 42), and from
# ../beta_vegan/ the demo's rarefied OTU table and Bray-Curtis distances (its samples are the
# patients with stool samples). Run here with `Rscript make_reference.R`; it rewrites
# reference_*.tsv and permutations.tsv. Made with R 4.2.2 and vegan 2.6-4 (Debian 12:
# r-base-core r-cran-vegan).
suppressMessages(library(vegan))
write17 <- function(x, name) {
  write.table(format(x, digits = 17), name, sep = "\t", quote = FALSE, row.names = FALSE)
}
clin <- read.delim("clinical.tsv", colClasses = c(patient = "character", opioid = "character",
                                                  ecog = "character", stage = "character"))
clin$opioid[is.na(clin$opioid)] <- ""
clin$opioid_group <- ifelse(clin$opioid == "", "Control", "Opioid")
clin$group <- ifelse(clin$opioid == "", "Control",
                     ifelse(clin$days_on_opioid >= 7 & clin$dose_mg_day >= 30, "Opioid-T",
                            "Opioid-S"))
otus <- as.matrix(read.delim("../beta_vegan/rarefied_otu_table.tsv", row.names = 1,
                             check.names = FALSE))
stool <- clin[match(colnames(otus), clin$patient), ]
levels_of <- list(sex = c("male", "female"),
                  tumour_type = c("lung", "liver", "stomach", "colorectal", "pancreatic",
                                  "oesophageal"),
                  stage = c("I", "II", "III", "IV"), ecog = c("0", "1", "2"))

# Student's t (two-sided, equal variances): every host measure Control vs Opioid, all patients
# and within each sex; male vs female within each group.
measures <- c("il2", "il4", "il6", "il10", "tnf_alpha", "ifn_gamma", "cd3_pct", "cd4_pct",
              "cd8_pct", "cd4_cd8_ratio", "wbc", "lymphocytes_pct", "neutrophils_pct",
              "monocytes_pct", "age", "bmi", "total_protein")
ttests <- list()
add_t <- function(m, subset, a, b, column, rows) {
  x <- clin[rows & clin[[column]] == a, m]; y <- clin[rows & clin[[column]] == b, m]
  r <- t.test(x, y, var.equal = TRUE)
  data.frame(measure = m, subset = subset, t = r$statistic, df = r$parameter, p = r$p.value)
}
for (m in measures) {
  all <- rep(TRUE, nrow(clin))
  ttests[[length(ttests) + 1]] <- add_t(m, "all", "Control", "Opioid", "opioid_group", all)
  for (s in c("male", "female"))
    ttests[[length(ttests) + 1]] <- add_t(m, s, "Control", "Opioid", "opioid_group", clin$sex == s)
  for (g in c("Control", "Opioid"))
    ttests[[length(ttests) + 1]] <- add_t(m, g, "male", "female", "sex", clin$opioid_group == g)
}
write17(do.call(rbind, ttests), "reference_ttest.tsv")

# Counts: Pearson chi-square (chisq.test's default Yates correction applies to 2x2 tables only),
# and Fisher's exact test (exact for any table size), on every categorical field by group, in
# all patients (two groups) and the stool patients (three groups); sex x stage as a table that
# is not balanced by design.
counts <- list()
add_counts <- function(name, tab) {
  tab <- tab[rowSums(tab) > 0, colSums(tab) > 0, drop = FALSE]
  chi <- suppressWarnings(chisq.test(tab))
  data.frame(table = name, min_expected = min(chi$expected), chi2 = chi$statistic,
             df = chi$parameter, chi2_p = chi$p.value, fisher_p = fisher.test(tab, workspace = 2e8)$p.value)
}
for (f in names(levels_of)) {
  v <- factor(clin[[f]], levels = levels_of[[f]])
  counts[[length(counts) + 1]] <- add_counts(paste0("all:", f), table(v, clin$opioid_group))
  vs <- factor(stool[[f]], levels = levels_of[[f]])
  counts[[length(counts) + 1]] <- add_counts(paste0("stool:", f),
                                             table(vs, factor(stool$group)))
}
counts[[length(counts) + 1]] <- add_counts("all:sex_by_stage",
                                           table(factor(clin$stage), factor(clin$sex)))
counts[[length(counts) + 1]] <- add_counts("stool:sex_by_opioid",
                                           table(factor(stool$sex), stool$opioid_group))
# Tables where the groups differ: high (above the median) IL-6 by group, high TNF-alpha by
# Control/Opioid (2x2), both in the stool patients; ECOG by tumour type in all patients.
counts[[length(counts) + 1]] <- add_counts("stool:il6_high_by_group",
                                           table(stool$il6 > median(stool$il6), stool$group))
counts[[length(counts) + 1]] <- add_counts(
  "stool:tnf_alpha_high_by_opioid", table(stool$tnf_alpha > median(stool$tnf_alpha),
                                          stool$opioid_group))
counts[[length(counts) + 1]] <- add_counts("all:ecog_by_tumour_type",
                                           table(clin$ecog, clin$tumour_type))
write17(do.call(rbind, counts), "reference_counts.tsv")

# Three groups (stool patients): one-way ANOVA (equal variances) and Kruskal-Wallis; dose and
# days between Opioid-S and Opioid-T only.
several <- list()
for (m in c("age", "bmi", "total_protein", "dose_mg_day", "days_on_opioid", measures)) {
  rows <- if (m %in% c("dose_mg_day", "days_on_opioid")) stool$group != "Control" else
    rep(TRUE, nrow(stool))
  x <- stool[rows, m]; g <- factor(stool$group[rows])
  a <- oneway.test(x ~ g, var.equal = TRUE); k <- kruskal.test(x ~ g)
  several[[length(several) + 1]] <- data.frame(
    measure = m, anova_F = a$statistic, anova_df = a$parameter[1], anova_p = a$p.value,
    kruskal_H = k$statistic, kruskal_df = k$parameter, kruskal_p = k$p.value)
}
write17(do.call(rbind, several), "reference_groups.tsv")

# Spearman (t approximation, exact = FALSE, as scipy.stats.spearmanr) of CLR abundances
# (pseudocount 0.5 over all taxa of a sample) of taxa present in >= 20 % of samples at a mean
# relative abundance >= 0.001, with every host measure; BH over all pairs. The OTUs of the
# rarefied table stand in for genera.
clr <- apply(log(otus + 0.5), 2, function(x) x - mean(x))
rel <- sweep(otus, 2, colSums(otus), "/")
keep <- rownames(otus)[rowMeans(otus > 0) >= 0.2 & rowMeans(rel) >= 0.001]
host <- c("il2", "il4", "il6", "il10", "tnf_alpha", "ifn_gamma", "cd3_pct", "cd4_pct",
          "cd8_pct", "cd4_cd8_ratio", "wbc", "lymphocytes_pct", "neutrophils_pct",
          "monocytes_pct")
sp <- list()
for (taxon in keep) for (m in host) {
  r <- suppressWarnings(cor.test(clr[taxon, ], stool[[m]], method = "spearman", exact = FALSE))
  sp[[length(sp) + 1]] <- data.frame(genus = taxon, measure = m, rho = r$estimate,
                                     p = r$p.value)
}
sp <- do.call(rbind, sp)
sp$q <- p.adjust(sp$p, "BH")
write17(sp, "reference_spearman.tsv")

# PERMANOVA, Bray-Curtis ~ group + age + sex, marginal terms, with stored permutations.
bray <- as.matrix(read.delim("../beta_vegan/reference_distance_braycurtis.tsv", row.names = 1,
                             check.names = FALSE))
bray <- as.dist(bray[colnames(otus), colnames(otus)])
set.seed(14)
perm <- shuffleSet(nrow(stool), 999)
write.table(perm, "permutations.tsv", sep = "\t", quote = FALSE, row.names = FALSE,
            col.names = FALSE)
covariates <- data.frame(group = factor(stool$group), age = stool$age, sex = factor(stool$sex))
fit <- adonis2(bray ~ group + age + sex, data = covariates, permutations = perm, by = "margin")
out <- data.frame(term = rownames(fit), Df = fit$Df, SumOfSqs = fit$SumOfSqs, R2 = fit$R2,
                  F = fit$F, p = fit[["Pr(>F)"]])
write17(out, "reference_adonis2.tsv")

writeLines(c(R.version.string, paste("vegan", packageVersion("vegan"))),
           "reference_versions.txt")
