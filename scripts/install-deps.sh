#!/usr/bin/env bash
# Installs the Debian packages impactsim needs, and only those that are missing,
# so a second run costs a few dpkg look-ups. Run as root on Debian 12.
#   scripts/install-deps.sh          build, test and benchmark dependencies
#   scripts/install-deps.sh --r      also R, its packages and Python's, which produce the
#                                    reference fixtures and run the peer benchmarks
set -euo pipefail

packages=(
  build-essential cmake make pkg-config
  libeigen3-dev libboost-math-dev libboost-random-dev libceres-dev
  libhdf5-dev zlib1g-dev librandom123-dev libcli11-dev libtomlplusplus-dev
  nlohmann-json3-dev libfmt-dev libfast-float-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
if [[ "${1:-}" == "--r" ]]; then
  packages+=(r-base-core r-cran-mass r-cran-sandwich r-cran-survival r-cran-brglm2 r-cran-matchit r-cran-data.table python3-pandas python3-statsmodels)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if (( ${#missing[@]} == 0 )); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
