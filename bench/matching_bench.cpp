// Nearest-neighbour matching throughput in the case that slows existing
// matchers down (issue 5): 45% treated, scores spread up to 0.9 with the
// treated concentrated at high scores, caliper 0.2 SD, so that many treated
// units compete for the same used-up controls. 1e6 and 1e7 units, ratio 1
// and 4, orders largest and closest; the distance is given (no model fit).
// bench/peers/matching_peers.sh times MatchIt on the same design.
#include <benchmark/benchmark.h>

#include "engine/random_stream.hpp"
#include "models/matching/nearest_neighbor.hpp"

namespace impactsim {
namespace {

struct Units {
  std::vector<double> distance;
  std::vector<uint8_t> treated;
};

Units make_units(size_t n) {
  Units u;
  u.distance.resize(n);
  u.treated.resize(n);
  for (size_t i = 0; i < n; ++i) {
    RandomStream r(7, i, streams::kTestData.id());
    const double d = 0.9 * r.uniform();
    u.distance[i] = d;
    u.treated[i] = r.uniform() < d;  // 45% treated overall, mostly at high scores
  }
  return u;
}

void BM_Match(benchmark::State& state, MatchOrder order) {
  const auto n = static_cast<size_t>(state.range(0));
  const Units u = make_units(n);
  NearestNeighborOptions o;
  o.ratio = static_cast<int>(state.range(1));
  o.caliper = 0.2;
  o.order = order;
  size_t matched = 0;
  for (auto _ : state) {
    const Matching m = match_nearest({u.distance, u.treated, {}, {}, {}}, o);
    matched = m.matched_treated;
    benchmark::DoNotOptimize(m.weights.data());
  }
  state.counters["matched_treated"] = static_cast<double>(matched);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}

void BM_MatchLargest(benchmark::State& s) { BM_Match(s, MatchOrder::Largest); }
void BM_MatchClosest(benchmark::State& s) { BM_Match(s, MatchOrder::Closest); }

BENCHMARK(BM_MatchLargest)->Args({100'000, 1})->Args({1'000'000, 1})->Args({1'000'000, 4})->Args({10'000'000, 1})->Args({10'000'000, 4})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_MatchClosest)->Args({1'000'000, 1})->Args({10'000'000, 1})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace impactsim

BENCHMARK_MAIN();
