#include "models/sensitivity/multiplicity.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace impactsim {
namespace {

// Positions of the non-missing p-values, by increasing p (ties by position,
// a stable order as R's order()).
std::vector<size_t> ascending(const std::vector<double>& p) {
  std::vector<size_t> idx;
  for (size_t i = 0; i < p.size(); ++i) {
    if (!std::isnan(p[i])) idx.push_back(i);
  }
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
  return idx;
}

}  // namespace

std::vector<double> holm_adjust(const std::vector<double>& p) {
  std::vector<double> out(p.size(), NAN);
  const std::vector<size_t> idx = ascending(p);
  const double n = static_cast<double>(idx.size());
  double running = 0;
  for (size_t i = 0; i < idx.size(); ++i) {
    running = std::max(running, std::min(1.0, (n - static_cast<double>(i)) * p[idx[i]]));
    out[idx[i]] = running;
  }
  return out;
}

std::vector<double> benjamini_hochberg_adjust(const std::vector<double>& p) {
  std::vector<double> out(p.size(), NAN);
  const std::vector<size_t> idx = ascending(p);
  const double n = static_cast<double>(idx.size());
  double running = 1.0;
  for (size_t i = idx.size(); i-- > 0;) {
    running = std::min(running, n / static_cast<double>(i + 1) * p[idx[i]]);
    out[idx[i]] = running;
  }
  return out;
}

}  // namespace impactsim
