// Inference for a fitted GLM: variance of the coefficients (model-based,
// heteroskedasticity-robust HC0/HC1, cluster-robust as sandwich::vcovCL),
// Wald tests and intervals, exponentiated estimates, and profile-likelihood
// intervals (as R's confint() on a glm).
#pragma once

#include <Eigen/Core>
#include <optional>
#include <string>
#include <vector>

#include "models/glm/glm.hpp"

namespace impactsim {

enum class VcovType { Model, HC0, HC1, Cluster };
std::string_view to_string(VcovType type);

struct VcovOptions {
  VcovType type = VcovType::Model;
  // Cluster of each model row (e.g. the matched pair), for VcovType::Cluster.
  std::vector<int64_t> cluster;
  // Cluster: HC0 scaled by G/(G-1) (sandwich::vcovCL's default), or HC1,
  // which also scales by (n-1)/(n-k).
  bool cluster_hc1 = false;
  size_t block_rows = 4096;
};

struct Vcov {
  Eigen::MatrixXd matrix;  // over the estimable coefficients (rank x rank)
  VcovType type = VcovType::Model;
  size_t clusters = 0;     // number of clusters, for VcovType::Cluster
};

// The covariance of the estimable coefficients. Robust variances follow the
// sandwich package's definitions for glm objects (estfun: working residuals
// times working weights; bread: cov.unscaled scaled to n), so numbers agree
// with vcovHC(type = "HC0"/"HC1") and vcovCL(cluster = ~g).
Vcov glm_vcov(const GlmFit& fit, const GlmData& data, const VcovOptions& options = {});

struct CoefficientRow {
  std::string name;
  bool aliased = false;
  double estimate = NAN, std_error = NAN, statistic = NAN, p_value = NAN;
  double ci_low = NAN, ci_high = NAN;  // Wald, or profile when requested
  double exp_estimate = NAN, exp_ci_low = NAN, exp_ci_high = NAN;
};

struct GlmSummary {
  std::vector<CoefficientRow> rows;
  bool t_statistics = false;   // t (dispersion estimated) or z
  double level = 0.95;
  bool profile_intervals = false;
  VcovType vcov = VcovType::Model;
  size_t clusters = 0;
};

// Coefficient table: tests and intervals from `vcov`; intervals are Wald
// (R's confint.default) unless `profile` holds profile-likelihood bounds.
GlmSummary summarize_glm(const GlmFit& fit, const Vcov& vcov, double level = 0.95,
                         const std::optional<Eigen::MatrixXd>& profile = std::nullopt);

// Profile-likelihood confidence intervals (rank x 2, one row per estimable
// coefficient), as R's confint() on a glm (MASS's profile method) defines
// them: where the signed root of the deviance change, divided by the
// dispersion, reaches the normal quantile. R interpolates a spline through a
// grid of profile points; these bounds are the exact roots (found by
// bracketing and bisection), so they agree with R to its interpolation error.
// Firth fits use the penalised likelihood (as logistf).
Eigen::MatrixXd profile_intervals(const GlmFit& fit, const GlmData& data, const GlmOptions& options,
                                  double level = 0.95);

}  // namespace impactsim
