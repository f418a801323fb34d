#include "models/sensitivity/empirical_calibration.hpp"

#include <boost/math/distributions/normal.hpp>
#include <boost/math/tools/toms748_solve.hpp>
#include <limits>

#include "engine/error.hpp"

namespace impactsim {
namespace {

struct Controls {
  std::vector<double> x, se;
};

// fitNull's filter: finite estimates and errors, |log ratio| <= log(100).
Controls usable(const std::vector<double>& log_ratio, const std::vector<double>& std_error) {
  if (log_ratio.size() != std_error.size()) {
    throw InputError("empirical calibration: as many standard errors as estimates are needed");
  }
  Controls c;
  for (size_t i = 0; i < log_ratio.size(); ++i) {
    if (std::isfinite(log_ratio[i]) && std::isfinite(std_error[i]) && std_error[i] > 0 &&
        std::abs(log_ratio[i]) <= std::log(100.0)) {
      c.x.push_back(log_ratio[i]);
      c.se.push_back(std_error[i]);
    }
  }
  return c;
}

// The precision-weighted mean: the likelihood's mu for a given sigma.
double weighted_mean(const Controls& c, double sd) {
  double sw = 0, swx = 0;
  for (size_t i = 0; i < c.x.size(); ++i) {
    const double w = 1 / (sd * sd + c.se[i] * c.se[i]);
    sw += w;
    swx += w * c.x[i];
  }
  return swx / sw;
}

double log_likelihood(double mean, double sd, const Controls& c) {
  double ll = 0;
  for (size_t i = 0; i < c.x.size(); ++i) {
    const double v = sd * sd + c.se[i] * c.se[i];
    const double d = c.x[i] - mean;
    ll -= 0.5 * (std::log(2 * M_PI * v) + d * d / v);
  }
  return ll;
}

double profile(double sd, const Controls& c) { return log_likelihood(weighted_mean(c, sd), sd, c); }

// d profile / d sigma, divided by sigma (mu at its likelihood value: the envelope theorem):
// sum((x - mu)^2 / v^2 - 1 / v), v = sigma^2 + se^2.
double score(double sd, const Controls& c) {
  const double mean = weighted_mean(c, sd);
  double g = 0;
  for (size_t i = 0; i < c.x.size(); ++i) {
    const double v = sd * sd + c.se[i] * c.se[i];
    const double d = c.x[i] - mean;
    g += d * d / (v * v) - 1 / v;
  }
  return g;
}

}  // namespace

double empirical_null_log_likelihood(double mean, double sd, const std::vector<double>& log_ratio,
                                     const std::vector<double>& std_error) {
  return log_likelihood(mean, sd, usable(log_ratio, std_error));
}

EmpiricalNull fit_empirical_null(const std::vector<double>& log_ratio, const std::vector<double>& std_error) {
  const Controls c = usable(log_ratio, std_error);
  EmpiricalNull n;
  n.estimates = c.x.size();
  if (c.x.empty()) return n;
  // sigma beyond the spread of the estimates only lowers the likelihood.
  double lo = c.x[0], hi = c.x[0];
  for (double v : c.x) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const double top = 2 * (hi - lo) + 1e-3;
  constexpr int kGrid = 200;
  int best = 0;
  double best_ll = profile(0, c);
  for (int k = 1; k <= kGrid; ++k) {
    const double ll = profile(top * k / kGrid, c);
    if (ll > best_ll) {
      best_ll = ll;
      best = k;
    }
  }
  // The maximum lies where the score in sigma changes sign from + to -
  // (around the best grid point); at sigma = 0 when it is already negative there.
  double a = top * std::max(0, best - 1) / kGrid, b = top * std::min(kGrid, best + 1) / kGrid;
  double sd = 0;
  if (score(a, c) > 0 && score(b, c) < 0) {
    boost::math::tools::eps_tolerance<double> tol(std::numeric_limits<double>::digits - 2);
    std::uintmax_t iterations = 200;
    const auto r = boost::math::tools::toms748_solve([&](double x) { return score(x, c); }, a, b, tol, iterations);
    sd = 0.5 * (r.first + r.second);
  } else if (best > 0) {
    sd = top * best / kGrid;  // no sign change found around the grid's best point: keep it
  }
  n.sd = sd;
  n.mean = weighted_mean(c, sd);
  n.log_likelihood = log_likelihood(n.mean, sd, c);
  return n;
}

CalibratedEstimate calibrate(const EmpiricalNull& null, double log_ratio, double std_error, double level) {
  CalibratedEstimate e;
  if (!null.fitted() || !std::isfinite(log_ratio) || !std::isfinite(std_error)) return e;
  const boost::math::normal norm;
  const double s = std::sqrt(null.sd * null.sd + std_error * std_error);
  const double z = boost::math::quantile(norm, 1 - (1 - level) / 2);
  e.log_ratio = log_ratio - null.mean;
  e.lower = e.log_ratio - z * s;
  e.upper = e.log_ratio + z * s;
  e.std_error = s;
  const double t = (log_ratio - null.mean) / s;
  e.p_value = 2 * std::min(boost::math::cdf(norm, t), boost::math::cdf(boost::math::complement(norm, t)));
  return e;
}

double expected_absolute_systematic_error(const EmpiricalNull& null) {
  if (!null.fitted()) return NAN;
  const double mu = null.mean, s = null.sd;
  if (s == 0) return std::abs(mu);
  const boost::math::normal norm;
  // E|X| = mu (1 - 2 Phi(-mu/s)) + 2 s phi(mu/s).
  return mu * (1 - 2 * boost::math::cdf(norm, -mu / s)) + 2 * s * boost::math::pdf(norm, mu / s);
}

}  // namespace impactsim
