#!/usr/bin/env bash
# Peer comparison: the same Cox model (10 covariates, ROWS rows, times in
# whole days: Efron ties) fitted by impactsim and by R's survival::coxph, in
# one run on one machine. Only the fit is timed (both read the same raw
# doubles written by export_glm_problem first); the coefficients are
# compared too.
#   bench/peers/cox_peers.sh [ROWS]   (Debian: r-base-core r-cran-survival)
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:-1000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build/bench/export_glm_problem "$rows" cox "$tmp"
echo "Cox model, $rows rows x 10 covariates, Efron ties; $(nproc) cores"

imp=$(build/bench/cox_bench --benchmark_filter="BM_CoxEfron/$rows/" --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true --benchmark_format=csv 2>/dev/null |
  awk -F, '/BM_CoxEfron.*_median/ {print $3 / 1000}')
printf '%-26s %8.2f s\n' "impactsim" "$imp"

r=$(Rscript -e "
  suppressMessages(library(survival))
  n <- $rows; p <- 10
  x <- matrix(readBin('$tmp/x.bin', 'double', n * p), n, p)
  time <- readBin('$tmp/time.bin', 'double', n); status <- readBin('$tmp/status.bin', 'double', n)
  t <- system.time(fit <- coxph(Surv(time, status) ~ x))[['elapsed']]
  cat(t); write(coef(fit), stderr(), ncolumns = 10)")
printf '%-26s %8.2f s   (impactsim %.0fx faster)\n' "R survival::coxph" "$r" "$(echo "$r $imp" | awk '{print $1 / $2}')"
