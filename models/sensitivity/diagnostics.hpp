// Study diagnostics as OHDSI's CohortMethod computes them, and the gate that
// passes or fails a study on them (createCmDiagnosticThresholds' defaults):
// - equipoise (Walker et al. 2013): the share of the study population whose
//   preference score lies in [0.3, 0.7]; the preference score moves the
//   propensity score by the treated share P so that 0.5 means "as likely
//   as the population": logit(F) = logit(ps) - logit(P) (computePreferenceScore,
//   ps capped at 0.9999999). Passes at >= 0.2;
// - balance: the largest absolute standardized difference after matching;
//   passes below 0.1;
// - minimum detectable relative risk at alpha 0.05 two-sided and power 0.8
//   (computeMdrrFromAggregateStats): for hazard and rate ratios ("cox"),
//   exp(sqrt((z_a + z_b)^2 / (E p (1 - p)))) with E events and p the treated
//   share; for odds ratios of binary outcomes ("logistic"),
//   exp((z_a + z_b) sqrt(1 / (E (1 - E / N)))). Passes below 10;
// - expected absolute systematic error of the negative controls' empirical
//   null (empirical_calibration.hpp); passes below 0.25.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace impactsim {

struct DiagnosticThresholds {
  double equipoise = 0.2;   // minimum share in equipoise
  double max_smd = 0.1;     // largest |SMD| after matching, strictly below
  double mdrr = 10;         // minimum detectable relative risk, strictly below
  double ease = 0.25;       // expected absolute systematic error, strictly below
  double equipoise_lower = 0.3, equipoise_upper = 0.7;  // preference-score bounds
  double alpha = 0.05, power = 0.8;                     // of the MDRR (two-sided)

  // The first option out of range with its fix ("" when valid).
  std::string invalid() const;
};

// Preference scores of propensity scores, P the treated share.
std::vector<double> preference_scores(const std::vector<double>& ps, double treated_share);

// Share of the units (mask[i] != 0 when given) whose preference score is in [lower, upper].
double equipoise(const std::vector<double>& ps, const std::vector<uint8_t>& treated, const std::vector<uint8_t>& keep,
                 double lower = 0.3, double upper = 0.7);

enum class MdrrModel { Cox, Logistic };

// Minimum detectable relative risk; +inf without events.
double minimum_detectable_relative_risk(double treated_share, double events, double subjects, MdrrModel model,
                                        double alpha = 0.05, double power = 0.8);

}  // namespace impactsim
