# Reference numbers for the survival models: R's survival::coxph (Efron and
# Breslow ties, weights, strata, offsets, cluster-robust variances) and
# survfit (weighted Kaplan-Meier, log-log intervals) with summary(times = ).
# Run from the repository root:
#   Rscript tests/reference/survival.R
# (R packages from Debian: r-base-core r-cran-survival).
suppressMessages(library(survival))
Sys.setlocale("LC_COLLATE", "C")
out <- "tests/fixtures/survival"
set.seed(2027)
n <- 500
d <- data.frame(
  x1 = round(rnorm(n), 3),
  x2 = round(runif(n), 3),
  f = sample(c("a", "b", "c"), n, replace = TRUE),
  s = sample(c("north", "south"), n, replace = TRUE),
  g = sample(1:80, n, replace = TRUE),
  w = round(runif(n, 0.5, 2), 2)
)
d$off <- round(0.3 * rnorm(n), 3)
lp <- 0.5 * d$x1 - 0.8 * d$x2 + ifelse(d$f == "b", 0.4, ifelse(d$f == "c", -0.3, 0))
t_event <- rexp(n, 0.1 * exp(lp))
t_cens <- runif(n, 2, 15)
# Times rounded to whole days of a 30-day month: many ties.
d$time <- pmax(1, ceiling(pmin(t_event, t_cens) * 30)) / 30
d$time <- round(d$time, 4)
d$status <- as.integer(t_event <= t_cens)
d$grp <- ifelse(d$f == "a", "control", "member")
write.csv(d, file.path(out, "data.csv"), row.names = FALSE)
d <- read.csv(file.path(out, "data.csv"), stringsAsFactors = TRUE)

lung2 <- na.omit(lung[, c("time", "status", "age", "sex", "ph.ecog", "inst")])
write.csv(lung2, file.path(out, "lung.csv"), row.names = FALSE)

cases <- list(
  list("efron", d, Surv(time, status) ~ x1 + x2 + f, "efron", NULL, NULL, "", "", ""),
  list("breslow", d, Surv(time, status) ~ x1 + x2 + f, "breslow", NULL, NULL, "", "", ""),
  list("weights_cluster", d, Surv(time, status) ~ x1 + f, "efron", d$w, d$g, "w", "g", ""),
  list("strata", d, Surv(time, status) ~ x1 + x2 + strata(s), "efron", NULL, NULL, "", "", "s"),
  list("offset", d, Surv(time, status) ~ x1 + f + offset(off), "efron", NULL, NULL, "", "", ""),
  list("strata_weights_breslow", d, Surv(time, status) ~ x1 + x2 + f + strata(s), "breslow", d$w, NULL, "w", "", "s"),
  list("lung", lung2, Surv(time, status) ~ age + sex + ph.ecog, "efron", NULL, lung2$inst, "", "inst", "")
)
coefs <- NULL
fits <- NULL
zph <- NULL
for (c in cases) {
  name <- c[[1]]; data <- c[[2]]
  args <- list(formula = c[[3]], data = data, ties = c[[4]])
  if (!is.null(c[[5]])) args$weights <- c[[5]]
  if (!is.null(c[[6]])) args$cluster <- c[[6]]
  fit <- do.call(coxph, args)
  se <- sqrt(diag(if (is.null(fit$naive.var)) fit$var else fit$naive.var))
  rse <- if (is.null(fit$naive.var)) rep(NA, length(se)) else sqrt(diag(fit$var))
  coefs <- rbind(coefs, data.frame(case = name, term = names(coef(fit)), estimate = unname(coef(fit)),
                                   std_error = unname(se), robust_std_error = unname(rse)))
  wald <- as.numeric(t(coef(fit)) %*% solve(fit$var) %*% coef(fit))
  # The proportional-hazards test, cox.zph's default transform "km" (every case) and the others (efron).
  for (tr in if (name == "efron") c("km", "identity", "log", "rank") else "km") {
    tb <- cox.zph(fit, transform = tr)$table
    zph <- rbind(zph, data.frame(case = name, transform = tr, term = rownames(tb), chisq = tb[, "chisq"],
                                 df = tb[, "df"], p = tb[, "p"]))
  }
  fits <- rbind(fits, data.frame(case = name, formula = gsub(" ", "", paste(deparse(c[[3]]), collapse = "")), ties = c[[4]],
                                 weights = c[[7]], cluster = c[[8]], strata = c[[9]],
                                 loglik_null = fit$loglik[1], loglik = fit$loglik[2], score_test = fit$score,
                                 wald_test = wald, iterations = fit$iter, n = fit$n, events = fit$nevent,
                                 data = if (name == "lung") "lung.csv" else "data.csv"))
}
write.csv(coefs, file.path(out, "cox_coefficients.csv"), row.names = FALSE)
write.csv(fits, file.path(out, "cox_fits.csv"), row.names = FALSE)
write.csv(zph, file.path(out, "cox_zph.csv"), row.names = FALSE)

# Kaplan-Meier: weighted, by group, log-log intervals, at chosen times.
km <- NULL
for (wt in c(FALSE, TRUE)) {
  # Greenwood's variance: with fractional weights survfit's default is robust (jackknife).
  sf <- if (wt) survfit(Surv(time, status) ~ grp, data = d, weights = w, conf.type = "log-log", robust = FALSE)
        else survfit(Surv(time, status) ~ grp, data = d, conf.type = "log-log")
  sm <- summary(sf, times = c(1, 3, 5, 8, 12))
  km <- rbind(km, data.frame(weighted = wt, stratum = sub("grp=", "", as.character(sm$strata)), time = sm$time,
                             n_risk = sm$n.risk, surv = sm$surv, std_error = sm$std.err, lower = sm$lower, upper = sm$upper))
}
write.csv(km, file.path(out, "km.csv"), row.names = FALSE)

# Restricted mean survival time (print.survfit's rmean = tau: survmean's area and variance).
rmst <- NULL
for (wt in c(FALSE, TRUE)) {
  sf <- if (wt) survfit(Surv(time, status) ~ grp, data = d, weights = w, robust = FALSE)
        else survfit(Surv(time, status) ~ grp, data = d)
  for (tau in c(2.5, 6, 10)) {
    tb <- summary(sf, rmean = tau)$table
    rmst <- rbind(rmst, data.frame(weighted = wt, stratum = sub("grp=", "", rownames(tb)), tau = tau,
                                   rmean = tb[, "rmean"], se = tb[, "se(rmean)"]))
  }
}
write.csv(rmst, file.path(out, "rmst.csv"), row.names = FALSE)
