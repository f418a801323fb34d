#!/usr/bin/env bash
# Peer comparison: the same logistic regression (intercept + 30 covariates,
# ROWS rows) fitted by impactsim, R's glm.fit and statsmodels' Logit, in one
# run on one machine. Only the fit is timed (each tool reads the same raw
# doubles written by export_glm_problem first).
#   bench/peers/glm_peers.sh [ROWS]   (Debian: r-base-core python3-statsmodels)
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:-1000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build/bench/export_glm_problem "$rows" binomial "$tmp"
echo "logistic regression, $rows rows x 31 columns; $(nproc) cores"

# impactsim's fit takes a fraction of a second, where this machine's load
# moves single runs by ±15%: the median of 5 repetitions (of 3 fits each).
imp=$(build/bench/glm_bench --benchmark_filter="BM_GlmLogistic/$rows/" --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true --benchmark_format=csv 2>/dev/null |
  awk -F, '/BM_GlmLogistic.*_median/ {print $3 / 1000}')
printf '%-26s %8.2f s\n' "impactsim" "$imp"

r=$(Rscript -e "
  n <- $rows; p <- 31
  x <- matrix(readBin('$tmp/x.bin', 'double', n * p), n, p); y <- readBin('$tmp/y.bin', 'double', n)
  t <- system.time(fit <- glm.fit(x, y, family = binomial()))[['elapsed']]
  cat(t)")
printf '%-26s %8.2f s   (impactsim %.0fx faster)\n' "R glm.fit" "$r" "$(echo "$r $imp" | awk '{print $1 / $2}')"

py=/usr/bin/python3
if $py -c 'import statsmodels' > /dev/null 2>&1; then
  s=$($py - <<PY
import time, numpy as np, statsmodels.api as sm
n, p = $rows, 31
x = np.fromfile('$tmp/x.bin').reshape((p, n)).T
y = np.fromfile('$tmp/y.bin')
t = time.perf_counter(); sm.Logit(y, x).fit(disp=0); print(time.perf_counter() - t)
PY
)
  printf '%-26s %8.2f s   (impactsim %.0fx faster)\n' "statsmodels Logit" "$s" "$(echo "$s $imp" | awk '{print $1 / $2}')"
fi
