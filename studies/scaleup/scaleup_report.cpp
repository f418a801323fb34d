#include "studies/scaleup/scaleup_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "engine/quantile.hpp"
#include "engine/report/number_format.hpp"
#include "engine/report/small_cells.hpp"
#include "engine/text_hash.hpp"
#include "engine/version.hpp"

namespace impactsim {

using report::Cell;
using report::Chart;
using report::Document;

namespace {

// Percentile over PSA draws 1..N (type 7), or the point value without draws.
struct Summary {
  double point, lower, median, upper;
  Summary scaled(double f) const { return {point * f, lower * f, median * f, upper * f}; }
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

// Simulated totals are whole persons or euros: no decimals.
std::string fmt_summary(const Summary& s, bool draws) {
  const std::string point = report::format_fixed(s.point, 0);
  return draws ? point + " [" + report::format_fixed(s.lower, 0) + ", " + report::format_fixed(s.upper, 0) + "]" : point;
}

// One fan chart per incremental output (and the net cost): a band of the
// 2.5-97.5 PSA percentiles per scenario against the first.
struct FanChart {
  int output;  // kOutputs: net cost
  std::string what;
  double unit;
  std::vector<ChartSeries> series;
};

std::vector<FanChart> fan_charts() {
  return {{kDeaths, "deaths", 1, {}},
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
}

// A scenario's results: JSON, its table by year, its totals over the horizon.
struct ScenarioOutcome {
  nlohmann::json json;
  report::Table table;
  Summary deaths_avoided, days_avoided, net_cost;
};

ScenarioOutcome scenario_outcome(const ScaleupReportInput& in, size_t s, std::vector<FanChart>& fans) {
  const SimulationResult& res = in.result;
  const Scenario& sc = in.scenarios[s];
  const ScenarioSpec& spec = in.file.scenarios[s];
  const bool psa = res.draws > 1;
  const int H = in.options.horizon;
  ScenarioOutcome out;
  out.json = {{"name", sc.name}, {"eligible", spec.eligible},
              {"eligible_patients", std::count(sc.eligible.begin(), sc.eligible.end(), 1)},
              {"members_at_start", spec.members_at_start},
              {"members_at_start_patients", std::count(sc.members_at_start.begin(), sc.members_at_start.end(), 1)},
              {"take_up", sc.take_up}, {"ramp_up", sc.ramp_up}, {"drop_out", sc.drop_out}, {"cost_per_member", sc.cost_per_member}};
  out.table.header = {"year", "members", "exams (fundus, renal, dental)", "hospital days", "deaths", "spending (k euros)",
                      "programme cost (k euros)", "increment: deaths", "increment: hospital days",
                      "increment: net cost (k euros)"};
  const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
  for (auto& fan : fans) {
    ChartSeries cs;
    cs.label = sc.name;
    cs.color = colors[s % 6];
    cs.band = psa;
    fan.series.push_back(std::move(cs));
  }
  nlohmann::json years = nlohmann::json::array();
  std::vector<double> by_draw(static_cast<size_t>(res.draws)), inc(static_cast<size_t>(res.draws));
  for (int t = 1; t <= H; ++t) {
    nlohmann::json yj = {{"year", t}};
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
    auto whole = [](double v) { return Cell::of_number(report::format_fixed(v, 0)); };
    out.table.add_row({Cell::of_text(std::to_string(t)), whole(level[kMembers].point), whole(exams), whole(level[kDays].point),
                       whole(level[kDeaths].point), whole(level[kSpending].point / 1000), whole(level[kProgrammeCost].point / 1000),
                       Cell::of_number(fmt_summary(increment[kDeaths], psa)), Cell::of_number(fmt_summary(increment[kDays], psa)),
                       Cell::of_number(fmt_summary(net.scaled(1.0 / 1000), psa))});
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
    for (int t = 1; t <= H; ++t) {
      deaths[static_cast<size_t>(d)] += res.at(d, 0, t, kDeaths) - res.at(d, s, t, kDeaths);
      days[static_cast<size_t>(d)] += res.at(d, 0, t, kDays) - res.at(d, s, t, kDays);
      cost[static_cast<size_t>(d)] += res.at(d, s, t, kProgrammeCost) + res.at(d, s, t, kSpending) -
                                      res.at(d, 0, t, kProgrammeCost) - res.at(d, 0, t, kSpending);
    }
  }
  out.deaths_avoided = summarize(deaths);
  out.days_avoided = summarize(days);
  out.net_cost = summarize(cost);
  const Summary &sd = out.deaths_avoided, &sdays = out.days_avoided, &sc_cost = out.net_cost;
  out.json["by_year"] = years;
  out.json["cumulative"] = {
      {"deaths_avoided", summary_json(sd)},
      {"hospital_days_avoided", summary_json(sdays)},
      {"net_cost", summary_json(sc_cost)},
      {"net_cost_per_death_avoided", sd.point != 0 ? nlohmann::json(sc_cost.point / sd.point) : nlohmann::json(nullptr)},
      {"net_cost_per_hospital_day_avoided", sdays.point != 0 ? nlohmann::json(sc_cost.point / sdays.point) : nlohmann::json(nullptr)}};
  return out;
}

// "Over 10 years against status quo: ..." for scenario s > 0.
std::string cumulative_sentence(const ScaleupReportInput& in, const ScenarioOutcome& o) {
  const bool psa = in.result.draws > 1;
  std::string line = fmt::format("over {} years against {}: {} deaths avoided, {} hospital days avoided, net cost {} k euros",
                                 in.options.horizon, in.scenarios[0].name, fmt_summary(o.deaths_avoided, psa),
                                 fmt_summary(o.days_avoided, psa), fmt_summary(o.net_cost.scaled(1.0 / 1000), psa));
  // A ratio is a cost per unit avoided only when both are positive; a saving
  // that also avoids deaths dominates, and its ratio would mean nothing.
  if (o.net_cost.point <= 0 && (o.deaths_avoided.point > 0 || o.days_avoided.point > 0)) {
    line += "; it saves money (point value), so no cost per death or day avoided is given";
  } else {
    if (o.deaths_avoided.point > 0) line += fmt::format("; {:.0f} euros per death avoided", o.net_cost.point / o.deaths_avoided.point);
    if (o.days_avoided.point > 0) {
      line += fmt::format("; {:.0f} euros per hospital day avoided", o.net_cost.point / o.days_avoided.point);
    }
  }
  return line + ".";
}

std::string population_origin(const ScaleupReportInput& in) {
  if (in.file.generate) {
    const auto& g = *in.file.generate;
    return fmt::format("synthetic: {} {} patients generated by impactsim (seed {}), not a real population", g.patients,
                       g.programme, g.seed);
  }
  return fmt::format("cohort file {} (FNV-1a {}), {} patients", in.file.population_file, in.population_hash, in.population);
}

std::string effects_origin(const ScaleupReportInput& in) {
  if (!in.file.effects_file.empty()) {
    return fmt::format("the impact study's results {} (FNV-1a {}), their standard errors drawn in the PSA", in.file.effects_file,
                       in.effects_hash);
  }
  if (in.effects) return "given in the scenario file ([effects])";
  return "none: members' risks are the non-members', so scenarios differ only by their programme cost";
}

std::vector<std::string> settings_bullets(const ScaleupReportInput& in) {
  const SimulationOptions& so = in.options;
  const bool psa = in.result.draws > 1;
  return {
      fmt::format("Scenario file {} (FNV-1a {}), seed {}, {} {}.", in.file.path, fnv1a_hex(in.file.text), so.seed, kProgramName,
                  kVersion),
      "Population: " + population_origin(in) +
          (so.scale != 1 ? fmt::format("; totals scaled x{:.2f} to national counts", so.scale) : "") + ".",
      "Effects of enrolment: " + effects_origin(in) + ".",
      "Transition models: " +
          std::string(in.file.model_file.empty() ? "fitted on the population" : "read from " + in.file.model_file) +
          (in.file.calibration.empty() ? "" : fmt::format(", {} intercepts calibrated", in.file.calibration.size())) + ".",
      fmt::format("Horizon {} years; spending and programme cost discounted at {} a year; counts are persons, money in k "
                  "euros.",
                  so.horizon, so.discount_rate),
      psa ? fmt::format("Intervals: 2.5-97.5 percentiles over {} PSA draws (coefficients and effects drawn from their "
                        "uncertainty); the first number is the point value.",
                        so.psa_draws)
          : "No PSA draws: point values, no intervals.",
  };
}

}  // namespace

ScaleupReport build_scaleup_report(const ScaleupReportInput& in) {
  const ScenarioFile& file = in.file;
  const SimulationOptions& so = in.options;
  const bool psa = in.result.draws > 1;
  nlohmann::json j;
  j["program"] = std::string(kProgramName) + " " + kVersion;
  j["simulation"] = {{"name", file.name}, {"title", file.title}, {"file", file.path}, {"file_hash_fnv1a64", fnv1a_hex(file.text)},
                     {"seed", so.seed}, {"horizon", so.horizon}, {"discount_rate", so.discount_rate},
                     {"psa_draws", so.psa_draws}, {"scale", so.scale}, {"population", in.population}};
  j["population_source"] = file.generate ? nlohmann::json{{"generated", true}, {"programme", file.generate->programme},
                                                           {"patients", file.generate->patients}, {"seed", file.generate->seed}}
                                         : nlohmann::json{{"generated", false}, {"file", file.population_file},
                                                          {"file_hash_fnv1a64", in.population_hash}};
  j["effects_source"] = !file.effects_file.empty()
                            ? nlohmann::json{{"file", file.effects_file}, {"file_hash_fnv1a64", in.effects_hash}}
                            : nlohmann::json(in.effects ? "scenario file" : "none");
  j["effects"] = in.effects ? in.effects->to_json() : nlohmann::json(nullptr);
  j["transition_models"] = in.models.to_json();
  j["calibration"] = in.calibration;

  Document doc;
  doc.title = file.title;
  doc.section("Population, effects and settings");
  doc.bullets(settings_bullets(in));
  std::vector<FanChart> fans = fan_charts();
  nlohmann::json scen = nlohmann::json::array();
  for (size_t s = 0; s < in.scenarios.size(); ++s) {
    ScenarioOutcome o = scenario_outcome(in, s, fans);
    doc.section(in.scenarios[s].name);
    doc.table(std::move(o.table));
    if (s > 0) {
      const std::string line = cumulative_sentence(in, o);
      doc.paragraph("Over" + line.substr(4));
      doc.summary.push_back(in.scenarios[s].name + ": " + line);
    } else {
      for (auto& fan : fans) fan.series.pop_back();  // the reference's increments are 0
    }
    scen.push_back(std::move(o.json));
  }
  j["scenarios"] = scen;
  doc.summary.push_back("Population: " + population_origin(in) + "; effects of enrolment: " + effects_origin(in) + ".");
  doc.summary.push_back(psa ? fmt::format("Intervals are 2.5-97.5 percentiles over {} PSA draws.", so.psa_draws)
                            : "No PSA draws: point values only.");
  if (in.scenarios.size() > 1) {
    doc.section("Increments against " + in.scenarios[0].name);
    if (psa) doc.paragraph("Point values (draw 0: the estimates) with a band of the 2.5-97.5 percentiles over the PSA draws.");
    for (const auto& fan : fans) {
      Chart c;
      c.options.integer_x = true;
      c.options.x_label = "year";
      c.options.reference_y = 0.0;
      c.options.height = 240;
      c.options.title = "Change in " + fan.what + " each year";
      c.options.y_label = "change";
      c.series = fan.series;
      doc.chart(std::move(c));
    }
  }
  report::apply_small_cell_rule(doc);
  return {j.dump(2), report::render_markdown(doc), report::render_html(doc)};
}

}  // namespace impactsim
