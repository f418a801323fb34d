// Scale-up scenarios from one file (studies/scaleup_*.toml): the population,
// the transition models, the effects of enrolment, the policy scenarios and
// the simulation settings; `run_scenarios` simulates them and writes
// results.json, report.md and report.html.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "data/generator/cohort_model.hpp"
#include "models/microsim/simulation.hpp"

namespace impactsim {

struct ScenarioSpec {
  std::string name;
  std::string eligible = "false";  // expression over the population's patient columns
  std::string members_at_start = "false";  // expression: members from year 1 (current enrolment, e.g. "enrolled")
  double take_up = 0, drop_out = 0, cost_per_member = 0;
  std::vector<double> ramp_up = {1.0};
};

struct ScenarioFile {
  std::string path, text, name, title;
  // [population]: a cohort file (table patients; yearly too when the models are fitted on it) or generated.
  std::string population_file;
  std::optional<generator::GenerateOptions> generate;
  std::string model_file;    // transition models; empty = fit them on the population
  std::string effects_file;  // a study's results.json; empty = no effect (or those of [effects])
  std::optional<EnrolmentEffects> effects;  // [effects]: given in the file instead
  SimulationOptions simulation;
  double national_patients = 0;  // scale totals to this population size (0 = no scaling)
  std::vector<ScenarioSpec> scenarios;
  // [calibration]: expected year-1 status-quo rates to match (process name -> rate).
  std::vector<std::pair<std::string, double>> calibration;
};

// Reads and checks the file (unknown keys, wrong types, missing fields,
// probabilities outside [0, 1], a negative horizon: InputErrors with the line).
ScenarioFile load_scenario_file(const std::string& path);

void run_scenarios(const ScenarioFile& file, const std::string& out_dir, std::ostream& progress);

}  // namespace impactsim
