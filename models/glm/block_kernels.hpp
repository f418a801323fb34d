// Vectorised per-row quantities of an IRLS pass over a block of rows: means,
// d mu / d eta, variances and deviance residuals. The logit and log links
// (logistic, Poisson, negative binomial: the hot cases) use Eigen's SIMD
// exp/log; other links fall back to the family's scalar functions. The
// formulas, thresholds and clamps are R's (see family.cpp).
#pragma once

#include <Eigen/Core>
#include <cfloat>
#include <cmath>

#include "models/glm/family.hpp"

namespace impactsim::glm_detail {

inline void link_block(const Family& f, const Eigen::ArrayXd& eta, Eigen::ArrayXd& mu, Eigen::ArrayXd& me) {
  const Eigen::Index m = eta.size();
  mu.resize(m);
  me.resize(m);
  if (f.link() == Link::Logit) {
    static const double t = -std::log(DBL_EPSILON);
    Eigen::ArrayXd e = eta.max(-t).min(t).exp();
    e = (eta < -t).select(DBL_EPSILON, (eta > t).select(1 / DBL_EPSILON, e));
    mu = e / (1 + e);
    me = (eta > t || eta < -t).select(DBL_EPSILON, e / ((1 + e) * (1 + e)));
    return;
  }
  if (f.link() == Link::Log) {
    mu = eta.exp().max(DBL_EPSILON);
    me = mu;
    return;
  }
  for (Eigen::Index i = 0; i < m; ++i) {
    mu[i] = f.linkinv(eta[i]);
    me[i] = f.mu_eta(eta[i]);
  }
}

inline Eigen::ArrayXd variance_block(const Family& f, const Eigen::ArrayXd& mu) {
  switch (f.kind()) {
    case FamilyKind::Binomial: return mu * (1 - mu);
    case FamilyKind::Poisson: return mu;
    case FamilyKind::NegativeBinomial: return mu + mu * mu / f.theta();
    case FamilyKind::Gamma: return mu * mu;
    case FamilyKind::Gaussian: return Eigen::ArrayXd::Ones(mu.size());
  }
  return mu;
}

inline double deviance_block(const Family& f, const Eigen::ArrayXd& y, const Eigen::ArrayXd& mu, const Eigen::ArrayXd& wt) {
  switch (f.kind()) {
    case FamilyKind::Binomial: {
      const Eigen::ArrayXd a = (y > 0).select(y * (y / mu).log(), 0.0);
      const Eigen::ArrayXd b = (y < 1).select((1 - y) * ((1 - y) / (1 - mu)).log(), 0.0);
      return (2 * wt * (a + b)).sum();
    }
    case FamilyKind::Poisson:
      return (2 * (y > 0).select(wt * (y * (y / mu).log() - (y - mu)), mu * wt)).sum();
    default: {
      double dev = 0;
      for (Eigen::Index i = 0; i < y.size(); ++i) dev += f.deviance_residual(y[i], mu[i], wt[i]);
      return dev;
    }
  }
}

inline bool valid_block(const Family& f, const Eigen::ArrayXd& eta, const Eigen::ArrayXd& mu) {
  switch (f.kind()) {
    case FamilyKind::Binomial: return (mu > 0 && mu < 1).all() && mu.isFinite().all();
    case FamilyKind::Poisson:
    case FamilyKind::NegativeBinomial:
    case FamilyKind::Gamma:
      if (!((mu > 0).all() && mu.isFinite().all())) return false;
      break;
    case FamilyKind::Gaussian: break;
  }
  if (f.link() == Link::Inverse) return (eta != 0).all() && eta.isFinite().all();
  return true;
}

}  // namespace impactsim::glm_detail
