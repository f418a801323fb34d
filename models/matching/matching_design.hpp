// The matching design: the propensity model, common support and
// nearest-neighbour matching, as one value with MatchIt's defaults. Study
// files ([design]) and `impactsim match` fill the same struct through the
// same option names (study keys; the CLI writes them as --flags with dashes:
// caliper_scale is --caliper-scale), check it with one validate() and print
// it with one describe(), so the two interfaces cannot disagree.
//
// Option names and defaults (MatchIt 4.7 `matchit(method = "nearest")`):
//   formula            treatment ~ covariates (required)
//   link               logit | probit | cloglog           (distance = "glm", link)
//   distance           ps | logit                         (ps; logit = MatchIt's "linear.logit")
//   discard            none | treated | control | both    (none)
//   reestimate         false
//   trim_lower, trim_upper   none (not in MatchIt: also discard scores outside)
//   ratio              1
//   replace            false
//   caliper            none; > 0
//   caliper_scale      sd | distance                      (sd: MatchIt's std.caliper = TRUE)
//   order              largest | smallest | closest | random | data   (largest, m.order)
//   exact              no columns
//   seed               1 (order "random")
//   id                 the tie-breaking key column ("" = id when present, else row order)
//   balance_threshold  0.1 (flags balance statistics above it; cobalt's default)
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/matching/nearest_neighbor.hpp"
#include "models/propensity/propensity.hpp"

namespace impactsim {

struct DesignedMatching;

// A problem with one option: its name (as above) and what to do.
struct DesignIssue {
  std::string option;
  std::string message;
};

struct MatchingDesign {
  std::string formula;
  PropensityOptions propensity;
  NearestNeighborOptions matching;
  std::vector<std::string> exact;
  std::string id;
  double balance_threshold = 0.1;

  // The treatment: the formula's response, trimmed ("" without a '~').
  std::string treatment() const;

  // Sets an option given as text (link, distance, discard, order,
  // caliper_scale); the issue names the accepted values otherwise.
  std::optional<DesignIssue> set(std::string_view option, const std::string& value);

  // Every option in range (as Ceres' Solver::Options::IsValid): nullopt, or
  // the first option that is not, with what to write instead.
  std::optional<DesignIssue> validate() const;

  // One line for reports and the CLI: "nearest neighbour, ratio 1, without
  // replacement, order largest, caliper 0.2 SD of the distance (0.0123 in
  // its units), exact on sex". `result` adds the caliper in distance units.
  std::string describe(const Matching* result = nullptr) const;

  // The same, as JSON: method, ratio, replace, order, caliper, caliper_scale,
  // caliper_distance_units (with a result), exact, seed, tie_key, and the
  // propensity options (link, distance, discard, reestimate, trims).
  nlohmann::json to_json(const Matching* result = nullptr) const;

  // The balance covariates: the formula's, plus the exact-matching columns
  // (as MatchIt lists them).
  std::string balance_formula() const;

  // Fits the propensity model on `data`, forms the exact strata and matches.
  // The tie key is the `id` column (or "id" when present and `id` is empty);
  // InputErrors for a bad tie key, and when no treated unit found a control.
  DesignedMatching run(const Table& data) const;
};

struct DesignedMatching {
  PropensityModel propensity;
  Matching matching;
  std::string tie_key;         // the id column breaking ties, or "" (row order)
  std::vector<int64_t> keys;   // its values, or empty
};

const char* to_string(CaliperScale scale);
std::optional<CaliperScale> parse_caliper_scale(const std::string& name);

// The older spellings of the caliper's scale, still accepted: what to write
// instead, for the warning (study key std_caliper, CLI flag --raw-caliper).
std::string old_caliper_spelling_note(bool in_study_file, CaliperScale scale);

}  // namespace impactsim
