// Microsimulation throughput (issue 7): person-years per second for the
// diabetes model, by thread count. Population and transition models from a
// generated cohort (200,000 patients); one scenario with enrolment, 10 years,
// effects of the size the diabetes study finds.
#include <benchmark/benchmark.h>

#include "data/generator/generate.hpp"
#include "engine/parallel.hpp"
#include "models/microsim/simulation.hpp"

namespace impactsim {
namespace {

struct Setup {
  Eigen::MatrixXd state;
  std::vector<int64_t> ids;
  TransitionModels models;
  std::vector<uint8_t> eligible;
};

const Setup& setup() {
  static const Setup s = [] {
    generator::GenerateOptions g;
    g.patients = 200'000;
    g.years = 5;
    generator::GeneratedCohort c = generator::generate_in_memory(g);
    Setup x;
    x.state = baseline_state(c.patients);
    const auto ids = c.patients.column("id").i64();
    x.ids.assign(ids.begin(), ids.end());
    x.models = fit_transition_models(c.patients, c.yearly);
    x.eligible.assign(x.ids.size(), 1);
    return x;
  }();
  return s;
}

// Effects of the size the diabetes study finds (log odds or log rate
// ratios), so that members pay for their no-programme state as they would.
EnrolmentEffects study_sized_effects() {
  EnrolmentEffects e;
  auto set = [](YearlyEffect& y, double v) {
    y.value = {v};
    y.std_error = {0.05};
  };
  set(e.death, -0.15);
  set(e.fundus, 0.15);
  set(e.renal_check, 0.2);
  set(e.dental, 0.1);
  set(e.stays, -0.03);
  set(e.days, -0.08);
  e.spending.value = {-40.0};
  e.spending.std_error = {30.0};
  return e;
}

void BM_Simulate(benchmark::State& state) {
  const Setup& s = setup();
  const int before = thread_count();
  set_thread_count(static_cast<int>(state.range(0)));
  SimulationOptions o;
  o.horizon = 10;
  const std::vector<Scenario> sc = {{"invited", s.eligible, 0.25, {1.0}, 0.05, 60, {}}};
  for (auto _ : state) {
    const SimulationResult r = simulate(s.models, study_sized_effects(), s.state, s.ids, sc, o);
    benchmark::DoNotOptimize(r.totals.data());
  }
  set_thread_count(before);
  // Person-years offered (persons x years; deaths end some earlier).
  state.counters["person_years_per_s"] =
      benchmark::Counter(static_cast<double>(s.ids.size()) * 10 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_Simulate)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// The shape: status quo and one scenario, with PSA draws (20 here;
// the per-draw set-up is a few exponentials, so throughput should hold).
void BM_SimulatePsa(benchmark::State& state) {
  const Setup& s = setup();
  const int before = thread_count();
  set_thread_count(static_cast<int>(state.range(0)));
  SimulationOptions o;
  o.horizon = 10;
  o.psa_draws = 19;
  const std::vector<Scenario> sc = {{"status quo", {}, 0, {1.0}, 0, 0, {}}, {"invited", s.eligible, 0.25, {1.0}, 0.05, 60, {}}};
  for (auto _ : state) {
    const SimulationResult r = simulate(s.models, study_sized_effects(), s.state, s.ids, sc, o);
    benchmark::DoNotOptimize(r.totals.data());
  }
  set_thread_count(before);
  state.counters["person_years_per_s"] = benchmark::Counter(
      static_cast<double>(s.ids.size()) * 10 * 20 * 2 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_SimulatePsa)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace impactsim

BENCHMARK_MAIN();
