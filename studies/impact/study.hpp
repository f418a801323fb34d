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
#include "models/matching/matching_design.hpp"
#include "models/sensitivity/diagnostics.hpp"

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

  // [design]: the propensity model and matching (its keys are MatchingDesign's options).
  MatchingDesign design;

  // [[outcome]], [mortality] and [[time_to_event]] (another event than
  // death with its time: a patients column in years since the index date).
  std::vector<OutcomeSpec> outcomes;
  std::optional<AdjustedMortalitySpec> mortality;
  struct TimeToEvent {
    std::string name, column;
  };
  std::vector<TimeToEvent> events;
  CohortColumns columns;

  // [diagnostics]: the gate's thresholds (CohortMethod's defaults).
  DiagnosticThresholds diagnostics;

  // [report]
  double level = 0.95;
  int bootstrap = 0;  // pair (cluster) bootstrap replicates of each difference; 0 = none

  // A reduced run (impactsim run --patients): the study file's patient
  // count, 0 when the run is the study's own. Reports say so.
  int64_t reduced_from = 0;
  // Generates `patients` instead of the study's N (InputError for a study
  // that reads its data from a file, or fewer than 1 patient).
  void reduce_to(int64_t patients);

  // Accepted but worth a line on stderr (an old spelling, with what to write instead).
  std::vector<std::string> warnings;
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
