# Reference numbers for the GLM engine: R's glm(), MASS::glm.nb(),
# sandwich::vcovHC/vcovCL, confint() (profile likelihood) and brglm2's Firth
# fit (type "AS_mean"). Run from the repository root:
#   Rscript tests/reference/glm.R
# (R packages from Debian: r-base-core r-cran-mass r-cran-sandwich r-cran-brglm2).
suppressMessages({ library(MASS); library(sandwich); library(brglm2) })
Sys.setlocale("LC_COLLATE", "C")
out <- "tests/fixtures/glm"
set.seed(2026)
n <- 600
d <- data.frame(
  x1 = round(rnorm(n), 4),
  x2 = round(runif(n), 4),
  f = sample(c("a", "b", "c"), n, replace = TRUE),
  g = sample(1:60, n, replace = TRUE),
  w = round(runif(n, 0.5, 2), 3),
  trials = sample(1:20, n, replace = TRUE),
  exposure = round(runif(n, 0.2, 3), 3)
)
d$x3 <- d$x1 + 2 * d$x2                      # aliased with x1 and x2
d$logexp <- log(d$exposure)
eta <- -0.5 + 0.8 * d$x1 - 1.2 * d$x2 + ifelse(d$f == "b", 0.5, ifelse(d$f == "c", -0.4, 0))
d$yb <- rbinom(n, 1, plogis(eta))
d$succ <- rbinom(n, d$trials, plogis(eta))
d$prop <- d$succ / d$trials
d$y <- rpois(n, exp(0.3 + 0.4 * d$x1 + d$logexp + ifelse(d$f == "b", 0.3, 0)))
d$ynb <- rnbinom(n, size = 1.5, mu = exp(0.5 + 0.5 * d$x1 + d$logexp))
d$spend <- round(rgamma(n, shape = 2, scale = exp(6 + 0.3 * d$x1 + ifelse(d$f == "c", 0.4, 0)) / 2), 2)
d$ycont <- round(1 + 2 * d$x1 - d$x2 + rnorm(n), 4)
# Nearly separated: x1 > 1.6 always has the event, one exception below.
d$ysep <- as.integer(d$x1 > 0.2)
d$ysep[which(d$x1 > 0.2 & d$x1 < 0.4)[1]] <- 0L
d$ysep[which(d$x1 < 0.2 & d$x1 > 0)[1:3]] <- 1L
write.csv(d, file.path(out, "data.csv"), row.names = FALSE)
d <- read.csv(file.path(out, "data.csv"), stringsAsFactors = TRUE)

cases <- list(
  list("logit", "yb ~ x1 + x2 + f", "binomial", "logit", "", ""),
  list("logit_weights", "yb ~ x1 + f", "binomial", "logit", "w", ""),
  list("binomial_proportions", "prop ~ x1 + x2", "binomial", "logit", "trials", ""),
  list("probit", "yb ~ x1 + x2", "binomial", "probit", "", ""),
  list("cloglog", "yb ~ x1 + f", "binomial", "cloglog", "", ""),
  list("poisson_offset", "y ~ x1 + f", "poisson", "log", "", "logexp"),
  list("poisson_interaction", "y ~ x1 * f", "poisson", "log", "", ""),
  list("negbin", "ynb ~ x1 + f", "negbin", "log", "", ""),
  list("negbin_offset", "ynb ~ x1", "negbin", "log", "", "logexp"),
  list("gamma_log", "spend ~ x1 + f", "Gamma", "log", "", ""),
  list("gamma_inverse", "spend ~ x1 + x2", "Gamma", "inverse", "", ""),
  list("gaussian_weights", "ycont ~ x1 + x2 + f", "gaussian", "identity", "w", ""),
  list("aliased", "yb ~ x1 + x2 + x3", "binomial", "logit", "", ""),
  list("near_separated", "ysep ~ x1 + x2", "binomial", "logit", "", "")
)

fit_case <- function(cs) {
  f <- as.formula(cs[[2]]); fam <- cs[[3]]; link <- cs[[4]]
  wt <- if (nzchar(cs[[5]])) d[[cs[[5]]]] else NULL
  off <- if (nzchar(cs[[6]])) d[[cs[[6]]]] else NULL
  dd <- d; dd$.w <- if (is.null(wt)) rep(1, n) else wt; dd$.o <- if (is.null(off)) rep(0, n) else off
  if (fam == "negbin") {
    if (is.null(off)) glm.nb(f, data = dd, link = log) else glm.nb(update(f, . ~ . + offset(.o)), data = dd, link = log)
  } else {
    family <- get(fam)(link = link)
    suppressWarnings(glm(f, data = dd, family = family, weights = .w, offset = .o))
  }
}

index <- NULL
for (cs in cases) {
  fit <- fit_case(cs)
  s <- summary(fit)
  co <- coef(fit)
  se <- rep(NA_real_, length(co)); names(se) <- names(co)
  se[rownames(s$coefficients)] <- s$coefficients[, 2]
  tab <- data.frame(term = names(co), estimate = sprintf("%.17g", co), std_error = sprintf("%.17g", se))
  tab$estimate[is.na(co)] <- "NA"; tab$std_error[is.na(co)] <- "NA"
  # Robust variances (estimable coefficients only).
  if (all(!is.na(co))) {
    tab$hc0 <- sprintf("%.17g", sqrt(diag(vcovHC(fit, type = "HC0"))))
    tab$hc1 <- sprintf("%.17g", sqrt(diag(vcovHC(fit, type = "HC1"))))
    tab$cl <- sprintf("%.17g", sqrt(diag(vcovCL(fit, cluster = ~g, type = "HC0"))))
    tab$cl_hc1 <- sprintf("%.17g", sqrt(diag(vcovCL(fit, cluster = ~g, type = "HC1"))))
  }
  write.csv(tab, file.path(out, paste0(cs[[1]], ".csv")), row.names = FALSE, quote = TRUE)
  theta <- if (inherits(fit, "negbin")) fit$theta else NA
  theta_se <- if (inherits(fit, "negbin")) fit$SE.theta else NA
  row <- data.frame(name = cs[[1]], formula = cs[[2]], family = cs[[3]], link = cs[[4]], weights = cs[[5]],
                    offset = cs[[6]], deviance = sprintf("%.17g", fit$deviance),
                    null_deviance = sprintf("%.17g", fit$null.deviance), aic = sprintf("%.17g", AIC(fit)),
                    df_residual = fit$df.residual, dispersion = sprintf("%.17g", s$dispersion),
                    theta = sprintf("%.17g", theta), theta_se = sprintf("%.17g", theta_se), iterations = fit$iter,
                    loglik = sprintf("%.17g", as.numeric(logLik(fit))))
  index <- rbind(index, row)
}
write.csv(index, file.path(out, "cases.csv"), row.names = FALSE)

# Profile-likelihood intervals (R's confint on a glm).
prof <- NULL
for (nm in c("logit", "poisson_offset", "gamma_log")) {
  cs <- cases[[which(sapply(cases, `[[`, 1) == nm)]]
  ci <- suppressMessages(confint(fit_case(cs)))
  prof <- rbind(prof, data.frame(name = nm, term = rownames(ci), low = sprintf("%.17g", ci[, 1]), high = sprintf("%.17g", ci[, 2])))
}
write.csv(prof, file.path(out, "profile.csv"), row.names = FALSE)

# Firth: the endometrial cancer data (Heinze & Schemper 2002) from brglm2.
data("endometrial", package = "brglm2")
write.csv(endometrial, file.path(out, "endometrial.csv"), row.names = FALSE)
fb <- glm(HG ~ NV + PI + EH, family = binomial("logit"), data = endometrial, method = "brglmFit", type = "AS_mean")
sb <- summary(fb)$coefficients
write.csv(data.frame(term = rownames(sb), estimate = sprintf("%.17g", sb[, 1]), std_error = sprintf("%.17g", sb[, 2])),
          file.path(out, "firth_endometrial.csv"), row.names = FALSE)
