#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "engine/parallel.hpp"
#include "engine/random_stream.hpp"

namespace impactsim {
namespace {

struct Stats {
  double mean = 0, var = 0;
};

template <class Draw>
Stats moments(size_t n, Draw draw) {
  RandomStream rng(2026, 7, streams::kTestStreams.id(1));
  double s = 0, s2 = 0;
  for (size_t i = 0; i < n; ++i) {
    const double x = draw(rng);
    s += x;
    s2 += x * x;
  }
  const double mean = s / static_cast<double>(n);
  return {mean, s2 / static_cast<double>(n) - mean * mean};
}

// Means within 5 standard errors, variances within 5% (n = 200,000).
void expect_moments(const Stats& got, double mean, double var) {
  const double se = std::sqrt(var / 200'000.0);
  EXPECT_NEAR(got.mean, mean, 5 * se);
  EXPECT_NEAR(got.var, var, 0.05 * var);
}

TEST(RandomStream, DistributionMoments) {
  const size_t n = 200'000;
  expect_moments(moments(n, [](RandomStream& r) { return r.uniform(); }), 0.5, 1.0 / 12);
  expect_moments(moments(n, [](RandomStream& r) { return r.normal(2.0, 3.0); }), 2.0, 9.0);
  expect_moments(moments(n, [](RandomStream& r) { return r.bernoulli(0.3) ? 1.0 : 0.0; }), 0.3, 0.21);
  expect_moments(moments(n, [](RandomStream& r) { return static_cast<double>(r.binomial(20, 0.25)); }), 5.0, 3.75);
  expect_moments(moments(n, [](RandomStream& r) { return static_cast<double>(r.poisson(0.8)); }), 0.8, 0.8);
  expect_moments(moments(n, [](RandomStream& r) { return static_cast<double>(r.poisson(40.0)); }), 40.0, 40.0);
  expect_moments(moments(n, [](RandomStream& r) { return r.gamma(2.0, 1.5); }), 3.0, 4.5);
  expect_moments(moments(n, [](RandomStream& r) { return r.beta(2.0, 5.0); }), 2.0 / 7.0, 10.0 / (49.0 * 8.0));
}

TEST(RandomStream, UniformsStayInsideTheOpenInterval) {
  RandomStream r(1, 2, streams::kTestStreams.id(3));
  for (int i = 0; i < 100'000; ++i) {
    const double u = r.uniform();
    ASSERT_GT(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

TEST(RandomStream, StreamsAreKeyedBySeedEntityStreamAndSubstream) {
  auto first = [](uint64_t seed, uint64_t entity, uint64_t stream, uint64_t sub) {
    return RandomStream(seed, entity, streams::kTestStreams.id(stream), sub)();
  };
  const uint64_t base = first(1, 2, 3, 4);
  EXPECT_EQ(base, first(1, 2, 3, 4));
  EXPECT_NE(base, first(9, 2, 3, 4));
  EXPECT_NE(base, first(1, 9, 3, 4));
  EXPECT_NE(base, first(1, 2, 9, 4));
  EXPECT_NE(base, first(1, 2, 3, 9));
}

// An entity's draws are the same whatever the thread count and whichever
// other entities are simulated alongside it.
TEST(RandomStream, EntityDrawsIndependentOfThreadsAndOtherEntities) {
  auto simulate = [](const std::vector<uint64_t>& ids) {
    std::vector<double> out(ids.size());
    parallel_for_blocks(ids.size(), 3, [&](size_t, size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) {
        RandomStream r(42, ids[i], streams::kTestStreams.id(5));
        double acc = 0;
        for (int k = 0; k < 10; ++k) acc += r.normal() + static_cast<double>(r.poisson(3.0));
        out[i] = acc;
      }
    });
    return out;
  };
  std::vector<uint64_t> all(100);
  for (uint64_t i = 0; i < all.size(); ++i) all[i] = i * 31 + 7;
  set_thread_count(1);
  const std::vector<double> ref = simulate(all);
  set_thread_count(7);
  EXPECT_EQ(simulate(all), ref);
  const std::vector<uint64_t> subset = {all[50], all[3], all[99]};
  const std::vector<double> sub = simulate(subset);
  EXPECT_EQ(sub[0], ref[50]);
  EXPECT_EQ(sub[1], ref[3]);
  EXPECT_EQ(sub[2], ref[99]);
  set_thread_count(0);
}

TEST(RandomStream, PoissonQuantileIsTheInverseCdf) {
  // Smallest k with u <= P(X <= k), from the CDF summed directly.
  // Means below 1 take the bracketed search, the others the exact one.
  for (double mean : {1e-9, 1e-4, 0.01, 0.3, 0.7, 0.95, 0.999, 1.0, 4.0, 25.0}) {
    for (int j = 0; j < 20000; ++j) {
      const double u = (j + 0.5) / 20000;
      int64_t k = 0;
      double p = std::exp(-mean), cdf = p;
      while (u > cdf) {
        ++k;
        p *= mean / static_cast<double>(k);
        cdf += p;
      }
      EXPECT_EQ(RandomStream::poisson_quantile(mean, u), k) << "mean " << mean << ", u " << u;
    }
  }
  EXPECT_EQ(RandomStream::poisson_quantile(0.0, 0.9), 0);
}

TEST(RandomStream, EightUniformsPerBlockDependOnTheirKeysOnly) {
  const auto a = RandomStream::uniforms8(7, 42, streams::kTestStreams.id(3), 1);
  EXPECT_EQ(a, RandomStream::uniforms8(7, 42, streams::kTestStreams.id(3), 1));
  EXPECT_NE(a, RandomStream::uniforms8(7, 42, streams::kTestStreams.id(3), 2));
  EXPECT_NE(a, RandomStream::uniforms8(7, 43, streams::kTestStreams.id(3), 1));
  EXPECT_NE(a, RandomStream::uniforms8(8, 42, streams::kTestStreams.id(3), 1));
  double s = 0, s2 = 0;
  const int n = 25'000;
  for (int e = 0; e < n; ++e) {
    for (double u : RandomStream::uniforms8(1, static_cast<uint64_t>(e), streams::kTestData.id(), 0)) {
      ASSERT_GT(u, 0.0);
      ASSERT_LT(u, 1.0);
      s += u;
      s2 += u * u;
    }
  }
  const double mean = s / (8.0 * n);
  EXPECT_NEAR(mean, 0.5, 5 * std::sqrt(1.0 / 12 / (8.0 * n)));
  EXPECT_NEAR(s2 / (8.0 * n) - mean * mean, 1.0 / 12, 0.05 / 12);
}

// The registry: every drawing process has a range of its own.
TEST(RandomStreamRegistry, RangesAreDisjointAndOverlapsAreCaught) {
  EXPECT_TRUE(stream_ranges_disjoint(kStreamRegistry));
  const std::array overlapping = {StreamRange{"a", 10, 5}, StreamRange{"b", 14, 1}};
  EXPECT_FALSE(stream_ranges_disjoint(overlapping));
  const std::array adjacent = {StreamRange{"a", 10, 5}, StreamRange{"b", 15, 1}};
  EXPECT_TRUE(stream_ranges_disjoint(adjacent));
  EXPECT_EQ(streams::kPsaCoefficients.id(3).value(), streams::kPsaCoefficients.first() + 3);
  EXPECT_THROW(streams::kPsaEffects.id(streams::kPsaEffects.size()), std::out_of_range);
  for (const StreamRange& r : kStreamRegistry) EXPECT_FALSE(r.name().empty());
}

// No stream is defined or derived outside the registry: no StreamRange is
// made elsewhere in the sources, and no seed is offset to make a stream.
TEST(RandomStreamRegistry, NoStreamIsMadeOutsideTheRegistry) {
  namespace fs = std::filesystem;
  size_t files = 0;
  for (const char* dir : {"engine", "models", "data", "studies", "bench"}) {
    for (const auto& e : fs::recursive_directory_iterator(fs::path(IMPACTSIM_SOURCE_DIR) / dir)) {
      const std::string ext = e.path().extension().string();
      if (ext != ".cpp" && ext != ".hpp") continue;
      if (e.path().filename() == "random_streams.hpp") continue;
      std::ifstream in(e.path());
      std::stringstream text;
      text << in.rdbuf();
      const std::string s = text.str();
      ++files;
      EXPECT_EQ(s.find("StreamRange{"), std::string::npos) << e.path();
      EXPECT_EQ(s.find("StreamRange("), std::string::npos) << e.path();
      EXPECT_EQ(s.find("seed +"), std::string::npos) << e.path() << ": a stream derived by adding to the seed";
    }
  }
  EXPECT_GT(files, 50u);
}

}  // namespace
}  // namespace impactsim
