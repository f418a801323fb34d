// Covariate balance between treated and control units, before and after
// matching, with MatchIt's summary() definitions (MatchIt 4.5, bal1var, for
// the ATT with standardize = TRUE):
// - means: weighted means per group (unweighted before matching);
// - standardized mean difference: difference of means over the treated
//   group's SD computed on all units before matching (the same denominator
//   before and after), SD of a 0/1 column sqrt(p(1-p)); a difference below
//   sqrt(machine epsilon) is reported raw;
// - variance ratio treated/control with weighted variances
//   sum w (x - m)^2 / (1 - sum w^2) (w normalised), not for 0/1 columns;
// - eCDF mean and max: the mean and largest absolute difference between the
//   groups' weighted empirical CDFs over the distinct values of the column
//   (for a 0/1 column, the absolute difference in proportions).
// The flag uses cobalt's convention instead: raw difference in proportions
// for 0/1 columns, standardized difference otherwise, against a threshold
// (0.1 by default).
// Sample sizes as MatchIt's: all, matched (and their effective sizes
// (sum w)^2 / sum w^2), unmatched, discarded, per group.
#pragma once

#include <Eigen/Core>
#include <span>
#include <string>
#include <vector>

#include "engine/design_matrix.hpp"

namespace impactsim {

struct BalanceOptions {
  double threshold = 0.1;
};

struct BalanceRow {
  std::string name;
  bool binary = false;
  double mean_treated = 0, mean_control = 0;
  double std_mean_diff = 0;  // MatchIt's "Std. Mean Diff."
  double var_ratio = 0;      // NaN for 0/1 columns
  double ecdf_mean = 0, ecdf_max = 0;
  double balance_stat = 0;   // cobalt: raw difference for 0/1 columns, SMD otherwise
  bool flagged = false;      // |balance_stat| > threshold
};

struct SampleSizes {
  // Index 0 control, 1 treated (MatchIt's column order).
  double all_ess[2] = {0, 0}, all[2] = {0, 0}, matched_ess[2] = {0, 0}, matched[2] = {0, 0};
  double unmatched[2] = {0, 0}, discarded[2] = {0, 0};
};

struct BalanceReport {
  double threshold = 0.1;
  std::vector<BalanceRow> before;  // "distance" first when a distance is given
  std::vector<BalanceRow> after;   // empty without weights
  SampleSizes sizes;
};

// The covariates of a formula's right-hand side as MatchIt lists them in its
// balance tables: every level of a factor (contrasts = FALSE), no intercept.
// The response, if any, is ignored.
DesignMatrix balance_covariates(const Table& data, const std::string& formula);

// x: one column per covariate (rows = units), named by `names`; `distance`
// (may be empty) becomes the first row, "distance". `weights` empty = before
// only; discarded empty = none.
BalanceReport compute_balance(const Eigen::MatrixXd& x, const std::vector<std::string>& names,
                              std::span<const double> distance, std::span<const uint8_t> treated,
                              std::span<const double> weights, std::span<const uint8_t> discarded,
                              const BalanceOptions& options = {});

}  // namespace impactsim
