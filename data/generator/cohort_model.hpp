// A programme's synthetic cohort: who the patients are, whether they enrol,
// and what happens to them each year, with the true effect of enrolment.
//
// Every draw comes from a Philox stream keyed by (seed, patient id) and
// counted by (process, year) (engine/random_stream.hpp), so a patient's
// records depend only on the seed, the parameters and the patient's id: not
// on N, on the block the patient falls in, or on the thread count.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/generator/cohort_schema.hpp"
#include "data/generator/truth_tally.hpp"

namespace impactsim::generator {

struct GenerateOptions {
  std::string programme = "diabetes";  // diabetes | asthma | heart-failure
  int64_t patients = 10'000;
  int years = 8;                       // follow-up years 1..H after the index year
  uint64_t seed = 1;
  // Adds an unobserved "engagement" trait (standard normal) that raises both
  // enrolment and good outcomes, with the strengths of the parameter file's
  // [engagement] section: matching on observables then leaves a bias.
  bool engagement = false;
  // Parameter file; empty = data/<programme>.toml of the source tree.
  std::string parameters;
};

class CohortModel {
 public:
  virtual ~CohortModel() = default;
  virtual const TableSchema& patients() const = 0;
  virtual const TableSchema& yearly() const = 0;
  virtual const std::vector<TruthOutcome>& truth_outcomes() const = 0;
  // Generates patients first_id .. first_id + count - 1, appending their rows
  // and their contribution to the truth. Thread-safe (const, no shared state).
  virtual void generate(int64_t first_id, int64_t count, BlockBuilder& patients, BlockBuilder& yearly,
                        TruthTally& tally) const = 0;
  // Parameters of the true model (effects on their own scale), for truth.json.
  virtual nlohmann::json true_parameters() const = 0;
  // The parameter file as read (every value with its source).
  const nlohmann::json& parameter_file() const { return parameter_file_; }
  void set_parameter_file(nlohmann::json file) { parameter_file_ = std::move(file); }

 protected:
  nlohmann::json parameter_file_;
};

// The parameter file `options` names, or data/<programme>.toml.
std::string parameters_path(const GenerateOptions& options);

// The programmes' names, as --programme takes them.
const std::vector<std::string>& programme_names();
// Reads the parameter file and builds the model; InputError for an unknown
// programme, bad options or a bad parameter file.
std::unique_ptr<CohortModel> make_cohort_model(const GenerateOptions& options);

// Each programme's model (one file each).
std::unique_ptr<CohortModel> make_diabetes_model(const GenerateOptions& options);
std::unique_ptr<CohortModel> make_asthma_model(const GenerateOptions& options);
std::unique_ptr<CohortModel> make_heart_failure_model(const GenerateOptions& options);

}  // namespace impactsim::generator
