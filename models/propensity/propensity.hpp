// The propensity score: the probability of treatment given covariates,
// estimated by a binomial GLM (MatchIt's distance = "glm"), the distance
// matching uses, and common support.
//
// As MatchIt: the distance is the fitted score (distance "ps") or its linear
// predictor ("logit", MatchIt's link = "linear.logit"); discard = "treated",
// "control" or "both" drops units of that group whose score lies outside the
// other group's range; with reestimate the model is refitted on the units
// kept and their distance recomputed. Trimming (not in MatchIt) also discards
// units whose score lies outside [trim_lower, trim_upper].
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/table.hpp"
#include "models/glm/glm.hpp"

namespace impactsim {

enum class Discard { None, Treated, Control, Both };
enum class DistanceScale { Score, Logit };

std::optional<Discard> parse_discard(const std::string& name);
const char* to_string(Discard d);

struct PropensityOptions {
  Link link = Link::Logit;                  // logit, probit or cloglog
  DistanceScale distance = DistanceScale::Score;
  Discard discard = Discard::None;
  bool reestimate = false;
  std::optional<double> trim_lower, trim_upper;
};

struct PropensityModel {
  std::string treatment;           // the formula's response
  GlmFit fit;                      // the (last) fitted model
  std::vector<uint8_t> treated;    // per table row
  std::vector<double> score;       // fitted probability of treatment
  std::vector<double> distance;    // score or linear predictor
  std::vector<uint8_t> discarded;  // outside common support or trimmed
  size_t treated_count = 0, control_count = 0;
};

// Fits `formula` (treatment ~ covariates) on every row of `data`. The
// treatment must be 0/1 (bool, integers 0/1, or a two-level categorical: its
// first level is the control); rows with missing values, a treatment that is
// not binary, an empty group or no overlap left after discarding are
// InputErrors naming the problem.
PropensityModel fit_propensity(const Table& data, const std::string& formula, const PropensityOptions& options = {});

// Combines columns (categorical, bool, int64) into exact-matching strata:
// codes 0.. in the sorted order of the value combinations.
std::vector<int32_t> exact_strata(const Table& data, const std::vector<std::string>& columns);

}  // namespace impactsim
