#include "data/generator/cohort_model.hpp"

#include <algorithm>

#include "engine/error.hpp"

namespace impactsim::generator {

const std::vector<std::string>& programme_names() {
  static const std::vector<std::string> names = {"diabetes", "asthma", "heart-failure"};
  return names;
}

std::string parameters_path(const GenerateOptions& options) {
  if (!options.parameters.empty()) return options.parameters;
  std::string file = options.programme;
  std::replace(file.begin(), file.end(), '-', '_');
  return std::string(IMPACTSIM_DATA_DIR) + "/" + file + ".toml";
}

std::unique_ptr<CohortModel> make_cohort_model(const GenerateOptions& options) {
  GenerateOptions o = options;
  o.parameters = parameters_path(options);
  if (o.programme == "diabetes") return make_diabetes_model(o);
  if (o.programme == "asthma") return make_asthma_model(o);
  if (o.programme == "heart-failure") return make_heart_failure_model(o);
  throw InputError("unknown programme \"" + o.programme + "\"" + suggest_names(o.programme, programme_names()));
}

}  // namespace impactsim::generator
