// A fitted GLM as text laid out like R's summary.glm (with exponentiated
// estimates and their intervals beside), and as JSON with every number.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/glm/inference.hpp"

namespace impactsim {

struct GlmReportContext {
  std::string formula;
  size_t rows_dropped = 0;  // rows removed for missing values
  std::vector<std::string> response_levels;  // a categorical response: first level = 0
};

std::string format_glm_summary(const GlmFit& fit, const GlmSummary& summary, const GlmReportContext& context);
nlohmann::json glm_to_json(const GlmFit& fit, const GlmSummary& summary, const GlmReportContext& context);

}  // namespace impactsim
