# Reference values from R for tests/test_stats_vegan_reference.py, on the demo cohort's results
# (otuflow simulate --seed 42, default config): the rarefied OTU table, the rooted OTU tree and
# the sample groups in this folder. Run here with `Rscript make_reference.R`; it rewrites
# reference_*.tsv. Made with R 4.2.2, vegan 2.6-4, phyloseq 1.42.0, GUniFrac 1.7, ape 5.7
# (Debian 12: r-base-core r-cran-vegan r-bioc-phyloseq r-cran-gunifrac).
suppressMessages({
  library(vegan); library(phyloseq); library(ape); library(GUniFrac)
})
out_dir <- if (length(commandArgs(TRUE))) commandArgs(TRUE)[1] else "."
write17 <- function(x, name) {
  write.table(format(x, digits = 17), file.path(out_dir, name), sep = "\t", quote = FALSE,
              col.names = NA)
}
counts <- as.matrix(read.delim("rarefied_otu_table.tsv", row.names = 1, check.names = FALSE))
tree <- read.tree("otus.tree")
tree$tip.label <- gsub("'", "", tree$tip.label)  # ape keeps the quotes of quoted labels
groups <- read.delim("groups.tsv", colClasses = "character")
group <- factor(groups$group[match(colnames(counts), groups$sample)])
physeq <- phyloseq(otu_table(counts, taxa_are_rows = TRUE), phy_tree(tree))

# Alpha diversity: Chao1 (bias-corrected, vegan's estimateR) and Shannon in bits.
alpha <- data.frame(chao1 = estimateR(t(counts))["S.chao1", ],
                    shannon_base2 = diversity(t(counts), "shannon", base = 2))
write17(alpha, "reference_alpha.tsv")

# Distances: phyloseq UniFrac (three forms), GUniFrac as a second UniFrac, vegan for the rest.
guni <- GUniFrac(t(counts), tree, alpha = 1)$unifracs
distances <- list(
  unweighted_unifrac = UniFrac(physeq, weighted = FALSE),
  weighted_unifrac = UniFrac(physeq, weighted = TRUE, normalized = FALSE),
  weighted_normalized_unifrac = UniFrac(physeq, weighted = TRUE, normalized = TRUE),
  braycurtis = vegdist(t(counts), "bray"),
  jaccard = vegdist(t(counts), "jaccard", binary = TRUE)
)
for (metric in names(distances)) {
  write17(as.matrix(distances[[metric]]), sprintf("reference_distance_%s.tsv", metric))
}
write17(guni[, , "d_UW"], "reference_distance_gunifrac_unweighted.tsv")
write17(guni[, , "d_1"], "reference_distance_gunifrac_weighted_normalized.tsv")

# vegan's ordimedian with its spatial medians iterated to convergence, to separate the optimiser's stopping
# tolerance from the definition of PERMDISP.
converged_ordimedian <- function(ord, groups, display = "sites", label = FALSE, ...) {
  medfun <- function(x, ord) sum(sqrt(rowSums(sweep(ord, 2, x)^2)), na.rm = TRUE)
  dmedfun <- function(x, ord) {
    up <- -sweep(ord, 2, x)
    dn <- sqrt(rowSums(sweep(ord, 2, x)^2))
    colSums(sweep(up, 1, dn, "/"))
  }
  pts <- scores(ord, display = display, ...)
  inds <- names(table(groups))
  medians <- matrix(NA, nrow = length(inds), ncol = ncol(pts), dimnames = list(inds, NULL))
  for (i in inds) {
    X <- pts[groups == i, , drop = FALSE]
    m <- optim(apply(X, 2, median), fn = medfun, gr = dmedfun, ord = X, method = "BFGS")$par
    # then Weiszfeld's iteration until it stops moving (no sample sits on these medians)
    for (step in 1:200000) {
      w <- 1 / sqrt(rowSums(sweep(X, 2, m)^2))
      new <- colSums(X * w) / sum(w)
      if (max(abs(new - m)) <= 1e-15 * max(abs(X))) break
      m <- new
    }
    medians[i, ] <- new
  }
  invisible(medians)
}
vegan_ordimedian <- get("ordimedian", envir = asNamespace("vegan"))

rows <- list()
for (metric in names(distances)) {
  d <- distances[[metric]]
  set.seed(1)
  perma <- adonis2(d ~ group, permutations = 999)
  row <- data.frame(metric = metric, permanova_F = perma$F[1], permanova_R2 = perma$R2[1],
                    permanova_p = perma$`Pr(>F)`[1])
  for (type in c("median", "centroid")) {
    set.seed(1)
    test <- permutest(betadisper(d, group, type = type), permutations = 999)
    row[[paste0("permdisp_", type, "_F")]] <- test$tab$F[1]
    row[[paste0("permdisp_", type, "_p")]] <- test$tab$`Pr(>F)`[1]
  }
  assignInNamespace("ordimedian", converged_ordimedian, "vegan")
  row$permdisp_median_converged_F <- anova(betadisper(d, group, type = "median"))$`F value`[1]
  assignInNamespace("ordimedian", vegan_ordimedian, "vegan")
  set.seed(42)
  fit <- metaMDS(d, k = 2, try = 20, trymax = 20, trace = 0)
  row$metamds_stress <- fit$stress
  row$metamds_converged <- fit$converged
  rows[[metric]] <- row
}
tests <- do.call(rbind, rows)
write.table(format(tests, digits = 17), file.path(out_dir, "reference_beta_tests.tsv"),
            sep = "\t", quote = FALSE, row.names = FALSE)
versions <- sapply(c("vegan", "phyloseq", "GUniFrac", "ape"),
                   function(p) as.character(packageVersion(p)))
writeLines(c(R.version.string, paste(names(versions), versions)),
           file.path(out_dir, "reference_versions.txt"))
