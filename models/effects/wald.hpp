// Wald estimates as every effect estimator reports them: the normal
// quantile of a confidence level, an estimate with its standard error,
// interval and two-sided p-value, and a ratio taken back from the log scale
// (interval exponentiated, standard error left on the log scale).
#pragma once

#include <boost/math/distributions/normal.hpp>
#include <cmath>

#include "models/effects/effects.hpp"

namespace impactsim {

inline double z_of(double level) { return boost::math::quantile(boost::math::normal(), 1 - (1 - level) / 2); }

inline Estimate wald(double est, double se, double z) {
  Estimate e;
  e.estimate = est;
  e.std_error = se;
  e.lower = est - z * se;
  e.upper = est + z * se;
  e.p_value = 2 * boost::math::cdf(boost::math::complement(boost::math::normal(), std::abs(est / se)));
  return e;
}

inline Estimate exp_of(const Estimate& e) {
  Estimate x = e;
  x.estimate = std::exp(e.estimate);
  x.lower = std::exp(e.lower);
  x.upper = std::exp(e.upper);
  return x;
}

}  // namespace impactsim
