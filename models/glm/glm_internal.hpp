// Pieces of the GLM fit shared by its variants (IRLS, negative binomial,
// Firth, profile likelihood, sandwich variances). Not a public API.
#pragma once

#include <Eigen/Core>
#include <cfloat>
#include <vector>

#include "models/glm/glm.hpp"

namespace impactsim::glm_detail {

// Where the linear predictor comes from: coefficients (plus offset), a given
// eta, or R's starting values (eta = linkfun(mustart)) when both are null.
struct Point {
  const Eigen::VectorXd* beta = nullptr;
  const Eigen::VectorXd* eta = nullptr;
  const Family* family = nullptr;
};

// One IRLS pass at a point: deviance, validity, and the weighted normal
// equations (lower triangle of X'WX, X'Wz) of the next step.
struct Pass {
  Eigen::MatrixXd xtwx;
  Eigen::VectorXd xtwz;
  double deviance = 0;
  bool valid = true;
  bool bad_variance = false;
  double mu_min = DBL_MAX, mu_max = -DBL_MAX;
  bool cross_products = true;  // false: xtwx and xtwz left at zero (a pass for the deviance only)
};

struct Solution {
  Eigen::VectorXd beta;                 // 0 where aliased
  std::vector<bool> aliased;
  std::vector<Eigen::Index> estimable;
  Eigen::MatrixXd inverse;              // over the estimable columns
  bool ok = true;
};

struct IrlsResult {
  Eigen::VectorXd beta;           // final (0 where aliased)
  Eigen::VectorXd previous_beta;  // start of the last iteration (empty: R's starting values)
  Point previous;                 // the starting point when previous_beta is empty
  Solution solution;              // of the last iteration
  Pass last;                      // pass at the final coefficients
  int iterations = 0;
  bool converged = false;
  bool boundary = false;
};

// fn(wt) with the prior weights of rows [begin, end) as an array
// expression: the stored segment, or a constant 1 (no array of ones is
// built) when the fit has none.
template <class Fn>
auto with_weights_block(const GlmData& d, size_t begin, size_t end, Fn&& fn) {
  const auto b = static_cast<Eigen::Index>(begin), m = static_cast<Eigen::Index>(end - begin);
  if (d.weights.size()) return fn(d.weights.segment(b, m).array());
  return fn(Eigen::ArrayXd::Ones(m));
}
Eigen::VectorXd linear_predictor_block(const GlmData& d, const Point& at, size_t begin, size_t end);
Pass irls_pass(const GlmData& d, const Family& f, const Point& at, size_t block_rows, bool cross_products = true);
Solution solve_normal_equations(const Eigen::MatrixXd& lower, const Eigen::VectorXd& rhs, double tolerance);
bool converged(double dev, double dev_old, double epsilon);
IrlsResult irls(const GlmData& d, const Family& f, const Point& start, const GlmOptions& opt);
GlmFit finish(const GlmData& d, const Family& f, const IrlsResult& r, const GlmOptions& opt);
// What finish() sums over the rows.
struct RowTotals {
  double sum_w = 0, sum_wy = 0;  // prior weights, weights x y
  double pearson = 0;            // Pearson chi-square at the last working weights
  double aic = 0;                // AIC terms, before + 2 rank
  double sum_log_w = 0;          // over rows of positive weight
  size_t n_ok = 0;               // rows of positive weight
  bool whole_counts = true;      // binomial: whole successes and trials
  bool zero_one = false;         // binomial: every y is 0 or 1
};
// finish()'s second half: the fit's numbers from the row totals.
GlmFit complete(GlmFit fit, const GlmData& d, const Family& f, const IrlsResult& r, const GlmOptions& opt,
                const RowTotals& t);
double intercept_only_deviance(const GlmData& d, const Family& f, const Eigen::VectorXd* eta_start, const GlmOptions& opt);

GlmFit fit_negative_binomial(const GlmData& d, const GlmOptions& opt);
GlmFit fit_firth(const GlmData& d, const GlmOptions& opt);

}  // namespace impactsim::glm_detail
