# Produces the reference design matrices of tests/fixtures/model_matrix/ with
# R's model.frame (na.omit, drop.unused.levels = TRUE, as glm) and
# model.matrix. Run from the repository root:
#   Rscript tests/reference/model_matrix.R
# (R from Debian: scripts/install-deps.sh --r). Output is deterministic.
Sys.setlocale("LC_COLLATE", "C")  # factor levels in byte order, as impactsim
set.seed(42)
out <- "tests/fixtures/model_matrix"
n <- 80
d <- data.frame(
  age = sample(18:60, n, replace = TRUE),
  educ = sample(4:16, n, replace = TRUE),
  race = sample(c("black", "hispan", "white"), n, replace = TRUE),
  married = sample(c(TRUE, FALSE), n, replace = TRUE),
  nodegree = sample(0:1, n, replace = TRUE),
  region = sample(c("north", "south", "east", "west", "unused"), n, replace = TRUE, prob = c(.3, .3, .2, .2, 0)),
  re74 = round(rexp(n, 1 / 5000), 2),
  re75 = round(rexp(n, 1 / 5000), 2),
  u = round(runif(n, -1, 1), 3),
  y = round(rexp(n, 1 / 8000), 2),
  stringsAsFactors = FALSE
)
d$re75[c(3, 17, 40)] <- NA
d$race[c(25)] <- NA
d$married[c(60)] <- NA
write.csv(d, file.path(out, "data.csv"), row.names = FALSE, na = "NA")

# Read back as impactsim reads it: strings -> factors with sorted levels.
d <- read.csv(file.path(out, "data.csv"), stringsAsFactors = TRUE)
d$region <- factor(d$region, levels = c("east", "north", "south", "unused", "west"))

cases <- list(
  list("main_effects", "y ~ age + educ + race", ""),
  list("reference_level", "y ~ age + educ + race", "race=white"),
  list("numeric_interaction", "y ~ age * educ", ""),
  list("transformations", "y ~ age + educ + age:educ + I(age^2) + log(re74 + 1) + log1p(re75) + sqrt(educ) + exp(u)", ""),
  list("factor_by_logical", "y ~ race * married", ""),
  list("interaction_only", "y ~ race:educ", ""),
  list("no_intercept", "y ~ race + married - 1", ""),
  list("no_intercept_plus0", "y ~ educ + race + 0", ""),
  list("power_of_sum", "y ~ (age + educ + race)^2", ""),
  list("nesting", "y ~ race/educ", ""),
  list("factor_call", "y ~ factor(nodegree) + factor(educ) + region", ""),
  list("margin_after", "y ~ educ:race + race", ""),
  list("two_factor_interaction", "y ~ race:region", ""),
  list("three_way", "y ~ age * married * race", ""),
  list("response_transform", "log(y + 1) ~ age + I(age/10) + I(-educ) + log(age, 2) + I((age - 40) * u)", ""),
  list("no_response", "~ race + region + u", ""),
  list("unused_level_dropped", "y ~ region", "")
)

index <- data.frame(name = character(), formula = character(), reference = character(), dropped = integer())
for (cs in cases) {
  name <- cs[[1]]; f <- as.formula(cs[[2]]); ref <- cs[[3]]
  dd <- d
  if (nzchar(ref)) {
    kv <- strsplit(ref, "=")[[1]]
    dd[[kv[1]]] <- relevel(dd[[kv[1]]], ref = kv[2])
  }
  mf <- model.frame(f, dd, na.action = na.omit, drop.unused.levels = TRUE)
  mm <- model.matrix(f, mf)
  rows <- as.integer(rownames(mf))
  m <- cbind(row = rows, mm)
  lines <- c(paste0('"', c("row", colnames(mm)), '"', collapse = ","),
             apply(m, 1, function(r) paste(sprintf("%.17g", r), collapse = ",")))
  writeLines(lines, file.path(out, paste0(name, ".csv")))
  if (attr(terms(f), "response") == 1) {
    writeLines(c('"response"', sprintf("%.17g", model.response(mf))), file.path(out, paste0(name, ".response.csv")))
  }
  index[nrow(index) + 1, ] <- list(name, cs[[2]], ref, nrow(d) - nrow(mf))
}
write.csv(index, file.path(out, "cases.csv"), row.names = FALSE)
