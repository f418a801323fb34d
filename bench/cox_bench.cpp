// The Cox model (models/survival/cox.hpp) on the benchmark problem of
// cox_problem.hpp: 10 covariates, times in whole days (Efron and Breslow
// ties). bench/peers/cox_peers.sh sets the same fit beside R's coxph.
#include <benchmark/benchmark.h>

#include "bench/cox_problem.hpp"
#include "models/survival/cox.hpp"

namespace impactsim {
namespace {

void fit(benchmark::State& state, CoxTies ties) {
  const auto n = static_cast<size_t>(state.range(0));
  const CoxProblem pr = make_cox_problem(n);
  CoxData d;
  d.x = &pr.x;
  d.time = pr.time;
  d.status = pr.status;
  CoxOptions o;
  o.ties = ties;
  int iterations = 0;
  for (auto _ : state) {
    const CoxFit f = fit_cox(d, o);
    iterations = f.iterations;
    benchmark::DoNotOptimize(f.coefficients.data());
  }
  state.counters["newton_iterations"] = iterations;
  state.counters["rows_per_s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_CoxEfron(benchmark::State& state) { fit(state, CoxTies::Efron); }
void BM_CoxBreslow(benchmark::State& state) { fit(state, CoxTies::Breslow); }
BENCHMARK(BM_CoxEfron)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CoxBreslow)->Arg(1000000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace impactsim

BENCHMARK_MAIN();
