// Counter-based random streams (Random123 Philox4x64-10).
//
// A stream is identified by (seed, entity id, stream id) and an optional
// substream (e.g. a year): Philox's key holds (seed, entity), its counter
// (stream, substream, draw block). A draw therefore depends only on these
// numbers and on how many draws came before it in the same stream, never on
// thread scheduling or on which other entities exist (DESIGN.md,
// "Randomness"); common random numbers across scenarios come free.
//
// Uniforms carry 53 random bits in the open interval (0, 1). Normal draws use
// inversion (as R's default rnorm), which keeps draws monotone in the
// uniforms; binomial, Poisson, gamma and beta use Boost.Random's
// distributions on this stream.
#pragma once

#include <Random123/philox.h>

#include <boost/math/special_functions/erf.hpp>
#include <boost/random/beta_distribution.hpp>
#include <boost/random/binomial_distribution.hpp>
#include <boost/random/gamma_distribution.hpp>
#include <boost/random/poisson_distribution.hpp>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

#include "engine/random_streams.hpp"

namespace impactsim {

class RandomStream {
 public:
  using result_type = uint64_t;  // UniformRandomBitGenerator, for Boost/std distributions

  // `stream`: the drawing process's id from the registry (random_streams.hpp).
  RandomStream(uint64_t seed, uint64_t entity, StreamId stream, uint64_t substream = 0)
      : key_{{seed, entity}}, counter_{{stream.value(), substream, 0, 0}} {}

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<uint64_t>::max(); }

  // 64 random bits.
  result_type operator()() {
    if (used_ == 4) refill();
    return block_.v[used_++];
  }

  // Uniform on (0, 1): 53 bits, centred in their interval so 0 and 1 never occur.
  double uniform() { return (static_cast<double>((*this)() >> 11) + 0.5) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Normal by inversion: x = -sqrt(2) erfc^-1(2u).
  double normal(double mean = 0.0, double sd = 1.0) { return mean + sd * normal_quantile(uniform()); }
  // Standard normal quantile, -sqrt(2) erfc^-1(2u), in double precision:
  // Boost's default policy promotes double to long double, several times
  // slower for no gain in a double result.
  static double normal_quantile(double u) {
    using boost::math::policies::policy;
    using boost::math::policies::promote_double;
    return -1.4142135623730951 * boost::math::erfc_inv(2.0 * u, policy<promote_double<false>>());
  }
  // Poisson quantile of u: the smallest k with u <= P(X <= k), by sequential
  // search, monotone in u (so that two scenarios drawing with the same u
  // differ only where the mean moves a threshold: common random numbers).
  // For moderate means (the search is linear in the mean).
  //
  // Below a mean of 1, exp(-mean) lies between partial sums of its Taylor
  // series (alternating, with shrinking terms), so the thresholds
  // exp(-mean) sum_{j<=k} mean^j / j!, k = 0..3, are bracketed without
  // exp() and compared without branches; only a u inside a bracket
  // (probability about mean^5 / 120) or beyond the fourth threshold takes
  // the exact search. Same results as the exact search; in a simulation,
  // most calls cost a few multiplications and no mispredicted branch.
  static int64_t poisson_quantile(double mean, double u) {
    if (!(mean > 0)) return 0;
    const int bounded = poisson_quantile_bounded(mean, u);
    if (bounded >= 0) return bounded;
    double p = std::exp(-mean), cdf = p;
    int64_t k = 0;
    while (u > cdf && k < 10'000) {
      ++k;
      p *= mean / static_cast<double>(k);
      cdf += p;
      if (p < 1e-300 && static_cast<double>(k) > mean) break;
    }
    return k;
  }
  // The same quantile where the brackets decide it (0 < mean < 1): else -1,
  // and the caller takes poisson_quantile. No exp(), no branch: for loops
  // over many persons that the compiler can vectorise.
  static int poisson_quantile_bounded(double mean, double u) {
    const double m = mean;
    const double upper = (1 - m * (1 - m * (0.5 - m * (1.0 / 6 - m / 24)))) * (1 + 1e-14);  // >= exp(-m) if m < 1
    const double lower = (1 - m * (1 - m * (0.5 - m * (1.0 / 6 - m * (1.0 / 24 - m / 120))))) * (1 - 1e-14);  // <= exp(-m)
    const double s1 = 1 + m, s2 = s1 + m * m / 2, s3 = s2 + m * m * m / 6;
    const int below_lower = (u > lower) + (u > lower * s1) + (u > lower * s2) + (u > lower * s3);
    const int below_upper = (u > upper) + (u > upper * s1) + (u > upper * s2) + (u > upper * s3);
    return (m > 0) & (m < 1) & (below_lower == below_upper) & (below_upper < 4) ? below_upper : -1;
  }
  // Eight uniforms on (0, 1) of 32 bits each from one Philox block, keyed as
  // the stream (seed, entity, stream, substream) but apart from its draws:
  // for hot loops that need a handful of draws per (entity, substream), such
  // as a microsimulated person-year, where three blocks of 53-bit uniforms
  // would cost three times as much (a block is about 12 ns). Resolution
  // 2^-32, centred: ample for event decisions.
  static std::array<double, 8> uniforms8(uint64_t seed, uint64_t entity, StreamId stream, uint64_t substream) {
    const r123::Philox4x64::ctr_type block =
        r123::Philox4x64()(r123::Philox4x64::ctr_type{{stream.value(), substream, ~uint64_t{0}, 0}}, {{seed, entity}});
    std::array<double, 8> u;
    for (int j = 0; j < 4; ++j) {
      u[2 * j] = (static_cast<double>(block.v[j] & 0xffffffffu) + 0.5) * 0x1.0p-32;
      u[2 * j + 1] = (static_cast<double>(block.v[j] >> 32) + 0.5) * 0x1.0p-32;
    }
    return u;
  }
  bool bernoulli(double p) { return uniform() < p; }
  int64_t binomial(int64_t n, double p) { return boost::random::binomial_distribution<int64_t, double>(n, p)(*this); }
  int64_t poisson(double mean) {
    if (mean <= 0) return 0;
    return boost::random::poisson_distribution<int64_t, double>(mean)(*this);
  }
  double gamma(double shape, double scale = 1.0) {
    return boost::random::gamma_distribution<double>(shape, scale)(*this);
  }
  double beta(double a, double b) { return boost::random::beta_distribution<double>(a, b)(*this); }

  // Number of 64-bit words drawn so far.
  uint64_t position() const { return counter_.v[2] * 4 - (4 - used_); }

 private:
  void refill() {
    block_ = r123::Philox4x64()(counter_, key_);
    ++counter_.v[2];
    used_ = 0;
  }

  r123::Philox4x64::key_type key_;
  r123::Philox4x64::ctr_type counter_;
  r123::Philox4x64::ctr_type block_{};
  unsigned used_ = 4;
};

}  // namespace impactsim
