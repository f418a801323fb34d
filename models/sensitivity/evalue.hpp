// E-values (VanderWeele & Ding 2017, Ann Intern Med 167:268): the minimum
// strength of association, on the risk-ratio scale, that an unmeasured
// confounder would need with both the treatment and the outcome, beyond the
// measured covariates, to fully explain away an observed ratio:
//   E = RR + sqrt(RR (RR - 1))  for RR >= 1 (RR replaced by 1/RR below 1).
// The E-value of the interval is that of the bound nearest the null, and 1
// when the interval contains the null (no confounding is needed to move it).
//
// Other ratios are first taken to the risk-ratio scale with the paper's
// conversions (as the R package EValue's evalues.OR / evalues.HR):
// - odds ratio: RR ~ OR for a rare outcome (below 15% by the end of
//   follow-up), RR ~ sqrt(OR) for a common one;
// - hazard ratio: RR ~ HR for a rare outcome, and for a common one
//   RR ~ (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR));
// - rate ratio of counts: used as a risk ratio (the paper's rare-outcome
//   reading of rate ratios).
#pragma once

#include <cmath>

namespace impactsim {

enum class RatioScale { RiskRatio, RateRatio, OddsRatio, HazardRatio };

// An outcome is "common" when more than this share has it (the paper's rule).
inline constexpr double kCommonOutcomeShare = 0.15;

struct EValue {
  double point = NAN;  // E-value of the estimate
  double bound = NAN;  // E-value of the interval bound nearest the null (1 when the interval holds 1)
};

// The ratio on the risk-ratio scale (NaN stays NaN).
double risk_ratio_equivalent(double ratio, RatioScale scale, bool common_outcome);

// E-value of a risk ratio (NaN for a ratio that is not finite and positive).
double evalue_of_risk_ratio(double rr);

// E-values of an estimate and its interval [lower, upper] on the given scale.
EValue evalue(double estimate, double lower, double upper, RatioScale scale, bool common_outcome);

}  // namespace impactsim
