#include "models/effects/cluster_bootstrap.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "engine/parallel.hpp"
#include "engine/random_stream.hpp"

namespace impactsim {
namespace {

// Matched pairs: control outcome ~ Bernoulli(0.3), treated ~ Bernoulli(0.35).
std::vector<ClusterSums> pairs(size_t n, uint64_t seed) {
  std::vector<ClusterSums> c(n);
  RandomStream r(seed, 0, streams::kTestData.id());
  for (auto& s : c) {
    s.num[0] = r.uniform() < 0.30;
    s.num[1] = r.uniform() < 0.35;
    s.den[0] = s.den[1] = 1;
  }
  return c;
}

TEST(ClusterBootstrap, IntervalsAgreeWithTheAnalyticStandardErrorAndDoNotDependOnThreads) {
  const auto c = pairs(4000, 3);
  BootstrapOptions o;
  o.replicates = 2000;
  o.seed = 11;
  const int before = thread_count();
  set_thread_count(1);
  const BootstrapInterval one = bootstrap_difference(c, o);
  set_thread_count(3);
  const BootstrapInterval three = bootstrap_difference(c, o);
  set_thread_count(before);
  EXPECT_EQ(one.percentile_lower, three.percentile_lower);
  EXPECT_EQ(one.bca_upper, three.bca_upper);
  // Independent arms within pairs: SE = sqrt(p0 q0 / n + p1 q1 / n).
  const double se = std::sqrt(0.30 * 0.70 / 4000 + 0.35 * 0.65 / 4000);
  EXPECT_NEAR(one.std_error, se, 0.1 * se);
  EXPECT_LT(one.percentile_lower, one.estimate);
  EXPECT_GT(one.percentile_upper, one.estimate);
  EXPECT_NEAR(one.percentile_upper - one.percentile_lower, 2 * 1.96 * se, 0.15 * 2 * 1.96 * se);
  EXPECT_NEAR(one.bca_upper - one.bca_lower, one.percentile_upper - one.percentile_lower,
              0.1 * (one.percentile_upper - one.percentile_lower));
}

TEST(ClusterBootstrap, PercentileIntervalsCoverTheTruth) {
  int covered = 0;
  const int reps = 60;
  for (int r = 0; r < reps; ++r) {
    BootstrapOptions o;
    o.replicates = 400;
    o.seed = static_cast<uint64_t>(r);
    const BootstrapInterval b = bootstrap_difference(pairs(800, 100 + static_cast<uint64_t>(r)), o);
    covered += b.bca_lower <= 0.05 && 0.05 <= b.bca_upper;
  }
  EXPECT_GE(covered, 50);  // nominal 57 of 60
}

}  // namespace
}  // namespace impactsim
