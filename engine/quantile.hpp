// Sample quantiles.
#pragma once

#include <algorithm>
#include <cmath>
#include <span>

namespace impactsim {

// The p-quantile of values sorted in increasing order, interpolating linearly
// between order statistics (R's quantile(type = 7), its default). p is
// clamped to [0, 1]; `sorted` must not be empty.
inline double sorted_quantile(std::span<const double> sorted, double p) {
  const double h = (static_cast<double>(sorted.size()) - 1) * std::clamp(p, 0.0, 1.0);
  const auto lo = static_cast<size_t>(std::floor(h));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

}  // namespace impactsim
