// One formatting rule for every number a report prints: each number in its
// own unit (named in its column or sentence), with the digits its size
// needs. An estimate with an interval shows as many decimals as the
// interval's half-width needs for its first significant digit, never fewer
// than its unit's minimum (proportions and ratios 2, rates per 100
// person-years 1, euros and counts 0); a value alone shows 3 significant
// digits. Missing values print as ".".
#pragma once

#include <string>

namespace impactsim::report {

enum class Unit { Proportion, Ratio, RatePer100, Euros, Count, Plain };

// Decimals for an estimate whose interval is [lower, upper].
int decimals_for(Unit unit, double lower, double upper);
// Decimals for a value shown alone.
int decimals_for(Unit unit, double value);

std::string format_fixed(double value, int decimals);
std::string format_value(Unit unit, double value);
// "0.023 [0.019, 0.026]".
std::string format_interval(Unit unit, double estimate, double lower, double upper);
// "[0.019, 0.026]" with the decimals of the estimate's rule.
std::string format_bounds(Unit unit, double lower, double upper);
// A p-value: 3 decimals, "<0.001" below 0.001.
std::string format_p_value(double p);

}  // namespace impactsim::report
