// Adjusted p-values for a family of tests, as R's p.adjust computes them
// (missing p-values stay missing and do not count in the family's size n):
// - Holm (1979): the i-th smallest p times (n - i + 1), made non-decreasing
//   in that order and capped at 1 (family-wise error rate);
// - Benjamini & Hochberg (1995): the i-th smallest p times n / i, made
//   non-increasing from the largest down and capped at 1 (false discovery rate).
#pragma once

#include <vector>

namespace impactsim {

std::vector<double> holm_adjust(const std::vector<double>& p);
std::vector<double> benjamini_hochberg_adjust(const std::vector<double>& p);

}  // namespace impactsim
