// GLM fitting throughput: dense logistic regression at n = 1e6 and 1e7 with
// 30 covariates, Poisson with an offset at 1e7. Data are generated in memory
// from known coefficients (deterministic). Figures go to bench/RESULTS.md;
// bench/peers/glm_peers.sh runs R's glm.fit and statsmodels on the same data.
#include <benchmark/benchmark.h>

#include <cmath>

#include "bench/glm_problem.hpp"

namespace impactsim {
namespace {

void run(benchmark::State& state, FamilyKind kind) {
  const auto n = static_cast<size_t>(state.range(0));
  const GlmProblem pr = make_glm_problem(n, kind);
  GlmData d;
  d.x = &pr.x;
  d.y = &pr.y;
  d.offset = pr.offset;
  d.names.resize(static_cast<size_t>(pr.x.cols()), "x");
  GlmOptions o;
  o.family = Family::make(kind);
  int iterations = 0;
  for (auto _ : state) {
    const GlmFit fit = fit_glm(d, o);
    iterations = fit.iterations;
    benchmark::DoNotOptimize(fit.coefficients.data());
  }
  state.counters["irls_iterations"] = iterations;
  state.counters["X_GB"] = static_cast<double>(pr.x.size()) * 8 / 1e9;
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}

// The memory-read floor's denominator: bytes of a 10 M x 31 column-major
// matrix summed by all threads, as fast as the memory delivers them.
void BM_MemoryRead(benchmark::State& state) {
  const GlmProblem pr = make_glm_problem(10'000'000, FamilyKind::Binomial);
  const size_t n = static_cast<size_t>(pr.x.size());
  const double* x = pr.x.data();
  for (auto _ : state) {
    const double s = deterministic_reduce(
        n, 1 << 16, 0.0,
        [&](size_t b, size_t e) {
          double acc = 0;
          for (size_t i = b; i < e; ++i) acc += x[i];
          return acc;
        },
        [](double& a, double v) { a += v; });
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(n * sizeof(double)));
}
BENCHMARK(BM_MemoryRead)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

void BM_GlmLogistic(benchmark::State& state) { run(state, FamilyKind::Binomial); }
void BM_GlmPoissonOffset(benchmark::State& state) { run(state, FamilyKind::Poisson); }

BENCHMARK(BM_GlmLogistic)->Arg(1'000'000)->Arg(10'000'000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(BM_GlmPoissonOffset)->Arg(10'000'000)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace
}  // namespace impactsim

BENCHMARK_MAIN();
