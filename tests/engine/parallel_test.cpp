#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "engine/error.hpp"
#include "engine/parallel.hpp"

namespace impactsim {
namespace {

// Sums chosen so that the order of additions changes the result in the last
// bits: a naive parallel sum would differ between thread counts.
std::vector<double> awkward_values(size_t n) {
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = std::sin(static_cast<double>(i)) * std::pow(10.0, static_cast<double>(i % 12));
  return v;
}

TEST(DeterministicReduce, BitIdenticalWithOneTwoAndSevenThreads) {
  const std::vector<double> v = awkward_values(1'000'003);
  struct Moments {
    double sum = 0, sum_sq = 0;
  };
  auto run = [&] {
    return deterministic_reduce(
        v.size(), 4096, Moments{},
        [&](size_t b, size_t e) {
          Moments m;
          for (size_t i = b; i < e; ++i) {
            m.sum += v[i];
            m.sum_sq += v[i] * v[i];
          }
          return m;
        },
        [](Moments& acc, const Moments& p) {
          acc.sum += p.sum;
          acc.sum_sq += p.sum_sq;
        });
  };
  set_thread_count(1);
  const Moments one = run();
  for (int threads : {2, 7}) {
    set_thread_count(threads);
    for (int repeat = 0; repeat < 3; ++repeat) {
      const Moments m = run();
      EXPECT_EQ(std::memcmp(&m.sum, &one.sum, sizeof(double)), 0) << threads;
      EXPECT_EQ(std::memcmp(&m.sum_sq, &one.sum_sq, sizeof(double)), 0) << threads;
    }
  }
  set_thread_count(0);
}

TEST(ParallelForBlocks, CoversEveryRowOnceAndReportsTheFirstError) {
  std::vector<int> hits(10'001, 0);
  parallel_for_blocks(hits.size(), 97, [&](size_t, size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) ++hits[i];
  });
  for (int h : hits) ASSERT_EQ(h, 1);
  set_thread_count(4);
  try {
    parallel_for_blocks(1000, 10, [](size_t block, size_t, size_t) {
      if (block >= 30) throw InputError("block " + std::to_string(block));
    });
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "block 30");  // the lowest failing block, whatever the scheduling
  }
  set_thread_count(0);
}

}  // namespace
}  // namespace impactsim
