// What a reader of an impact study asks beyond the estimates (issue 16):
// how strong an unmeasured confounder would have to be, whether the design
// finds effects where there are none, how many tests were run, and whether
// the study passes the diagnostics that OHDSI's CohortMethod requires before
// an estimate is read (models/sensitivity/diagnostics.hpp).
//
// assess_study fills, in the study's estimates:
// - E-values (models/sensitivity/evalue.hpp) of every ratio: risk and rate
//   ratios, odds ratios (taken to the risk-ratio scale as common when the
//   controls' proportion exceeds 15%), adjusted odds ratios of death and
//   hazard ratios (common when the controls' Kaplan-Meier risk of death by
//   the end of the period exceeds 15%);
// - with negative-control outcomes: the empirical null fitted on their log
//   risk and rate ratios (every year of every control), and every
//   outcome's ratio calibrated against it (models/sensitivity/empirical_calibration.hpp);
// - Holm and Benjamini-Hochberg adjusted p-values of the differences, the
//   family being every outcome x year of the study that is not a negative
//   control;
// and returns the diagnostics gate: equipoise of the study population before
// matching, the largest |standardized mean difference| of a covariate after
// matching, each outcome's minimum detectable relative risk (the largest
// over its years: the least powered year; spending and other means have
// none), that of death and of each other time to event, and the expected absolute systematic error of the
// negative controls ("not evaluated" without them).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "models/balance/balance.hpp"
#include "models/effects/effects.hpp"
#include "models/effects/survival_effects.hpp"
#include "models/propensity/propensity.hpp"
#include "models/sensitivity/diagnostics.hpp"
#include "models/sensitivity/empirical_calibration.hpp"

namespace impactsim {

enum class CheckStatus { Pass, Fail, NotEvaluated };

struct DiagnosticCheck {
  std::string name;         // "equipoise", "balance", "mdrr", "ease"
  std::string subject;      // what it is about: "study population", an outcome's name, ...
  double value = NAN, threshold = NAN;
  bool at_least = false;    // passes when value >= threshold (equipoise); else when value < threshold
  CheckStatus status = CheckStatus::NotEvaluated;
  std::string note;         // why it was not evaluated, or how it was computed
};

struct StudyDiagnostics {
  DiagnosticThresholds thresholds;
  std::vector<DiagnosticCheck> checks;
  std::vector<std::string> negative_controls;  // outcome names
  EmpiricalNull null;                          // unfitted without negative controls

  bool passed() const;
  // One sentence per failed check ("Equipoise 0.12 is below the minimum 0.2: ...").
  std::vector<std::string> failures() const;
};

const char* to_string(CheckStatus s);

struct StudyAssessmentInput {
  const PropensityModel& propensity;
  const BalanceReport& balance;
  DiagnosticThresholds thresholds;
  double level = 0.95;
};

// `events`: the other events analysed as times to event, named `event_names`.
StudyDiagnostics assess_study(const StudyAssessmentInput& in, std::vector<OutcomeEffects>& effects,
                              std::optional<AdjustedMortality>& mortality, std::optional<SurvivalEffects>& survival,
                              std::vector<SurvivalEffects>& events, const std::vector<std::string>& event_names);

// The check's words for reports: "passes", "FAILS", "not evaluated".
std::string describe_check(const DiagnosticCheck& c);

}  // namespace impactsim
