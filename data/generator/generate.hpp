// Writes a generated cohort: the `patients` and `yearly` tables to HDF5 (and
// optionally CSV), and truth.json with the true effects and the parameters.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "data/generator/cohort_model.hpp"
#include "engine/hdf5_table.hpp"

namespace impactsim::generator {

struct GenerateOutput {
  std::string hdf5;        // cohort file (required)
  std::string csv_dir;     // also patients.csv and yearly.csv here, when not empty
  std::string truth;       // truth.json; empty = next to the HDF5 file
  Hdf5WriteOptions hdf5_options;
  // Patients generated per parallel task; a patient's draws never depend on it.
  int64_t block_patients = 4096;
};

struct GenerateSummary {
  int64_t patients = 0;
  int64_t yearly_rows = 0;
  int64_t members = 0;
  std::string truth_path;
};

// Generates and writes the cohort; every file appears whole or not at all.
GenerateSummary generate_cohort(const GenerateOptions& options, const GenerateOutput& output);

// A cohort generated in memory (for simulation studies of moderate size):
// the same tables and truth as generate_cohort writes.
struct GeneratedCohort {
  Table patients, yearly;
  nlohmann::json truth;
};
GeneratedCohort generate_in_memory(const GenerateOptions& options);

// The data dictionary of every programme's tables as Markdown (the generated
// part of data/SCHEMA.md; a test keeps the two equal).
std::string data_dictionary_markdown();

// The column names of the model's tables ({"patients": [...], "yearly": [...]}),
// kept in truth.json so that a study reuses a generated cohort only when the
// generator still writes the same columns.
nlohmann::json cohort_columns(const CohortModel& model);

// The truth.json document for a model and its tally (exposed for tests).
nlohmann::json truth_document(const GenerateOptions& options, const CohortModel& model, const TruthTally& tally,
                              int64_t patients);

}  // namespace impactsim::generator
