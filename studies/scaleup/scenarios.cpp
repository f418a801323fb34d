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

namespace {

// Percentile over PSA draws 1..N (type 7), or the point value without draws.
struct Summary {
  double point, lower, median, upper;
};

Summary summarize(const std::vector<double>& by_draw) {
  Summary s{by_draw[0], by_draw[0], by_draw[0], by_draw[0]};
  if (by_draw.size() < 2) return s;
  std::vector<double> v(by_draw.begin() + 1, by_draw.end());
  std::sort(v.begin(), v.end());
  auto q = [&](double p) { return sorted_quantile(v, p); };
  s.lower = q(0.025);
  s.median = q(0.5);
  s.upper = q(0.975);
  return s;
}

nlohmann::json summary_json(const Summary& s) {
  return {{"point", s.point}, {"p2_5", s.lower}, {"p50", s.median}, {"p97_5", s.upper}};
}

std::string fmt_summary(const Summary& s, bool draws) {
  return draws ? fmt::format("{:.0f} [{:.0f}, {:.0f}]", s.point, s.lower, s.upper) : fmt::format("{:.0f}", s.point);
}

}  // namespace

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

  // Results: per scenario and year; increments against the first scenario;
  // cumulative increments and cost-effectiveness ratios at the horizon.
  const bool psa = res.draws > 1;
  nlohmann::json j;
  j["program"] = std::string(kProgramName) + " " + kVersion;
  j["simulation"] = {{"name", file.name}, {"title", file.title}, {"file", file.path}, {"file_hash_fnv1a64", fnv1a_hex(file.text)},
                     {"seed", so.seed}, {"horizon", so.horizon}, {"discount_rate", so.discount_rate},
                     {"psa_draws", so.psa_draws}, {"scale", so.scale}, {"population", patients.num_rows()}};
  j["effects"] = effects ? effects->to_json() : nlohmann::json(nullptr);
  j["transition_models"] = models->to_json();
  j["calibration"] = calibration;
  std::string md = "# " + file.title + "\n\n";
  md += fmt::format("Scenario file `{}` (hash {}), seed {}, {} {}. Population {} patients{}, horizon {} years, "
                    "discount rate {}, {} PSA draws ({}).\n\n",
                    file.path, fnv1a_hex(file.text), so.seed, kProgramName, kVersion, patients.num_rows(),
                    so.scale != 1 ? fmt::format(" scaled ×{:.2f} to national counts", so.scale) : "", so.horizon,
                    so.discount_rate, so.psa_draws, psa ? "intervals: 2.5-97.5 percentiles over draws" : "point values");
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html_escape(file.title) +
                     "</title><style>body{font-family:sans-serif;max-width:960px;margin:2em auto}table{border-collapse:"
                     "collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}</style></head><body>\n<h1>" +
                     html_escape(file.title) + "</h1>\n";
  nlohmann::json scen = nlohmann::json::array();
  const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
  // Fan charts: one per incremental output (and the net cost), a band of
  // the 2.5-97.5 PSA percentiles per scenario against the first.
  struct FanChart {
    int output;  // kOutputs: net cost
    std::string what;
    double unit;
    std::vector<ChartSeries> series;
  };
  std::vector<FanChart> fans = {{kDeaths, "deaths", 1, {}},
                                {kStays, "hospital stays", 1, {}},
                                {kDays, "hospital days", 1, {}},
                                {kFundus, "patients with a fundus exam in 2 years", 1, {}},
                                {kRenalCheck, "patients with a renal check", 1, {}},
                                {kDental, "patients with a dental exam", 1, {}},
                                {kOnsets, "comorbidity onsets", 1, {}},
                                {kMembers, "programme members", 1, {}},
                                {kSpending, "spending (k euros, discounted)", 1000, {}},
                                {kProgrammeCost, "programme cost (k euros, discounted)", 1000, {}},
                                {kOutputs, "net cost (k euros, discounted)", 1000, {}}};
  for (size_t s = 0; s < scenarios.size(); ++s) {
    nlohmann::json sj = {{"name", scenarios[s].name}, {"eligible", file.scenarios[s].eligible},
                         {"eligible_patients", std::count(scenarios[s].eligible.begin(), scenarios[s].eligible.end(), 1)},
                         {"members_at_start", file.scenarios[s].members_at_start},
                         {"members_at_start_patients",
                          std::count(scenarios[s].members_at_start.begin(), scenarios[s].members_at_start.end(), 1)},
                         {"take_up", scenarios[s].take_up}, {"ramp_up", scenarios[s].ramp_up},
                         {"drop_out", scenarios[s].drop_out}, {"cost_per_member", scenarios[s].cost_per_member}};
    nlohmann::json years = nlohmann::json::array();
    md += "## " + scenarios[s].name + "\n\n";
    md += "| year | members | exams (fundus, renal, dental) | hospital days | deaths | spending (k euros) | programme cost (k euros) |"
          " increment: deaths | increment: hospital days | increment: net cost (k euros) |\n";
    md += "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
    for (auto& fan : fans) {
      ChartSeries cs;
      cs.label = scenarios[s].name;
      cs.color = colors[s % 6];
      cs.band = psa;
      fan.series.push_back(std::move(cs));
    }
    for (int t = 1; t <= so.horizon; ++t) {
      nlohmann::json yj = {{"year", t}};
      std::vector<double> by_draw(static_cast<size_t>(res.draws)), inc(static_cast<size_t>(res.draws));
      std::map<int, Summary> level, increment;
      for (int o = 0; o < kOutputs; ++o) {
        for (int d = 0; d < res.draws; ++d) {
          by_draw[static_cast<size_t>(d)] = res.at(d, s, t, o);
          inc[static_cast<size_t>(d)] = res.at(d, s, t, o) - res.at(d, 0, t, o);
        }
        level[o] = summarize(by_draw);
        increment[o] = summarize(inc);
        yj[output_name(o)] = summary_json(level[o]);
        yj["increment_" + std::string(output_name(o))] = summary_json(increment[o]);
      }
      // Net cost increment: programme cost + spending change.
      for (int d = 0; d < res.draws; ++d) {
        inc[static_cast<size_t>(d)] = (res.at(d, s, t, kProgrammeCost) + res.at(d, s, t, kSpending)) -
                                      (res.at(d, 0, t, kProgrammeCost) + res.at(d, 0, t, kSpending));
      }
      const Summary net = summarize(inc);
      yj["increment_net_cost"] = summary_json(net);
      years.push_back(yj);
      const double exams = level[kFundus].point + level[kRenalCheck].point + level[kDental].point;
      Summary net_k{net.point / 1000, net.lower / 1000, net.median / 1000, net.upper / 1000};
      md += fmt::format("| {} | {:.0f} | {:.0f} | {:.0f} | {:.0f} | {:.0f} | {:.0f} | {} | {} | {} |\n", t, level[kMembers].point, exams,
                        level[kDays].point, level[kDeaths].point, level[kSpending].point / 1000,
                        level[kProgrammeCost].point / 1000, fmt_summary(increment[kDeaths], psa), fmt_summary(increment[kDays], psa),
                        fmt_summary(net_k, psa));
      for (auto& fan : fans) {
        const Summary& v = fan.output == kOutputs ? net : increment[fan.output];
        ChartSeries& cs = fan.series.back();
        cs.x.push_back(t);
        cs.y.push_back(v.point / fan.unit);
        if (psa) {
          cs.lower.push_back(v.lower / fan.unit);
          cs.upper.push_back(v.upper / fan.unit);
        }
      }
    }
    // Cumulative at the horizon, and cost-effectiveness.
    std::vector<double> deaths(static_cast<size_t>(res.draws)), days(static_cast<size_t>(res.draws)), cost(static_cast<size_t>(res.draws));
    for (int d = 0; d < res.draws; ++d) {
      for (int t = 1; t <= so.horizon; ++t) {
        deaths[static_cast<size_t>(d)] += res.at(d, 0, t, kDeaths) - res.at(d, s, t, kDeaths);
        days[static_cast<size_t>(d)] += res.at(d, 0, t, kDays) - res.at(d, s, t, kDays);
        cost[static_cast<size_t>(d)] += res.at(d, s, t, kProgrammeCost) + res.at(d, s, t, kSpending) -
                                        res.at(d, 0, t, kProgrammeCost) - res.at(d, 0, t, kSpending);
      }
    }
    const Summary sd = summarize(deaths), sdays = summarize(days), sc = summarize(cost);
    sj["by_year"] = years;
    sj["cumulative"] = {{"deaths_avoided", summary_json(sd)},
                        {"hospital_days_avoided", summary_json(sdays)},
                        {"net_cost", summary_json(sc)},
                        {"net_cost_per_death_avoided", sd.point != 0 ? nlohmann::json(sc.point / sd.point) : nlohmann::json(nullptr)},
                        {"net_cost_per_hospital_day_avoided",
                         sdays.point != 0 ? nlohmann::json(sc.point / sdays.point) : nlohmann::json(nullptr)}};
    scen.push_back(sj);
    if (s > 0) {
      md += fmt::format("\nOver {} years against {}: {} deaths avoided, {} hospital days avoided, net cost {} k euros",
                        so.horizon, scenarios[0].name, fmt_summary(sd, psa), fmt_summary(sdays, psa),
                        fmt_summary({sc.point / 1000, sc.lower / 1000, sc.median / 1000, sc.upper / 1000}, psa));
      if (sd.point > 0) md += fmt::format("; {:.0f} euros per death avoided", sc.point / sd.point);
      if (sdays.point > 0) md += fmt::format("; {:.0f} euros per hospital day avoided", sc.point / sdays.point);
      md += ".\n";
    } else {
      for (auto& fan : fans) fan.series.pop_back();  // the reference's increments are 0
    }
    md += "\n";
  }
  j["scenarios"] = scen;
  ChartOptions co;
  co.integer_x = true;
  co.x_label = "year";
  co.reference_y = 0.0;
  co.height = 240;
  if (scenarios.size() > 1) {
    html += "<h2>Increments against " + html_escape(scenarios[0].name) + "</h2>\n";
    if (psa) html += "<p>Point values (draw 0: the estimates) with a band of the 2.5-97.5 percentiles over the PSA draws.</p>\n";
    for (const auto& fan : fans) {
      co.title = "Change in " + fan.what + " each year";
      co.y_label = "change";
      html += svg_xy_chart(fan.series, co);
    }
  }
  html += "<pre>" + html_escape(md) + "</pre>\n</body></html>\n";

  fs::create_directories(out_dir);
  write_file_atomically((fs::path(out_dir) / "results.json").string(), j.dump(2) + "\n");
  write_file_atomically((fs::path(out_dir) / "report.md").string(), md);
  write_file_atomically((fs::path(out_dir) / "report.html").string(), html);
  stage(4, "report: " + (fs::path(out_dir) / "report.html").string());
}

}  // namespace impactsim
