#!/usr/bin/env bash
# Nearest-neighbour matching, impactsim against MatchIt, on the design of
# bench/matching_bench.cpp: N units, scores uniform on (0, 0.9), a unit
# treated with probability equal to its score (45% treated), caliper 0.2 SD,
# ratio 1, order largest, the distance given (no model fit).
# Usage: bench/peers/matching_peers.sh [N ...]   (default 100000 1000000)
# Needs R with r-cran-matchit (scripts/install-deps.sh --r) and a Release build.
set -euo pipefail
cd "$(dirname "$0")/../.."
sizes=("${@:-100000 1000000}")
for n in ${sizes[@]}; do
  echo "== N = $n"
  Rscript -e "
    suppressMessages(library(MatchIt)); set.seed(1); n <- $n
    d <- 0.9 * runif(n); treat <- as.integer(runif(n) < d); x <- rnorm(n)
    df <- data.frame(treat, x)
    t <- system.time(m <- matchit(treat ~ x, data = df, distance = d, caliper = 0.2, m.order = 'largest'))
    cat(sprintf('MatchIt %s (vector distance): %.2f s, %d treated matched\n', packageVersion('MatchIt'), t[['elapsed']], sum(!is.na(m\$match.matrix[, 1]))))
  "
  build/bench/matching_bench --benchmark_filter="BM_MatchLargest/$n/1\$" --benchmark_format=console 2>/dev/null | grep BM_ || \
    echo "(impactsim: see bench/matching_bench for N = 1e6 and 1e7)"
done
