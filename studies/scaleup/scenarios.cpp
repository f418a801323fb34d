#include "studies/scaleup/scenarios.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "data/generator/generate.hpp"
#include "engine/atomic_file.hpp"
#include "engine/config_file.hpp"
#include "engine/error.hpp"
#include "engine/hdf5_table.hpp"
#include "engine/quantile.hpp"
#include "engine/row_filter.hpp"
#include "engine/svg_chart.hpp"
#include "engine/version.hpp"
#include "models/calibration/calibration.hpp"
#include "studies/scaleup/scaleup_report.hpp"
#include "studies/scaleup/study_effects.hpp"
#include "engine/text_hash.hpp"

namespace impactsim {
namespace {

std::string relative_to(const std::string& file, const std::string& path) {
  const std::filesystem::path p(path);
  return p.is_relative() ? (std::filesystem::path(file).parent_path() / p).string() : path;
}

double probability(const ConfigTable& t, const std::string& key, double fallback) {
  const double p = t.get_double(key, fallback);
  if (!(p >= 0 && p <= 1)) throw InputError(t.where(key) + ": a probability must lie in [0, 1]");
  return p;
}

}  // namespace

namespace {

// [effects]: the effects of enrolment by programme year, each an estimate
// with its interval on the natural scale, as a study reports them, at the
// confidence level `level` (default 0.95).
EnrolmentEffects effects_table(const ConfigTable& t, const ScenarioFile& f) {
  if (!f.effects_file.empty()) {
    throw InputError(t.where() + ": give the effects either as simulation.effects (a study's results) or as [effects], not both");
  }
  struct Key {
    const char* name;
    YearlyEffect EnrolmentEffects::*member;
    bool ratio;
  };
  const Key keys[] = {{"death_odds_ratio", &EnrolmentEffects::death, true},
                      {"fundus_2y_odds_ratio", &EnrolmentEffects::fundus, true},
                      {"renal_check_odds_ratio", &EnrolmentEffects::renal_check, true},
                      {"dental_odds_ratio", &EnrolmentEffects::dental, true},
                      {"hosp_stays_rate_ratio", &EnrolmentEffects::stays, true},
                      {"hosp_days_rate_ratio", &EnrolmentEffects::days, true},
                      {"spend_total_difference", &EnrolmentEffects::spending, false}};
  EnrolmentEffects e;
  for (const Key& k : keys) {
    if (!t.has(k.name)) continue;
    const ConfigTable one = t.get_table(k.name);
    const std::vector<double> est = one.get_doubles("estimate"), lo = one.get_doubles("lower"), hi = one.get_doubles("upper");
    const double level = one.get_double("level", 0.95);
    if (!(level > 0 && level < 1)) throw InputError(one.where("level") + ": a confidence level lies in (0, 1)");
    if (est.empty() || lo.size() != est.size() || hi.size() != est.size()) {
      throw InputError(t.where(k.name) + ": give estimate, lower and upper by programme year, as arrays of one length");
    }
    YearlyEffect y;
    y.value.clear();
    y.std_error.clear();
    for (size_t j = 0; j < est.size(); ++j) {
      if (!(lo[j] <= est[j] && est[j] <= hi[j]) || (k.ratio && !(lo[j] > 0))) {
        throw InputError(t.where(k.name) + ": year " + std::to_string(j + 1) + ": need lower <= estimate <= upper" +
                         (k.ratio ? ", all positive (a ratio)" : ""));
      }
      y.add_year({est[j], NAN, lo[j], hi[j], level}, k.ratio);
    }
    e.*k.member = y;
  }
  e.days_per_stay_from_total_days();
  return e;
}

}  // namespace

ScenarioFile load_scenario_file(const std::string& path) {
  ScenarioFile f;
  f.path = path;
  f.text = ConfigTable::read_text(path, "scenario file");
  ConfigTable root = ConfigTable::parse_text(f.text, path);
  const ConfigTable sim = root.get_table("simulation");
  f.name = sim.get_string("name");
  f.title = sim.get_string("title", f.name);
  const int64_t horizon = sim.get_int("horizon", 10);
  if (horizon < 1 || horizon > 100) throw InputError(sim.where("horizon") + ": the horizon lies in 1..100 years");
  f.simulation.horizon = static_cast<int>(horizon);
  f.simulation.discount_rate = sim.get_double("discount_rate", 0.0);
  if (!(f.simulation.discount_rate >= 0 && f.simulation.discount_rate < 1)) {
    throw InputError(sim.where("discount_rate") + ": the discount rate lies in [0, 1)");
  }
  const int64_t seed = sim.get_int("seed", 1);
  if (seed < 0) throw InputError(sim.where("seed") + ": the seed must be 0 or more");
  f.simulation.seed = static_cast<uint64_t>(seed);
  const int64_t draws = sim.get_int("psa_draws", 0);
  if (draws < 0 || draws > 10000) throw InputError(sim.where("psa_draws") + ": PSA draws lie in 0..10000");
  f.simulation.psa_draws = static_cast<int>(draws);
  f.national_patients = sim.get_double("national_patients", 0.0);
  if (f.national_patients < 0) throw InputError(sim.where("national_patients") + ": must be 0 (no scaling) or more");
  if (sim.has("model")) f.model_file = relative_to(path, sim.get_string("model"));
  if (sim.has("effects")) f.effects_file = relative_to(path, sim.get_string("effects"));

  const ConfigTable pop = root.get_table("population");
  if (auto g = pop.find_table("generate")) {
    generator::GenerateOptions o;
    o.programme = g->get_string("programme");
    if (o.programme != "diabetes") throw InputError(g->where("programme") + ": the microsimulation models the diabetes programme");
    o.patients = g->get_int("patients");
    o.years = static_cast<int>(g->get_int("years", 8));
    o.seed = static_cast<uint64_t>(g->get_int("seed", seed));
    if (o.patients < 1) throw InputError(g->where("patients") + ": at least 1 patient");
    f.generate = o;
    if (pop.has("file")) throw InputError(pop.where("file") + ": give either file or [population.generate], not both");
  } else {
    f.population_file = relative_to(path, pop.get_string("file"));
  }

  for (const ConfigTable& s : root.get_tables("scenario")) {
    ScenarioSpec sc;
    sc.name = s.get_string("name");
    sc.eligible = s.get_string("eligible", "false");
    sc.members_at_start = s.get_string("members_at_start", "false");
    sc.take_up = probability(s, "take_up", 0.0);
    sc.drop_out = probability(s, "drop_out", 0.0);
    sc.cost_per_member = s.get_double("cost_per_member", 0.0);
    if (sc.cost_per_member < 0) throw InputError(s.where("cost_per_member") + ": a cost must be 0 or more");
    if (s.has("ramp_up")) {
      sc.ramp_up = s.get_doubles("ramp_up");
      if (sc.ramp_up.empty()) throw InputError(s.where("ramp_up") + ": give at least one fraction");
      for (double r : sc.ramp_up) {
        if (!(r >= 0 && r <= 1)) throw InputError(s.where("ramp_up") + ": ramp-up fractions lie in [0, 1]");
      }
    }
    f.scenarios.push_back(std::move(sc));
  }
  if (f.scenarios.empty()) throw InputError(path + ": no [[scenario]]; the first one is the reference (status quo)");
  if (auto e = root.find_table("effects")) f.effects = effects_table(*e, f);
  if (auto c = root.find_table("calibration")) {
    for (const char* key : {"death", "fundus_2y", "renal_check", "dental", "hosp_stays"}) {
      if (!c->has(key)) continue;
      const double v = c->get_double(key);
      if (!(v > 0) || (std::string(key) != "hosp_stays" && !(v < 1))) {
        throw InputError(c->where(key) + ": a target rate lies in (0, 1) (hosp_stays: positive, per person-year)");
      }
      f.calibration.push_back({key, v});
    }
  }
  root.reject_unknown_keys();
  return f;
}

void run_scenarios(const ScenarioFile& file, const std::string& out_dir, std::ostream& progress) {
  namespace fs = std::filesystem;
  const auto start = std::chrono::steady_clock::now();
  auto stage = [&](int k, const std::string& what) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress << fmt::format("impactsim: [{}/4 {:6.1f} s] {}\n", k, s, what) << std::flush;
  };
  // Inputs first, so that bad input fails before any work.
  std::optional<EnrolmentEffects> effects = file.effects;
  if (!file.effects_file.empty()) effects = enrolment_effects_from(read_study_results(file.effects_file), file.effects_file);
  std::optional<TransitionModels> models;
  if (!file.model_file.empty()) {
    std::ifstream in(file.model_file);
    if (!in) throw InputError(file.model_file + ": cannot open the transition models");
    const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded()) throw InputError(file.model_file + ": not valid JSON");
    models = TransitionModels::from_json(j, file.model_file);
  }

  Table patients, yearly;
  if (file.generate) {
    generator::GeneratedCohort c = generator::generate_in_memory(*file.generate);
    patients = std::move(c.patients);
    yearly = std::move(c.yearly);
  } else {
    patients = read_hdf5(file.population_file, "patients");
    if (!models) yearly = read_hdf5(file.population_file, "yearly");
  }
  std::vector<Scenario> scenarios;
  for (const auto& s : file.scenarios) {
    Scenario sc;
    sc.name = s.name;
    sc.eligible = RowFilter(s.eligible, patients).evaluate(patients);
    sc.members_at_start = RowFilter(s.members_at_start, patients).evaluate(patients);
    sc.take_up = s.take_up;
    sc.drop_out = s.drop_out;
    sc.cost_per_member = s.cost_per_member;
    sc.ramp_up = s.ramp_up;
    scenarios.push_back(std::move(sc));
  }
  stage(1, fmt::format("population: {} patients{}", patients.num_rows(), file.generate ? " (generated)" : ""));
  if (!models) models = fit_transition_models(patients, yearly);
  const Eigen::MatrixXd state = baseline_state(patients);
  nlohmann::json calibration = nullptr;
  if (!file.calibration.empty()) {
    std::vector<CalibrationTarget> targets;
    for (const auto& [name, rate] : file.calibration) {
      for (int p = 0; p < static_cast<int>(Process::Count); ++p) {
        if (name == to_string(static_cast<Process>(p))) targets.push_back({static_cast<Process>(p), rate});
      }
    }
    const CalibrationResult cr = calibrate_intercepts(*models, state, targets);
    calibration = nlohmann::json::array();
    for (size_t k = 0; k < targets.size(); ++k) {
      calibration.push_back({{"process", to_string(targets[k].process)}, {"target", targets[k].rate},
                             {"before", cr.before[k]}, {"after", cr.after[k]}, {"residual", cr.after[k] - targets[k].rate},
                             {"intercept_shift", cr.shifts[k]}});
    }
    if (!cr.converged) throw InputError(file.path + ": calibration did not converge (" + cr.report + ")");
  }
  stage(2, "transition models: " + std::string(file.model_file.empty() ? "fitted on the population" : "read from " + file.model_file) +
               (file.calibration.empty() ? "" : fmt::format(", {} intercepts calibrated", file.calibration.size())));

  SimulationOptions so = file.simulation;
  if (file.national_patients > 0) so.scale = file.national_patients / static_cast<double>(patients.num_rows());
  const Column& id = patients.column("id");
  std::vector<int64_t> ids(patients.num_rows());
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int64_t>(id.numeric_value(i));
  const SimulationResult res = simulate(*models, effects.value_or(EnrolmentEffects{}), state, ids, scenarios, so);
  stage(3, fmt::format("simulation: {} scenarios × {} years × {} draws", scenarios.size(), so.horizon, res.draws));

  const ScaleupReportInput in{file,
                              so,
                              res,
                              scenarios,
                              *models,
                              effects,
                              calibration,
                              patients.num_rows(),
                              file.generate ? "" : fnv1a_file_hex(file.population_file),
                              file.effects_file.empty() ? "" : fnv1a_file_hex(file.effects_file)};
  const ScaleupReport report = build_scaleup_report(in);
  fs::create_directories(out_dir);
  write_file_atomically((fs::path(out_dir) / "results.json").string(), report.json + "\n");
  write_file_atomically((fs::path(out_dir) / "report.md").string(), report.markdown);
  write_file_atomically((fs::path(out_dir) / "report.html").string(), report.html);
  stage(4, "report: " + (fs::path(out_dir) / "report.html").string());
}

}  // namespace impactsim
