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

// R's y log(y / mu), 0 where y = 0, written y log(max(y / mu, DBL_MIN)) so
// that it vectorises (no select()): y = 0 gives 0 x a finite number. For
// y >= 0 and a mean mu > 0 (an array or one number).
template <class Y, class Mu>
auto y_log_y(const Eigen::ArrayBase<Y>& y, const Mu& mu) {
  return y * (y / mu).max(DBL_MIN).log();
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

// What an IRLS pass needs of a sub-block of rows: means, working weights w
// and w x the working response z (both 0 where R's `good` is false), the
// deviance and the checks.
struct WorkingBlock {
  Eigen::ArrayXd mu, w, wz;
  double deviance = 0;
  bool valid = true;         // every mean (and eta) in the family's domain
  bool bad_variance = false;  // a good row with a zero or non-finite variance
};

// Element by element where R clamps (logit beyond +-log(1/eps)) or drops
// rows (zero weight or d mu / d eta): the general case.
inline void working_block_general(const Family& f, const Eigen::ArrayXd& eta, const Eigen::ArrayXd& y,
                                  const Eigen::ArrayXd& wt, const Eigen::ArrayXd& off, WorkingBlock& b) {
  Eigen::ArrayXd me;
  link_block(f, eta, b.mu, me);
  b.deviance = deviance_block(f, y, b.mu, wt);
  b.valid = valid_block(f, eta, b.mu);
  const Eigen::ArrayXd var = variance_block(f, b.mu);
  const auto good = (wt > 0 && me != 0);
  b.bad_variance = (good && !(var > 0 && var.isFinite())).any();
  const Eigen::ArrayXd w_all = wt * me * me / var;
  b.w = good.select(w_all, 0.0);
  b.wz = good.select(w_all * ((eta - off) + (y - b.mu) / me), 0.0);
}

// The hot cases (binomial with logit, Poisson and negative binomial with
// log) when no row is at a clamp and eta is finite: the same formulas with
// no select(). Eigen 3.4 evaluates select() one coefficient at a time, and
// with it the exp() and log() inside, so this path keeps them vectorised.
// Rows of zero weight get w = 0 from the formula itself (their variance is
// positive here). False, with nothing computed, when the sub-block needs
// the general path.
inline bool working_block_unclamped(const Family& f, const Eigen::ArrayXd& eta, const Eigen::ArrayXd& y,
                                    const Eigen::ArrayXd& wt, const Eigen::ArrayXd& off, WorkingBlock& b) {
  if (!std::isfinite(eta.sum())) return false;
  const bool logistic = f.kind() == FamilyKind::Binomial && f.link() == Link::Logit;
  const bool counts = (f.kind() == FamilyKind::Poisson || f.kind() == FamilyKind::NegativeBinomial) && f.link() == Link::Log;
  if (logistic) {
    if (eta.abs().maxCoeff() > -std::log(DBL_EPSILON)) return false;
    // With q = 1 / (1 + e): mu = e q, and d mu / d eta = e q^2 = mu (1 - mu)
    // is also the variance, so w = wt me^2 / var = wt me and w z = w (eta -
    // off) + wt (y - mu): one division per row. The deviance is 2 wt
    // (log(1 + e) - y eta) plus the saturated term 2 wt (y log y + (1 - y)
    // log(1 - y)), which is 0 for 0/1 outcomes.
    const Eigen::ArrayXd e = eta.exp();
    const Eigen::ArrayXd q = (1 + e).inverse();
    b.mu = e * q;
    b.w = wt * b.mu * q;
    b.wz = b.w * (eta - off) + wt * (y - b.mu);
    b.deviance = (2 * wt * ((1 + e).log() - y * eta)).sum();
    if ((y * (1 - y)).abs().maxCoeff() != 0) {
      b.deviance += (2 * wt * (y_log_y(y, 1.0) + y_log_y(1 - y, 1.0))).sum();
    }
    b.valid = b.mu.minCoeff() > 0 && b.mu.maxCoeff() < 1;
    return true;
  }
  if (counts) {
    if (eta.maxCoeff() > 300) return false;  // mu^2 stays finite
    // d mu / d eta = mu; variance mu (Poisson) or mu (1 + mu / theta): with
    // r = wt / (1 + mu / theta), w = r mu and w z = w (eta - off) + r (y - mu).
    b.mu = eta.exp().max(DBL_EPSILON);
    const Eigen::ArrayXd r = f.kind() == FamilyKind::Poisson ? wt : wt / (1 + b.mu / f.theta());
    b.w = r * b.mu;
    b.wz = b.w * (eta - off) + r * (y - b.mu);
    if (f.kind() == FamilyKind::Poisson) {
      b.deviance = (2 * wt * (y_log_y(y, b.mu) - (y - b.mu))).sum();
    } else {
      const double theta = f.theta();
      b.deviance = (2 * wt * (y * (y.max(1.0) / b.mu).log() - (y + theta) * ((y + theta) / (b.mu + theta)).log())).sum();
    }
    return true;
  }
  return false;
}

inline WorkingBlock working_block(const Family& f, const Eigen::ArrayXd& eta, const Eigen::ArrayXd& y, const Eigen::ArrayXd& wt,
                                  const Eigen::ArrayXd& off) {
  WorkingBlock b;
  if (!working_block_unclamped(f, eta, y, wt, off, b)) working_block_general(f, eta, y, wt, off, b);
  return b;
}

}  // namespace impactsim::glm_detail
