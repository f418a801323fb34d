#!/usr/bin/env bash
# Peer comparison: reading the same claims-like CSV (1 M rows, ~55 MB) with
# impactsim, R's read.csv, R's data.table::fread and pandas.read_csv, in one
# run on one machine. Each reader parses the whole file with type inference.
#   bench/peers/csv_read.sh [ROWS]      (Debian: r-base-core r-cran-data.table python3-pandas)
set -euo pipefail
cd "$(dirname "$0")/../.."
rows=${1:-1000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 bench/peers/make_claims_csv.py "$tmp/claims.csv" "$rows"
size=$(stat -c %s "$tmp/claims.csv")
cat "$tmp/claims.csv" > /dev/null  # page cache
echo "file: $rows rows, $((size / 1000000)) MB; $(nproc) cores"

best() {  # best wall time in seconds of 3 runs of a command
  local t best=999999
  for _ in 1 2 3; do
    t=$( { /usr/bin/time -f %e "$@" > /dev/null; } 2>&1 | tail -1 )
    best=$(echo "$t $best" | awk '{print ($1 < $2) ? $1 : $2}')
  done
  echo "$best"
}
report() { printf '%-28s %6.2f s  %7.0f MB/s\n' "$1" "$2" "$(echo "$size $2" | awk '{print $1 / 1e6 / $2}')"; }

report "impactsim describe" "$(best build/studies/impactsim describe "$tmp/claims.csv")"
report "R read.csv" "$(best Rscript -e "invisible(read.csv('$tmp/claims.csv'))")"
if Rscript -e 'library(data.table)' > /dev/null 2>&1; then
  report "R data.table::fread" "$(best Rscript -e "suppressMessages(library(data.table)); invisible(fread('$tmp/claims.csv'))")"
fi
py=/usr/bin/python3  # Debian's, where python3-pandas installs
if $py -c 'import pandas' > /dev/null 2>&1; then
  report "pandas.read_csv" "$(best $py -c "import pandas; pandas.read_csv('$tmp/claims.csv')")"
fi
# Start-up costs included above, for reading the figures.
echo "start-up: R $(best Rscript -e 'invisible(0)') s, data.table $(best Rscript -e 'suppressMessages(library(data.table))') s," \
  "pandas $($py -c 'import pandas' > /dev/null 2>&1 && best $py -c 'import pandas' || echo n/a) s"
