// A study's results as results.json (every number), report.md (tables,
// readable in a diff) and report.html (self-contained: tables and inline SVG
// charts). Small-cell rule of claims publications: counts from 1 to 9 appear
// as "<10"; no patient-level rows appear anywhere.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "models/balance/balance.hpp"
#include "models/effects/effects.hpp"
#include "models/matching/nearest_neighbor.hpp"
#include "models/propensity/propensity.hpp"
#include "studies/impact/study.hpp"

namespace impactsim {

struct StudyReportInput {
  const StudySpec& spec;
  const PropensityModel& propensity;
  const Matching& matching;
  const BalanceReport& balance;
  const std::vector<OutcomeEffects>& effects;
  const std::vector<OutcomeEffects>& naive;  // all members against all non-members, before matching
  const std::optional<AdjustedMortality>& mortality;
  std::string truth_path;  // truth.json of a generated cohort, or empty
};

struct StudyReport {
  std::string json, markdown, html;
};

StudyReport build_study_report(const StudyReportInput& in);

}  // namespace impactsim
