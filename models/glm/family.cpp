#include "models/glm/family.hpp"

#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cfloat>
#include <cmath>

#include "engine/error.hpp"

namespace impactsim {
namespace {

constexpr double kEps = DBL_EPSILON;
// R's C_logit_linkinv threshold: -log(DBL_EPSILON).
const double kLogitThreshold = -std::log(DBL_EPSILON);
// R's probit threshold: -qnorm(.Machine$double.eps).
const double kProbitThreshold = -boost::math::quantile(boost::math::normal(), DBL_EPSILON);

double pnorm(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
double dnorm(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI); }

// y * log(y / mu), 0 when y == 0 (R's y_log_y).
double y_log_y(double y, double mu) { return y != 0.0 ? y * std::log(y / mu) : 0.0; }

// log of the binomial probability of k successes in n trials (k, n whole).
double log_dbinom(double k, double n, double p) {
  if (p == 0) return k == 0 ? 0.0 : -INFINITY;
  if (p == 1) return k == n ? 0.0 : -INFINITY;
  return std::lgamma(n + 1) - std::lgamma(k + 1) - std::lgamma(n - k + 1) + k * std::log(p) + (n - k) * std::log1p(-p);
}

double log_dpois(double y, double mu) {
  if (mu == 0) return y == 0 ? 0.0 : -INFINITY;
  return y * std::log(mu) - mu - std::lgamma(y + 1);
}

double log_dgamma(double y, double shape, double scale) {
  return -std::lgamma(shape) - shape * std::log(scale) + (shape - 1) * std::log(y) - y / scale;
}

}  // namespace

std::string_view to_string(FamilyKind kind) {
  switch (kind) {
    case FamilyKind::Binomial: return "binomial";
    case FamilyKind::Poisson: return "poisson";
    case FamilyKind::NegativeBinomial: return "negbin";
    case FamilyKind::Gamma: return "Gamma";
    case FamilyKind::Gaussian: return "gaussian";
  }
  return "?";
}

std::string_view to_string(Link link) {
  switch (link) {
    case Link::Logit: return "logit";
    case Link::Probit: return "probit";
    case Link::Cloglog: return "cloglog";
    case Link::Log: return "log";
    case Link::Inverse: return "inverse";
    case Link::Identity: return "identity";
  }
  return "?";
}

std::optional<FamilyKind> parse_family(std::string_view t) {
  if (t == "binomial" || t == "logistic") return FamilyKind::Binomial;
  if (t == "poisson") return FamilyKind::Poisson;
  if (t == "negbin" || t == "negative-binomial" || t == "negative_binomial" || t == "nb") return FamilyKind::NegativeBinomial;
  if (t == "Gamma" || t == "gamma") return FamilyKind::Gamma;
  if (t == "gaussian" || t == "normal") return FamilyKind::Gaussian;
  return std::nullopt;
}

std::optional<Link> parse_link(std::string_view t) {
  if (t == "logit") return Link::Logit;
  if (t == "probit") return Link::Probit;
  if (t == "cloglog") return Link::Cloglog;
  if (t == "log") return Link::Log;
  if (t == "inverse") return Link::Inverse;
  if (t == "identity") return Link::Identity;
  return std::nullopt;
}

Family Family::make(FamilyKind kind, std::optional<Link> link, double theta) {
  Link def = Link::Identity;
  bool ok = false;
  const Link l = link.value_or(Link::Identity);
  switch (kind) {
    case FamilyKind::Binomial:
      def = Link::Logit;
      ok = l == Link::Logit || l == Link::Probit || l == Link::Cloglog || l == Link::Log;
      break;
    case FamilyKind::Poisson:
    case FamilyKind::NegativeBinomial:
      def = Link::Log;
      ok = l == Link::Log || l == Link::Identity;
      break;
    case FamilyKind::Gamma:
      def = Link::Inverse;
      ok = l == Link::Inverse || l == Link::Log || l == Link::Identity;
      break;
    case FamilyKind::Gaussian:
      def = Link::Identity;
      ok = l == Link::Identity || l == Link::Log || l == Link::Inverse;
      break;
  }
  if (!link) return Family(kind, def, theta);
  if (!ok) {
    throw InputError("link \"" + std::string(to_string(*link)) + "\" is not available for the " +
                     std::string(to_string(kind)) + " family (default: " + std::string(to_string(def)) + ")");
  }
  return Family(kind, *link, theta);
}

std::string Family::name() const {
  if (kind_ == FamilyKind::NegativeBinomial) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "Negative Binomial(%.4g)", theta_);
    return buf;
  }
  return std::string(to_string(kind_));
}

double Family::linkfun(double mu) const {
  switch (link_) {
    case Link::Logit: return std::log(mu / (1 - mu));
    case Link::Probit: return boost::math::quantile(boost::math::normal(), mu);
    case Link::Cloglog: return std::log(-std::log1p(-mu));
    case Link::Log: return std::log(mu);
    case Link::Inverse: return 1 / mu;
    case Link::Identity: return mu;
  }
  return NAN;
}

double Family::linkinv(double eta) const {
  switch (link_) {
    case Link::Logit: {
      const double t = eta < -kLogitThreshold ? kEps : (eta > kLogitThreshold ? 1 / kEps : std::exp(eta));
      return t / (1 + t);
    }
    case Link::Probit: return pnorm(std::min(std::max(eta, -kProbitThreshold), kProbitThreshold));
    case Link::Cloglog: return std::max(std::min(-std::expm1(-std::exp(eta)), 1 - kEps), kEps);
    case Link::Log: return std::max(std::exp(eta), kEps);
    case Link::Inverse: return 1 / eta;
    case Link::Identity: return eta;
  }
  return NAN;
}

double Family::mu_eta(double eta) const {
  switch (link_) {
    case Link::Logit: {
      if (eta > kLogitThreshold || eta < -kLogitThreshold) return kEps;
      const double e = std::exp(eta);
      return e / ((1 + e) * (1 + e));
    }
    case Link::Probit: return std::max(dnorm(eta), kEps);
    case Link::Cloglog: {
      const double e = std::min(eta, 700.0);
      return std::max(std::exp(e) * std::exp(-std::exp(e)), kEps);
    }
    case Link::Log: return std::max(std::exp(eta), kEps);
    case Link::Inverse: return -1 / (eta * eta);
    case Link::Identity: return 1;
  }
  return NAN;
}

double Family::variance(double mu) const {
  switch (kind_) {
    case FamilyKind::Binomial: return mu * (1 - mu);
    case FamilyKind::Poisson: return mu;
    case FamilyKind::NegativeBinomial: return mu + mu * mu / theta_;
    case FamilyKind::Gamma: return mu * mu;
    case FamilyKind::Gaussian: return 1;
  }
  return NAN;
}

double Family::deviance_residual(double y, double mu, double wt) const {
  switch (kind_) {
    case FamilyKind::Binomial: return 2 * wt * (y_log_y(y, mu) + y_log_y(1 - y, 1 - mu));
    case FamilyKind::Poisson: return y > 0 ? 2 * wt * (y * std::log(y / mu) - (y - mu)) : 2 * mu * wt;
    case FamilyKind::NegativeBinomial:
      return 2 * wt * (y * std::log(std::max(1.0, y) / mu) - (y + theta_) * std::log((y + theta_) / (mu + theta_)));
    case FamilyKind::Gamma: return -2 * wt * (std::log(y == 0 ? 1 : y / mu) - (y - mu) / mu);
    case FamilyKind::Gaussian: return wt * (y - mu) * (y - mu);
  }
  return NAN;
}

bool Family::valid_mu(double mu) const {
  switch (kind_) {
    case FamilyKind::Binomial: return std::isfinite(mu) && mu > 0 && mu < 1;
    case FamilyKind::Poisson:
    case FamilyKind::NegativeBinomial:
    case FamilyKind::Gamma: return std::isfinite(mu) && mu > 0;
    case FamilyKind::Gaussian: return true;
  }
  return true;
}

bool Family::valid_eta(double eta) const {
  if (link_ == Link::Inverse) return std::isfinite(eta) && eta != 0;
  return true;
}

double Family::start_mu(double y, double wt) const {
  switch (kind_) {
    case FamilyKind::Binomial: return (wt * y + 0.5) / (wt + 1);
    case FamilyKind::Poisson: return y + 0.1;
    case FamilyKind::NegativeBinomial: return y + (y == 0 ? 1.0 / 6.0 : 0.0);
    case FamilyKind::Gamma:
    case FamilyKind::Gaussian: return y;
  }
  return y;
}

double Family::aic_term(double y, double mu, double wt, double gamma_dispersion) const {
  switch (kind_) {
    case FamilyKind::Binomial: {  // m = weights (0/1 or proportion responses)
      if (!(wt > 0)) return 0.0;
      const double trials = std::round(wt), k = std::round(wt * y);
      if (trials == 1) return -2 * (k == 1 ? std::log(mu) : std::log1p(-mu));  // one trial: no binomial coefficient
      return -2 * log_dbinom(k, trials, mu);
    }
    case FamilyKind::Poisson: return -2 * log_dpois(y, mu) * wt;
    case FamilyKind::NegativeBinomial: {
      const double th = theta_;
      const double term = (y + th) * std::log(mu + th) - y * std::log(mu) + std::lgamma(y + 1) - th * std::log(th) +
                          std::lgamma(th) - std::lgamma(th + y);
      return 2 * term * wt;
    }
    case FamilyKind::Gamma: return -2 * log_dgamma(y, 1 / gamma_dispersion, mu * gamma_dispersion) * wt;
    case FamilyKind::Gaussian: return 0.0;
  }
  return 0.0;
}

}  // namespace impactsim
