# Reference numbers for nearest-neighbour matching and balance, from MatchIt.
# Run from the repository root:  Rscript tests/reference/matching.R
# Writes tests/fixtures/matching/: data.csv and, per configuration, the
# distance, weights, subclass and match matrix of matchit() and the tables of
# summary() (all data, matched, sample sizes).
#
# Why the distance matrix: MatchIt 4.5.1 (Debian's r-cran-matchit) matches a
# vector distance with a new fast routine (nn_matchC_vec) that compares
# distances through an integer abs(): it always takes the nearest control
# *below* the treated unit when there is one, and never applies the caliper
# (check: with caliper = 0.2 on these data, matched pairs lie up to 5 calipers
# apart and no treated unit goes unmatched). Its distance-matrix routine
# implements the documented rule, so the references give it the matrix
# |d_i - d_j| and, since a matrix admits only m.order "data", present the
# units already sorted in the matching order (largest or smallest first).
# The caliper is converted to distance units as MatchIt does (sd of the
# distance over the units not discarded) and common support is computed
# with MatchIt's own discard() on the propensity score.
suppressMessages(library(MatchIt))
stopifnot(packageVersion("MatchIt") >= "4.5")
out <- "tests/fixtures/matching"
dir.create(out, showWarnings = FALSE, recursive = TRUE)

set.seed(20261122)
n <- 600
x1 <- rnorm(n)
x2 <- rnorm(n)
age <- sample(40:90, n, replace = TRUE)
female <- rbinom(n, 1, 0.45)
region <- factor(sample(c("north", "south", "west"), n, replace = TRUE))
site <- factor(sample(c("A", "B"), n, replace = TRUE, prob = c(0.6, 0.4)))
lp <- -1.1 + 0.8 * x1 - 0.5 * x2 + 0.03 * (age - 65) + 0.3 * female + 0.4 * (region == "south")
treat <- rbinom(n, 1, plogis(lp))
d <- data.frame(treat, x1, x2, age, female, region, site)
write.csv(d, file.path(out, "data.csv"), row.names = FALSE)

f <- treat ~ x1 + x2 + age + female + region
configs <- list(
  largest = list(),
  smallest = list(order = "smallest"),
  data = list(order = "data"),
  ratio2 = list(ratio = 2),
  caliper = list(caliper = 0.2),
  ratio2_caliper = list(order = "smallest", ratio = 2, caliper = 0.1),
  exact = list(exact = ~site),
  replace = list(replace = TRUE, order = "data"),
  replace_ratio3 = list(replace = TRUE, ratio = 3, order = "data"),
  discard_both = list(discard = "both", caliper = 0.25),
  logit_distance = list(link = "linear.logit", caliper = 0.2),
  raw_caliper = list(caliper = 0.02, std.caliper = FALSE),
  probit = list(order = "smallest", link = "probit")
)
get <- function(cfg, name, default) if (is.null(cfg[[name]])) default else cfg[[name]]
rownames(d) <- as.character(seq_len(n))
for (name in names(configs)) {
  cfg <- configs[[name]]
  link <- get(cfg, "link", "logit")
  fit <- glm(f, data = d, family = binomial(link = if (link == "linear.logit") "logit" else link))
  ps <- fitted(fit)
  dist <- if (link == "linear.logit") predict(fit, type = "link") else ps
  discarded <- MatchIt:::discard(d$treat, ps, get(cfg, "discard", "none"))
  caliper <- NULL
  if (!is.null(cfg$caliper)) {
    caliper <- cfg$caliper
    if (get(cfg, "std.caliper", TRUE)) caliper <- caliper * sd(dist[!discarded])
  }
  order <- get(cfg, "order", "largest")
  ord <- switch(order, largest = order(dist, decreasing = TRUE), smallest = order(dist), data = seq_len(n))
  ds <- d[ord, ]
  ds$distance <- dist[ord]
  t1 <- ds$treat == 1
  D <- abs(outer(ds$distance[t1], ds$distance[!t1], "-"))
  dimnames(D) <- list(rownames(ds)[t1], rownames(ds)[!t1])
  m <- matchit(f, data = ds, method = "nearest", distance = D, m.order = "data",
               ratio = get(cfg, "ratio", 1), replace = get(cfg, "replace", FALSE),
               caliper = caliper, std.caliper = FALSE, exact = cfg$exact,
               discard = discarded[ord])
  back <- order(ord)  # original row i sits at position back[i] of ds
  sub <- if (is.null(m$subclass)) rep(NA, n) else as.integer(m$subclass)[back]
  units <- data.frame(distance = sprintf("%.17g", dist), weights = sprintf("%.17g", m$weights[back]),
                      subclass = sub, discarded = as.integer(discarded))
  write.csv(units, file.path(out, paste0(name, "_units.csv")), row.names = FALSE, quote = FALSE)
  mm <- m$match.matrix[as.character(which(d$treat == 1)), , drop = FALSE]
  mmn <- matrix(match(mm, rownames(d)), nrow = nrow(mm))
  mmn[is.na(mmn)] <- 0
  write.csv(data.frame(treated = which(d$treat == 1), mmn), file.path(out, paste0(name, "_matches.csv")),
            row.names = FALSE)
  s <- summary(m, un = TRUE, addlvariables = ~distance, data = ds)
  cols <- c("Means Treated", "Means Control", "Std. Mean Diff.", "Var. Ratio", "eCDF Mean", "eCDF Max")
  for (part in c("all", "matched")) {
    tab <- if (part == "all") s$sum.all else s$sum.matched
    tab <- tab[c("distance", setdiff(rownames(tab), "distance")), cols, drop = FALSE]
    z <- data.frame(term = rownames(tab), apply(tab, 2, function(v) sprintf("%.17g", v)), check.names = FALSE)
    write.csv(z, file.path(out, paste0(name, "_balance_", part, ".csv")), row.names = FALSE, quote = FALSE)
  }
  nn <- s$nn
  write.csv(data.frame(size = rownames(nn), control = sprintf("%.17g", nn[, 1]), treated = sprintf("%.17g", nn[, 2])),
            file.path(out, paste0(name, "_sizes.csv")), row.names = FALSE, quote = FALSE)
}
cat("wrote", length(configs), "configurations to", out, "\n")
