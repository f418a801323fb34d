// Generalised linear models fitted as R's glm() fits them.
//
// IRLS with R's starting values (family$initialize), convergence rule
// |dev - dev_old| / (|dev| + 0.1) < epsilon, maxit and step halving. Each
// iteration is one parallel pass over row blocks of the design matrix that
// computes, at the current coefficients, the linear predictor, means,
// deviance and the weighted normal equations X'WX, X'Wz of the next step;
// X is never copied. Normal equations are solved by Cholesky in column order;
// a column whose residual pivot is negligible is aliased (R's NA
// coefficient), as R's pivoted QR decides in the same column order.
// Results are bit-identical whatever the thread count (fixed row blocks,
// ordered combination).
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

#include "engine/design_matrix.hpp"
#include "models/glm/family.hpp"

namespace impactsim {

struct GlmOptions {
  Family family = Family::make(FamilyKind::Gaussian);
  double epsilon = 1e-8;  // R glm.control(epsilon)
  int max_iterations = 25;  // R glm.control(maxit)
  // Pivot below this fraction of a column's weighted squared norm: aliased.
  double alias_tolerance = 1e-9;
  bool firth = false;  // Firth's bias-reduced logistic regression (binomial, logit)
  size_t block_rows = 65536;
};

// Inputs aligned with the design matrix rows; empty = all ones / zeros.
struct GlmData {
  const Eigen::MatrixXd* x = nullptr;
  const Eigen::VectorXd* y = nullptr;
  Eigen::VectorXd weights;  // prior weights (R's weights=)
  Eigen::VectorXd offset;
  std::vector<std::string> names;
  bool has_intercept = true;

  // From a design matrix (which must have a response).
  static GlmData from(const DesignMatrix& dm, Eigen::VectorXd weights = {}, Eigen::VectorXd offset = {});
  size_t rows() const { return static_cast<size_t>(x->rows()); }
  double weight(size_t i) const { return weights.size() ? weights[static_cast<Eigen::Index>(i)] : 1.0; }
  double offset_at(size_t i) const { return offset.size() ? offset[static_cast<Eigen::Index>(i)] : 0.0; }
};

struct GlmFit {
  Family family = Family::make(FamilyKind::Gaussian);
  std::vector<std::string> names;
  Eigen::VectorXd coefficients;  // NaN where aliased
  std::vector<bool> aliased;
  size_t rank = 0;
  // (X'WX)^-1 over the estimable columns (rank x rank), at the working
  // weights of the last iteration, as R's cov.unscaled.
  Eigen::MatrixXd cov_unscaled;
  // Coefficients at which those working weights were computed (R's last
  // iteration start); the sandwich and the dispersion use them as R does.
  Eigen::VectorXd previous_coefficients;
  // Family of the last IRLS fit (its variance defined the working weights;
  // differs from `family` only in theta for the negative binomial).
  Family working_family = Family::make(FamilyKind::Gaussian);
  bool firth = false;

  double deviance = 0, null_deviance = 0;
  double df_residual = 0, df_null = 0;
  double aic = 0, log_likelihood = 0;
  double dispersion = 1;  // Pearson estimate, or 1
  bool dispersion_estimated = false;
  size_t n_obs = 0;       // rows used (non-zero weight)
  int iterations = 0;
  bool converged = false;
  bool boundary = false;
  // Negative binomial: theta by maximum likelihood, its standard error.
  double theta = 0, theta_se = 0;
  int theta_iterations = 0;
  std::vector<std::string> warnings;
  // Coefficients that diverge under (quasi-)complete separation (binomial).
  std::vector<std::string> separated_terms;

  // Indices of the estimable coefficients, in order.
  std::vector<size_t> estimable() const;
};

// Fits the model. Throws InputError for invalid responses (e.g. outside
// [0, 1] for binomial), negative weights, or a fit that cannot start.
GlmFit fit_glm(const GlmData& data, const GlmOptions& options);

// The maximum-likelihood fit alone (no input checks): fit_glm's core, also
// used by profile likelihood and the variants.
GlmFit fit_ml(const GlmData& data, const GlmOptions& options);

}  // namespace impactsim
