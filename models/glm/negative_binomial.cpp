// Negative binomial regression with theta by maximum likelihood, following
// MASS::glm.nb step by step: a Poisson fit, then alternation of theta.ml
// (Newton on the score of theta) and IRLS at fixed theta until the
// log-likelihood and theta settle. Same starting values, tolerances and
// order of updates as MASS, so estimates agree with it.
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>
#include <cmath>

#include "engine/parallel.hpp"
#include "models/glm/glm_internal.hpp"

namespace impactsim::glm_detail {
namespace {

Eigen::VectorXd fitted_means(const GlmData& d, const Family& f, const Eigen::VectorXd& beta, size_t block_rows) {
  Eigen::VectorXd mu(d.x->rows());
  parallel_for_blocks(d.rows(), block_rows, [&](size_t, size_t b, size_t e) {
    const Eigen::VectorXd eta = linear_predictor_block(d, Point{&beta, nullptr, &f}, b, e);
    for (Eigen::Index i = 0; i < eta.size(); ++i) mu[static_cast<Eigen::Index>(b) + i] = f.linkinv(eta[i]);
  });
  return mu;
}

template <class Term>
double weighted_sum(const GlmData& d, size_t block_rows, Term term) {
  return deterministic_reduce(
      d.rows(), block_rows, 0.0,
      [&](size_t b, size_t e) {
        double s = 0;
        for (size_t i = b; i < e; ++i) s += d.weight(i) * term(i);
        return s;
      },
      [](double& a, double b) { a += b; });
}

struct Theta {
  double value = 0, se = 0;
  std::vector<std::string> warnings;
};

// MASS::theta.ml: Newton-Raphson from the moment estimate, at most limit - 1
// steps, tolerance .Machine$double.eps^0.25.
Theta theta_ml(const GlmData& d, const Eigen::VectorXd& mu, double n, int limit, size_t block_rows) {
  using boost::math::digamma;
  using boost::math::trigamma;
  const Eigen::VectorXd& y = *d.y;
  const double eps = std::pow(DBL_EPSILON, 0.25);
  double t0 = n / weighted_sum(d, block_rows, [&](size_t i) {
                const double r = y[static_cast<Eigen::Index>(i)] / mu[static_cast<Eigen::Index>(i)] - 1;
                return r * r;
              });
  int it = 0;
  double del = 1, info = 0;
  while (++it < limit && std::abs(del) > eps) {
    t0 = std::abs(t0);
    const double score = weighted_sum(d, block_rows, [&](size_t i) {
      const double yi = y[static_cast<Eigen::Index>(i)], mi = mu[static_cast<Eigen::Index>(i)];
      return digamma(t0 + yi) - digamma(t0) + std::log(t0) + 1 - std::log(t0 + mi) - (yi + t0) / (mi + t0);
    });
    info = weighted_sum(d, block_rows, [&](size_t i) {
      const double yi = y[static_cast<Eigen::Index>(i)], mi = mu[static_cast<Eigen::Index>(i)];
      return -trigamma(t0 + yi) + trigamma(t0) - 1 / t0 + 2 / (mi + t0) - (yi + t0) / ((mi + t0) * (mi + t0));
    });
    del = score / info;
    t0 += del;
  }
  Theta th;
  if (t0 < 0) {
    t0 = 0;
    th.warnings.push_back("theta.ml: estimate truncated at zero");
  }
  if (it == limit) th.warnings.push_back("theta.ml: iteration limit reached");
  th.value = t0;
  th.se = std::sqrt(1 / info);
  return th;
}

double nb_loglik(const GlmData& d, double th, const Eigen::VectorXd& mu, size_t block_rows) {
  const Eigen::VectorXd& y = *d.y;
  return weighted_sum(d, block_rows, [&](size_t i) {
    const double yi = y[static_cast<Eigen::Index>(i)], mi = mu[static_cast<Eigen::Index>(i)];
    return std::lgamma(th + yi) - std::lgamma(th) - std::lgamma(yi + 1) + th * std::log(th) +
           yi * std::log(mi + (yi == 0 ? 1 : 0)) - (th + yi) * std::log(th + mi);
  });
}

}  // namespace

GlmFit fit_negative_binomial(const GlmData& d, const GlmOptions& opt) {
  const Link link = opt.family.link();
  const Family poisson = Family::make(FamilyKind::Poisson, link);
  IrlsResult r = irls(d, poisson, Point{nullptr, nullptr, &poisson}, opt);
  Family used = poisson;  // family of the last IRLS fit
  Eigen::VectorXd mu = fitted_means(d, poisson, r.beta, opt.block_rows);
  const double n = weighted_sum(d, opt.block_rows, [](size_t) { return 1.0; });
  std::vector<std::string> warnings;
  Theta th = theta_ml(d, mu, n, opt.max_iterations, opt.block_rows);
  Family fam = Family::make(FamilyKind::NegativeBinomial, link, th.value);

  double n_ok = 0;
  for (size_t i = 0; i < d.rows(); ++i) n_ok += d.weight(i) > 0 ? 1 : 0;
  const double d1 = std::sqrt(2 * std::max(1.0, n_ok - static_cast<double>(r.solution.estimable.size())));
  const double d2 = 1;
  double del = 1;
  double lm = nb_loglik(d, th.value, mu, opt.block_rows);
  double lm0 = lm + 2 * d1;
  int iter = 0;
  while (++iter <= opt.max_iterations && (std::abs(lm0 - lm) / d1 + std::abs(del) / d2) > opt.epsilon) {
    Eigen::VectorXd eta(mu.size());
    for (Eigen::Index i = 0; i < mu.size(); ++i) eta[i] = fam.linkfun(mu[i]);
    const Eigen::VectorXd previous_fit = r.beta;
    r = irls(d, fam, Point{nullptr, &eta, &fam}, opt);
    // Converged at the first step: its working weights were those at the
    // start, eta = linkfun(mu) = X b + offset of the previous fit.
    if (r.previous_beta.size() == 0) r.previous_beta = previous_fit;
    used = fam;
    const double t0 = th.value;
    th = theta_ml(d, mu, n, opt.max_iterations, opt.block_rows);  // at the previous means, as MASS
    fam = Family::make(FamilyKind::NegativeBinomial, link, th.value);
    mu = fitted_means(d, used, r.beta, opt.block_rows);
    del = t0 - th.value;
    lm0 = lm;
    lm = nb_loglik(d, th.value, mu, opt.block_rows);
  }
  if (iter > opt.max_iterations) warnings.push_back("glm.nb: alternation limit reached");

  GlmFit fit = finish(d, used, r, opt);
  if (d.has_intercept && d.offset.size()) fit.null_deviance = intercept_only_deviance(d, fam, nullptr, opt);
  fit.family = fam;
  fit.theta = th.value;
  fit.theta_se = th.se;
  fit.theta_iterations = std::min(iter, opt.max_iterations);
  fit.log_likelihood = lm;
  fit.aic = -2 * lm + 2 * static_cast<double>(fit.rank) + 2;
  fit.warnings.insert(fit.warnings.end(), th.warnings.begin(), th.warnings.end());
  fit.warnings.insert(fit.warnings.end(), warnings.begin(), warnings.end());
  return fit;
}

}  // namespace impactsim::glm_detail
