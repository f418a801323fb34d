// The results and reports of a scale-up simulation: results.json (every
// number), and one report Document (engine/report) rendered as report.md
// and report.html. The document opens with a summary of what each scenario
// does against the first over the horizon, says where the population and
// the effects came from (generated, or a file with its hash), that the
// intervals are percentiles over PSA draws (or that there are none), and
// draws a fan chart of every increment.
#pragma once

#include <string>

#include "engine/report/document.hpp"
#include "models/microsim/simulation.hpp"
#include "studies/scaleup/scenarios.hpp"

namespace impactsim {

struct ScaleupReportInput {
  const ScenarioFile& file;
  const SimulationOptions& options;  // as simulated (scale included)
  const SimulationResult& result;
  const std::vector<Scenario>& scenarios;
  const TransitionModels& models;
  const std::optional<EnrolmentEffects>& effects;
  const nlohmann::json& calibration;  // null without [calibration]
  size_t population = 0;
  std::string population_hash;  // FNV-1a of the population file, when read from one
  std::string effects_hash;     // FNV-1a of the study results, when read from one
};

struct ScaleupReport {
  std::string json, markdown, html;
};

ScaleupReport build_scaleup_report(const ScaleupReportInput& in);

}  // namespace impactsim
