# Reference numbers for models/sensitivity: multiplicity (R's p.adjust),
# E-values (VanderWeele & Ding 2017's formulas and conversions, as the EValue
# package defines them), Rosenbaum bounds for matched binary outcomes
# (rbounds::binarysens's upper bound, solved for Gamma with uniroot), the
# empirical null, calibrated p-values and intervals and the expected
# absolute systematic error (EmpiricalCalibration's likelihood and
# definitions), the minimum detectable relative risk and equipoise
# (CohortMethod's definitions). EValue, rbounds, EmpiricalCalibration and
# CohortMethod are not Debian packages: their published definitions are
# written out below, each computed by R's own numerical routines (pbinom,
# optim, uniroot, pnorm), independently of impactsim's closed forms.
# Run from the repository root:
#   Rscript tests/reference/sensitivity.R
out <- "tests/fixtures/sensitivity"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
set.seed(2026)
fmt <- function(x) trimws(formatC(x, digits = 17, format = "g"))

# ---- p.adjust ----------------------------------------------------------------
p <- c(0.01, 0.04, 0.03, 0.04, NA, 0.2, 0.0001, 0.5, 0.03, 0.9, 1e-8, 0.049)
pa <- data.frame(p = p, holm = p.adjust(p, "holm"), bh = p.adjust(p, "BH"))
write.csv(data.frame(lapply(pa, fmt)), file.path(out, "p_adjust.csv"), row.names = FALSE, quote = FALSE)

# ---- E-values ----------------------------------------------------------------
evalue_rr <- function(rr) { rr <- ifelse(rr < 1, 1 / rr, rr); rr + sqrt(rr * (rr - 1)) }
to_rr <- function(x, scale, common) {
  if (!common || scale %in% c("rr", "rate")) return(x)
  if (scale == "or") return(sqrt(x))
  (1 - 0.5^sqrt(x)) / (1 - 0.5^sqrt(1 / x))
}
ev <- function(est, lo, hi, scale, common) {
  rr <- to_rr(est, scale, common); l <- to_rr(lo, scale, common); h <- to_rr(hi, scale, common)
  bound <- if (rr >= 1) { if (l <= 1) 1 else evalue_rr(l) } else { if (h >= 1) 1 else evalue_rr(h) }
  c(evalue_rr(rr), bound)
}
cases <- rbind(
  data.frame(estimate = 3.9, lower = 1.8, upper = 8.7, scale = "rr", common = FALSE),  # the paper's example
  data.frame(estimate = 0.71, lower = 0.60, upper = 0.84, scale = "or", common = FALSE),
  data.frame(estimate = 0.71, lower = 0.60, upper = 0.84, scale = "or", common = TRUE),
  data.frame(estimate = 1.35, lower = 1.10, upper = 1.66, scale = "or", common = TRUE),
  data.frame(estimate = 0.83, lower = 0.65, upper = 1.06, scale = "hr", common = FALSE),
  data.frame(estimate = 0.62, lower = 0.50, upper = 0.77, scale = "hr", common = TRUE),
  data.frame(estimate = 1.80, lower = 1.20, upper = 2.70, scale = "hr", common = TRUE),
  data.frame(estimate = 0.90, lower = 0.85, upper = 0.95, scale = "rate", common = FALSE),
  data.frame(estimate = 1.02, lower = 0.97, upper = 1.07, scale = "rr", common = TRUE)
)
e <- t(mapply(ev, cases$estimate, cases$lower, cases$upper, cases$scale, cases$common))
cases$evalue <- fmt(e[, 1]); cases$evalue_bound <- fmt(e[, 2])
write.csv(cases, file.path(out, "evalues.csv"), row.names = FALSE, quote = FALSE)

# ---- Rosenbaum bounds (binary outcome, matched pairs) -------------------------
upper_p <- function(t, d, gamma) sum(dbinom(t:d, d, gamma / (1 + gamma)))
rb <- data.frame(pairs = c(1000, 400, 5000, 60, 2000), member_only = c(30, 80, 410, 9, 150),
                 control_only = c(70, 40, 520, 3, 160), alpha = c(0.025, 0.05, 0.025, 0.05, 0.025))
rb$p_value <- NA; rb$gamma <- NA
for (i in seq_len(nrow(rb))) {
  t <- max(rb$member_only[i], rb$control_only[i]); d <- rb$member_only[i] + rb$control_only[i]
  rb$p_value[i] <- upper_p(t, d, 1)
  rb$gamma[i] <- if (rb$p_value[i] >= rb$alpha[i]) 1 else
    uniroot(function(g) upper_p(t, d, g) - rb$alpha[i], c(1, 100), tol = 1e-14)$root
  rb$p_at_2[i] <- upper_p(t, d, 2)
}
rb[] <- lapply(rb, fmt)
write.csv(rb, file.path(out, "rosenbaum.csv"), row.names = FALSE, quote = FALSE)

# ---- Empirical calibration ---------------------------------------------------
# fitNull's likelihood: theta = (mean, precision 1/sd^2), optimised by
# Nelder-Mead from (0, 1) as fitNull does (kept as nelder_mead_*: it stops
# within about 1e-5 of the maximum), then the maximum itself (the reference).
neg_ll <- function(theta, x, se) {
  if (theta[2] <= 0) return(Inf)
  sd <- 1 / sqrt(theta[2])
  -sum(dnorm(x, theta[1], sqrt(sd^2 + se^2), log = TRUE))
}
fit_null <- function(x, se) {
  nm <- optim(c(0, 1), neg_ll, x = x, se = se)
  # The maximum itself: the likelihood with the mean at its (precision-weighted) value
  # for each sd, maximised over sd by optimize near Nelder-Mead's point.
  mean_at <- function(s) { w <- 1 / (s^2 + se^2); sum(w * x) / sum(w) }
  profile <- function(s) sum(dnorm(x, mean_at(s), sqrt(s^2 + se^2), log = TRUE))
  s_nm <- 1 / sqrt(nm$par[2])
  best <- optimize(profile, c(0, 3 * s_nm + 0.1), maximum = TRUE, tol = 1e-12)
  s <- best$maximum
  if (profile(0) >= best$objective) s <- 0
  c(mean = mean_at(s), sd = s, nm_mean = nm$par[1], nm_sd = s_nm, ll = profile(s))
}
calibrated_ci <- function(null, x, se, level) {
  # calibrateConfidenceInterval with the null as error model (slope 1, sd slope 0): the true
  # log ratio at which the observation is the interval's quantile, found with uniroot.
  f <- function(b, z) z + (null[["mean"]] + b - x) / sqrt(null[["sd"]]^2 + se^2)
  z <- qnorm((1 - level) / 2)
  c(uniroot(f, c(-100, 100), z = 0, tol = 1e-14)$root, uniroot(f, c(-100, 100), z = -z, tol = 1e-14)$root,
    uniroot(f, c(-100, 100), z = z, tol = 1e-14)$root)
}
calibrated_p <- function(null, x, se) {
  s <- sqrt(null[["sd"]]^2 + se^2)
  2 * min(pnorm((null[["mean"]] - x) / s), pnorm((x - null[["mean"]]) / s))
}
ease <- function(null) {
  mu <- null[["mean"]]; s <- null[["sd"]]
  integrate(function(x) abs(x) * dnorm(x, mu, s), -Inf, Inf, rel.tol = 1e-12)$value
}
controls <- list(
  biased = data.frame(x = rnorm(30, 0.12, 0.1) + rnorm(30, 0, 0.05), se = runif(30, 0.03, 0.2)),
  unbiased = data.frame(x = rnorm(25, 0, 0.08), se = runif(25, 0.05, 0.15)),
  few = data.frame(x = c(0.3, 0.1, 0.25, -0.05, 0.4), se = c(0.1, 0.2, 0.15, 0.1, 0.3))
)
nulls <- NULL; cal <- NULL
for (name in names(controls)) {
  d <- controls[[name]]
  d$x <- round(d$x, 4); d$se <- round(d$se, 4)
  write.csv(d, file.path(out, paste0("controls_", name, ".csv")), row.names = FALSE, quote = FALSE)
  n <- fit_null(d$x, d$se)
  nulls <- rbind(nulls, data.frame(case = name, mean = fmt(n[["mean"]]), sd = fmt(n[["sd"]]), loglik = fmt(n[["ll"]]),
                                   nelder_mead_mean = fmt(n[["nm_mean"]]), nelder_mead_sd = fmt(n[["nm_sd"]]),
                                   ease = fmt(ease(n))))
  for (k in 1:3) {
    x <- c(-0.35, 0.05, 0.6)[k]; se <- c(0.08, 0.12, 0.2)[k]; level <- c(0.95, 0.9, 0.95)[k]
    ci <- calibrated_ci(n, x, se, level)
    cal <- rbind(cal, data.frame(case = name, log_ratio = x, std_error = se, level = level, calibrated = fmt(ci[1]),
                                 lower = fmt(ci[2]), upper = fmt(ci[3]), p_value = fmt(calibrated_p(n, x, se))))
  }
}
write.csv(nulls, file.path(out, "empirical_null.csv"), row.names = FALSE, quote = FALSE)
write.csv(cal, file.path(out, "calibrated.csv"), row.names = FALSE, quote = FALSE)

# ---- MDRR and equipoise (CohortMethod) ---------------------------------------
mdrr <- function(p_target, events, subjects, model, alpha = 0.05, power = 0.8) {
  za <- qnorm(1 - alpha / 2)
  if (model == "cox") return(exp(sqrt((-qnorm(1 - power) + za)^2 / (events * p_target * (1 - p_target)))))
  se <- sqrt(1 / (events * (1 - events / subjects)))
  z <- uniroot(function(z) pnorm(z - za) - power, c(0, 1e7), tol = 1e-14)$root
  exp(z * se)
}
md <- data.frame(p_target = c(0.5, 0.5, 0.3, 0.5), events = c(120, 40, 900, 3000), subjects = c(2000, 800, 20000, 10000),
                 model = c("cox", "logistic", "cox", "logistic"))
md$mdrr <- fmt(mapply(mdrr, md$p_target, md$events, md$subjects, md$model))
write.csv(md, file.path(out, "mdrr.csv"), row.names = FALSE, quote = FALSE)

n <- 3000
ps_data <- data.frame(ps = round(plogis(rnorm(n, -1, 1.2)), 6))
ps_data$treatment <- rbinom(n, 1, ps_data$ps)
write.csv(ps_data, file.path(out, "propensity.csv"), row.names = FALSE, quote = FALSE)
share <- mean(ps_data$treatment)
ps <- pmin(ps_data$ps, 0.9999999)
x <- exp(log(ps / (1 - ps)) - log(share / (1 - share)))
pref <- x / (x + 1)
writeLines(c("equipoise", fmt(mean(pref >= 0.3 & pref <= 0.7))), file.path(out, "equipoise.csv"))
