// The Cox proportional-hazards model fitted as R's survival::coxph fits it
// (coxph.fit / coxfit6, survival 3.5): right-censored data, Efron ties
// (R's default) or Breslow, case weights, strata and offsets; Newton-Raphson
// from beta = 0 with coxfit6's step halving and its convergence rule
// |1 - loglik_old / loglik_new| <= eps (1e-9), at most 20 iterations.
//
// Partial log-likelihood with weights w and risk scores r = exp(x'b + off),
// for each death time t of a stratum with d deaths D and risk set R:
//   sum_{i in D} w_i eta_i - wbar sum_{k=0}^{d-1} log(S - (k/d) S_D)       (Efron)
//   sum_{i in D} w_i eta_i - (sum_D w) log S                                (Breslow)
// where S = sum_R w r, S_D = sum_D w r and wbar = sum_D w / d (Therneau &
// Grambsch 2000, ch. 3). Variances: the inverse information (model-based),
// and, with clusters, the robust sandwich of coxph(cluster = ): D'D where
// D sums the weighted dfbeta residuals (score residuals times the inverse
// information) within each cluster (no small-sample factor, as R). As
// coxph's default, the robust variance is also computed, each subject its
// own cluster, when the weights are not all whole numbers.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

namespace impactsim {

enum class CoxTies { Efron, Breslow };

struct CoxOptions {
  CoxTies ties = CoxTies::Efron;
  double eps = 1e-9;             // coxph.control(eps)
  int max_iterations = 20;       // coxph.control(iter.max)
  double toler_chol = 1.8189894035458617e-12;  // coxph.control(toler.chol) = .Machine$double.eps^0.75
};

// One row per subject: follow-up time, event (1) or censored (0), and
// optionally weights (> 0), offsets, strata codes and cluster ids.
struct CoxData {
  const Eigen::MatrixXd* x = nullptr;  // covariates, no intercept
  std::vector<double> time;
  std::vector<uint8_t> status;
  std::vector<double> weights;   // empty: 1
  std::vector<double> offset;    // empty: 0
  std::vector<int64_t> strata;   // empty: one stratum
  std::vector<int64_t> cluster;  // empty: no robust variance
  std::vector<std::string> names;
};

struct CoxFit {
  std::vector<std::string> names;
  Eigen::VectorXd coefficients;
  Eigen::MatrixXd var;        // model-based: the inverse information
  Eigen::MatrixXd robust_var; // with clusters; empty otherwise
  size_t clusters = 0;
  double loglik_null = 0, loglik = 0;  // at beta = 0 and at the estimate
  double score_test = 0;               // at beta = 0: u' I^-1 u
  int iterations = 0;
  bool converged = false;
  size_t events = 0, n = 0;
  CoxTies ties = CoxTies::Efron;
};

// InputError for bad input: lengths, a time that is not positive and finite,
// a status other than 0/1, a weight that is not positive, no event, or a
// covariate matrix whose information is singular (a constant column).
CoxFit fit_cox(const CoxData& data, const CoxOptions& options = {});

// The Wald test of all coefficients with the given variance: b' V^-1 b (df = p).
double cox_wald_test(const CoxFit& fit, const Eigen::MatrixXd& var);

}  // namespace impactsim
