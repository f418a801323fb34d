// A study's results and reports: results.json (every number: StudyResults,
// study_results.hpp), and one report Document (engine/report) rendered as
// report.md (readable in a diff) and report.html (self-contained: tables and
// inline SVG charts). The document opens with a summary of the headline
// results, says where the data came from (synthetic or a file, with its
// hash; a reduced run), what the standard errors are clustered on and which
// estimate each interval belongs to; the small-cell rule is applied to it
// once (engine/report/small_cells.hpp), and no patient-level row appears.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/report/document.hpp"
#include "models/balance/balance.hpp"
#include "models/effects/effects.hpp"
#include "models/effects/survival_effects.hpp"
#include "models/matching/matching_design.hpp"
#include "studies/impact/study.hpp"
#include "studies/impact/study_results.hpp"

namespace impactsim {

struct StudyReportInput {
  const StudySpec& spec;
  const PropensityModel& propensity;
  const Matching& matching;
  const BalanceReport& balance;
  const std::vector<OutcomeEffects>& effects;
  const std::vector<OutcomeEffects>& naive;  // all members against all non-members, before matching
  const std::optional<AdjustedMortality>& mortality;
  const std::optional<SurvivalEffects>& survival;  // death as time to event, with [mortality]
  const std::vector<SurvivalEffects>& events;      // [[time_to_event]], in the study file's order
  const StudyDiagnostics& diagnostics;             // the gate, E-values and calibration (study_sensitivity.hpp)
  std::string data_file_hash;  // FNV-1a of the cohort file's bytes, when read from a file
};

// The run's results, as results.json holds them.
StudyResults collect_study_results(const StudyReportInput& in);

// The report document, small-cell rule applied.
report::Document study_document(const StudyResults& results, const StudyReportInput& in);

struct StudyReport {
  std::string json, markdown, html;
};

StudyReport build_study_report(const StudyReportInput& in);

}  // namespace impactsim
