// What the validation-by-simulation tests share: a generated diabetes cohort
// (7 years, seed 5000 + replicate) matched on the propensity score as the
// study does (nearest neighbour, caliper 0.2 SD), with the design's ratio
// and replacement, and the replicate count from the environment.
#pragma once

#include <cstdlib>
#include <string>

#include "data/generator/generate.hpp"
#include "engine/table.hpp"
#include "models/matching/nearest_neighbor.hpp"
#include "models/propensity/propensity.hpp"

namespace impactsim {

inline const std::string kFormula =
    "enrolled ~ sex + age + deprivation + low_income + treatment + cardiovascular + renal_disease + heart_failure + "
    "retinopathy + fundus_2y + renal_check + dental + hba1c_tests + gp_visits + hosp_stays + log1p(spend_ambulatory)";
inline const std::string kMortalityCovariates =
    "sex + age + deprivation + treatment + cardiovascular + renal_disease + heart_failure + retinopathy";

inline int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : fallback;
}

inline generator::GenerateOptions cohort_options(int replicate, int64_t patients, bool engagement) {
  generator::GenerateOptions g;
  g.programme = "diabetes";
  g.patients = patients;
  g.years = 7;
  g.seed = 5000 + static_cast<uint64_t>(replicate);
  g.engagement = engagement;
  return g;
}

struct MatchingChoice {
  int ratio = 1;
  bool replace = false;
  std::string formula = kFormula;  // the propensity model
};

// The cohort, and its patients with the matching weights and matched sets
// (missing with replacement: the estimators then cluster on patients).
struct MatchedCohort {
  generator::GeneratedCohort cohort;
  Table matched;
};

inline MatchedCohort generate_and_match(const generator::GenerateOptions& g, const MatchingChoice& design) {
  MatchedCohort out{generator::generate_in_memory(g), {}};
  const generator::GeneratedCohort& c = out.cohort;
  const PropensityModel pm = fit_propensity(c.patients, design.formula);
  NearestNeighborOptions no;
  no.caliper = 0.2;
  no.ratio = design.ratio;
  no.replace = design.replace;
  const auto ids = c.patients.column("id").i64();
  const std::vector<int64_t> keys(ids.begin(), ids.end());
  const Matching m = match_nearest({pm.distance, pm.treated, {}, {}, keys}, no);
  std::vector<int64_t> subclass = m.subclass;
  for (int64_t& s : subclass) {
    if (s < 0 || design.replace) s = kMissingInt64;
  }
  out.matched = c.patients;
  out.matched.add_column(Column::float64("weights", m.weights));
  out.matched.add_column(Column::int64("subclass", subclass));
  return out;
}

}  // namespace impactsim
