# Reference values for otuflow.stats.qvalue (tests/test_stats_qvalue.py).
# Storey q-values as in Metastats, exactly as described in docs/algorithms.md,
# "q-values and other multiple-testing corrections", written out here in plain R; pi0
# cross-checked with Bioconductor's qvalue::pi0est on the same grid.
# Run: Rscript tests/reference/stats_storey_qvalues.R > tests/reference/stats_storey_qvalues.out
# Produced with R 4.2.2 (Debian r-base-core 4.2.2.20221110-2) and qvalue 2.30.0 (r-bioc-qvalue).
suppressPackageStartupMessages(library(qvalue))

storey <- function(p) {
  m <- length(p)
  lambdas <- seq(0, 0.95, 0.01)
  pi0_hat <- sapply(lambdas, function(l) sum(p > l) / (m * (1 - l)))
  fit <- smooth.spline(lambdas, pi0_hat, df = 3)
  pi0 <- fit$y[length(lambdas)]  # uncapped, as in Metastats
  o <- order(p)
  q <- numeric(m)
  q[m] <- min(p[o[m]] * pi0, 1)
  for (i in (m - 1):1) q[i] <- min(p[o[i]] * m * pi0 / i, q[i + 1], 1)
  out <- numeric(m)
  out[o] <- q
  list(pi0 = pi0, df = fit$df, q = out)
}

examples <- list(
  mixed = c((1:30) / 31, (1:10) / 2000),
  nulls = c(0.003, 0.02, 0.2 + (1:30) / 37.5),
  ties = c(rep(0.002, 3), rep(0.04, 2), (1:15) / 15.2)
)
cat(R.version.string, "\n")
cat("qvalue", as.character(packageVersion("qvalue")), "\n")
for (name in names(examples)) {
  p <- examples[[name]]
  r <- storey(p)
  est <- pi0est(p, lambda = seq(0, 0.95, 0.01), pi0.method = "smoother", smooth.df = 3)
  cat("example", name, "\n")
  cat("pi0_uncapped", sprintf("%.15g", r$pi0), "\n")
  cat("spline_df", sprintf("%.15g", r$df), "\n")
  cat("qvalue_pi0est", sprintf("%.15g", est$pi0), "\n")
  cat("q", sprintf("%.15g", r$q), "\n")
}
