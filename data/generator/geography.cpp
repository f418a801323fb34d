#include "data/generator/geography.hpp"

#include <algorithm>
#include <cmath>

#include "engine/error.hpp"

namespace impactsim::generator {

const std::vector<std::string>& department_codes() {
  static const std::vector<std::string> codes = [] {
    std::vector<std::string> c;
    auto two = [](int d) { return (d < 10 ? "0" : "") + std::to_string(d); };
    for (int d = 1; d <= 19; ++d) c.push_back(two(d));
    c.push_back("2A");
    c.push_back("2B");
    for (int d = 21; d <= 95; ++d) c.push_back(two(d));
    for (int d : {971, 972, 973, 974, 976}) c.push_back(std::to_string(d));
    return c;
  }();
  return codes;
}

int draw_department(double u) {
  static const std::vector<double> cdf = [] {
    const size_t n = department_codes().size();
    std::vector<double> w(n);
    // Rank r gets weight 1/sqrt(r): a long tail, as department populations
    // have; ranks are spread over the codes by a fixed permutation (53 is
    // coprime with 101).
    for (size_t i = 0; i < n; ++i) w[i] = 1.0 / std::sqrt(1.0 + static_cast<double>((i * 53) % n));
    double total = 0;
    for (double& x : w) x = (total += x);
    for (double& x : w) x /= total;
    return w;
  }();
  const auto it = std::lower_bound(cdf.begin(), cdf.end(), u);
  return static_cast<int>(std::min<size_t>(static_cast<size_t>(it - cdf.begin()), cdf.size() - 1));
}

std::vector<bool> pilot_flags(const std::vector<std::string>& pilot, const std::string& where) {
  const auto& codes = department_codes();
  std::vector<bool> flags(codes.size(), false);
  for (const auto& p : pilot) {
    const auto it = std::find(codes.begin(), codes.end(), p);
    if (it == codes.end()) throw InputError(where + ": \"" + p + "\" is not a department code" + suggest_names(p, codes));
    flags[static_cast<size_t>(it - codes.begin())] = true;
  }
  return flags;
}

}  // namespace impactsim::generator
