// Rosenbaum bounds for a binary outcome in 1:1 matched pairs (Rosenbaum
// 2002, Observational Studies, 2nd ed., section 4.3.2; R's rbounds::binarysens).
//
// Only discordant pairs carry information: of D discordant pairs, T are
// those in the effect's direction (the larger of "member had the event, the
// control not" and its reverse, as binarysens takes it). Without hidden
// bias T ~ Binomial(D, 1/2) (McNemar's exact test). A hidden confounder that
// multiplies the odds of enrolment within a pair by up to Gamma moves the
// chance of each discordant pair's direction to at most Gamma / (1 + Gamma),
// so the one-sided p-value is at most
//   p+(Gamma) = P(Binomial(D, Gamma / (1 + Gamma)) >= T).
// The sensitivity value is the Gamma at which p+ reaches alpha: solved
// exactly, since P(Binomial(D, q) >= T) = I_q(T, D - T + 1) (the regularized
// incomplete beta), so q* = I^-1(T, D - T + 1; alpha), Gamma* = q* / (1 - q*).
#pragma once

#include <cstddef>
#include <cmath>

namespace impactsim {

struct RosenbaumBound {
  size_t pairs = 0;             // pairs with both members observed
  size_t discordant = 0;        // D
  size_t in_direction = 0;      // T = max(member only, control only)
  bool member_more = false;     // the member had the event more often than the control
  double p_value = NAN;         // p+(1): McNemar's exact one-sided p-value
  double alpha = NAN;           // one-sided level of the sensitivity value
  // Gamma at which p+ reaches alpha; 1 when the effect is not significant
  // even without hidden bias (p+(1) >= alpha); NaN without discordant pairs.
  double gamma = NAN;
};

// The upper bound p+(Gamma) of the one-sided p-value.
double rosenbaum_upper_p(size_t discordant, size_t in_direction, double gamma);

// From the counts of discordant pairs: member_only (member had the event,
// control not) and control_only.
RosenbaumBound rosenbaum_bound(size_t pairs, size_t member_only, size_t control_only, double alpha);

}  // namespace impactsim
