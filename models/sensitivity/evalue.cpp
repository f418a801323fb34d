#include "models/sensitivity/evalue.hpp"

namespace impactsim {

double risk_ratio_equivalent(double ratio, RatioScale scale, bool common_outcome) {
  if (!(ratio > 0) || !std::isfinite(ratio)) return NAN;
  if (!common_outcome) return ratio;
  switch (scale) {
    case RatioScale::RiskRatio:
    case RatioScale::RateRatio: return ratio;
    case RatioScale::OddsRatio: return std::sqrt(ratio);
    case RatioScale::HazardRatio:
      return (1 - std::pow(0.5, std::sqrt(ratio))) / (1 - std::pow(0.5, std::sqrt(1 / ratio)));
  }
  return NAN;
}

double evalue_of_risk_ratio(double rr) {
  if (!(rr > 0) || !std::isfinite(rr)) return NAN;
  if (rr < 1) rr = 1 / rr;
  return rr + std::sqrt(rr * (rr - 1));
}

EValue evalue(double estimate, double lower, double upper, RatioScale scale, bool common_outcome) {
  EValue e;
  const double rr = risk_ratio_equivalent(estimate, scale, common_outcome);
  if (std::isnan(rr)) return e;
  e.point = evalue_of_risk_ratio(rr);
  // The conversions are increasing, so the bound nearest the null stays so.
  const double lo = risk_ratio_equivalent(lower, scale, common_outcome);
  const double hi = risk_ratio_equivalent(upper, scale, common_outcome);
  if (rr >= 1) {
    e.bound = std::isnan(lo) ? NAN : lo <= 1 ? 1.0 : evalue_of_risk_ratio(lo);
  } else {
    e.bound = std::isnan(hi) ? NAN : hi >= 1 ? 1.0 : evalue_of_risk_ratio(hi);
  }
  return e;
}

}  // namespace impactsim
