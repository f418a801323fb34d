// An impact study from one declarative file (studies/*.toml): data (a cohort
// file, or a generated cohort), design (propensity model and matching),
// outcomes by year, adjusted mortality and report options. `run_study`
// chains data -> propensity -> matching -> balance -> effects -> report.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "data/generator/cohort_model.hpp"
#include "models/effects/effects.hpp"
#include "models/matching/nearest_neighbor.hpp"
#include "models/propensity/propensity.hpp"

namespace impactsim {

struct StudySpec {
  std::string path;   // the study file
  std::string text;   // its contents (hashed into results.json)
  std::string name, title;
  uint64_t seed = 1;

  // [data]: a cohort file with tables `patients` and `yearly`, or [data.generate].
  std::string data_file;
  std::optional<generator::GenerateOptions> generate;
  std::string patients_table = "patients", yearly_table = "yearly";

  // [design]
  std::string formula;  // treatment ~ covariates
  PropensityOptions propensity;
  NearestNeighborOptions matching;
  std::vector<std::string> exact;
  double balance_threshold = 0.1;

  // [[outcome]] and [mortality]
  std::vector<OutcomeSpec> outcomes;
  std::optional<AdjustedMortalitySpec> mortality;
  CohortColumns columns;

  // [report]
  double level = 0.95;
  int bootstrap = 0;  // pair (cluster) bootstrap replicates of each difference; 0 = none
};

// Reads and checks a study file: unknown keys, wrong types and missing
// required fields are InputErrors naming the file and line.
StudySpec load_study(const std::string& path);

struct StudyRunOptions {
  std::string out_dir;
  bool write_matched = true;  // matched.h5
};

// Runs the study and writes report.html, report.md, results.json and
// matched.h5 into out_dir (each complete or absent). One progress line per
// stage goes to `progress`.
void run_study(const StudySpec& spec, const StudyRunOptions& options, std::ostream& progress);

}  // namespace impactsim
