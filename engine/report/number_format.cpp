#include "engine/report/number_format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace impactsim::report {
namespace {

int min_decimals(Unit unit) {
  switch (unit) {
    case Unit::Proportion:
    case Unit::Ratio: return 2;
    case Unit::RatePer100: return 1;
    case Unit::Euros:
    case Unit::Count:
    case Unit::Plain: return 0;
  }
  return 0;
}

constexpr int kMaxDecimals = 6;

}  // namespace

int decimals_for(Unit unit, double lower, double upper) {
  if (unit == Unit::Count) return 0;
  const double half = (upper - lower) / 2;
  if (!(half > 0) || !std::isfinite(half)) return decimals_for(unit, (lower + upper) / 2);
  const int needed = -static_cast<int>(std::floor(std::log10(half)));
  return std::clamp(needed, min_decimals(unit), kMaxDecimals);
}

int decimals_for(Unit unit, double value) {
  if (unit == Unit::Count) return 0;
  const double a = std::abs(value);
  if (!(a > 0) || !std::isfinite(a)) return min_decimals(unit);
  const int needed = 2 - static_cast<int>(std::floor(std::log10(a)));  // 3 significant digits
  return std::clamp(needed, min_decimals(unit), kMaxDecimals);
}

std::string format_fixed(double value, int decimals) {
  if (!std::isfinite(value)) return ".";
  std::string s = fmt::format("{:.{}f}", value, decimals);
  if (s.find_first_not_of("-0.") == std::string::npos && s[0] == '-') s.erase(0, 1);  // no "-0.00"
  return s;
}

std::string format_value(Unit unit, double value) { return format_fixed(value, decimals_for(unit, value)); }

std::string format_interval(Unit unit, double estimate, double lower, double upper) {
  if (!std::isfinite(estimate)) return ".";
  if (!std::isfinite(lower) || !std::isfinite(upper)) return format_value(unit, estimate);
  const int d = decimals_for(unit, lower, upper);
  return format_fixed(estimate, d) + " " + format_bounds(unit, lower, upper);
}

std::string format_bounds(Unit unit, double lower, double upper) {
  if (!std::isfinite(lower) || !std::isfinite(upper)) return ".";
  const int d = decimals_for(unit, lower, upper);
  return "[" + format_fixed(lower, d) + ", " + format_fixed(upper, d) + "]";
}

std::string format_p_value(double p) {
  if (!std::isfinite(p)) return ".";
  return p < 0.001 ? "<0.001" : format_fixed(p, 3);
}

}  // namespace impactsim::report
