// Draws the programme models share, each from one uniform so that the enrolled
// and the counterfactual path of a patient, which use the same uniforms,
// differ only where the effect of enrolment moves a threshold (monotone
// coupling of potential outcomes).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include <boost/math/special_functions/gamma.hpp>

#include "engine/random_stream.hpp"

namespace impactsim::generator {

// The generator's random-stream processes (engine/random_streams.hpp).
inline constexpr StreamId kBaselineDraws = streams::kGeneratorBaseline.id();
inline constexpr StreamId kEnrolment = streams::kGeneratorEnrolment.id();
inline constexpr StreamId kPatientYear = streams::kGeneratorYear.id();  // all of a patient-year's draws

inline double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double logit(double p) { return std::log(p / (1.0 - p)); }

// Poisson by inversion (RandomStream::poisson_quantile), monotone in u.
inline int64_t poisson_inverse(double mean, double u) { return RandomStream::poisson_quantile(mean, u); }

// A gamma frailty of mean 1 and the given shape, by inversion of u (Boost in
// double precision: its default promotes to long double, several times slower).
inline double gamma_frailty(double shape, double u) {
  constexpr boost::math::policies::policy<boost::math::policies::promote_double<false>> kDouble;
  return boost::math::gamma_p_inv(shape, u, kDouble) / shape;
}

// A stream for one process of one patient in one year (year may be negative:
// baseline years; it is offset so the counter word stays non-negative).
inline RandomStream stream(uint64_t seed, int64_t id, StreamId process, int year) {
  return RandomStream(seed, static_cast<uint64_t>(id), process, static_cast<uint64_t>(year + 16));
}

// Rounds euros to whole euros (claims amounts are reported rounded).
inline int64_t euros(double x) { return static_cast<int64_t>(std::llround(std::max(0.0, x))); }

}  // namespace impactsim::generator
