#include "studies/impact/study_report.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "engine/report/number_format.hpp"
#include "engine/report/small_cells.hpp"
#include "engine/text_hash.hpp"
#include "engine/version.hpp"
#include "models/balance/report.hpp"
#include "studies/impact/report_parts.hpp"
#include "studies/impact/sensitivity_report.hpp"
#include "studies/impact/survival_report.hpp"

namespace impactsim {

namespace {

nlohmann::json masked_count(double n) { return is_small_count(n) ? nlohmann::json(kSmallCountText) : nlohmann::json(n); }

Unit value_unit(const OutcomeSpec& s) {
  switch (s.kind) {
    case EffectKind::Binary: return Unit::Proportion;
    case EffectKind::Count: return Unit::RatePer100;
    case EffectKind::Mean: return s.unit == "euros" ? Unit::Euros : Unit::Plain;
  }
  return Unit::Plain;
}

const char* difference_name(EffectKind k) {
  switch (k) {
    case EffectKind::Binary: return "risk difference";
    case EffectKind::Count: return "rate difference per 100";
    case EffectKind::Mean: return "mean difference";
  }
  return "";
}

const char* ratio_name(EffectKind k) { return k == EffectKind::Binary ? "risk ratio" : k == EffectKind::Count ? "rate ratio" : nullptr; }

// A group's value, with the counts it reveals beside its patients.
Cell group_cell(Unit u, EffectKind kind, const GroupValue& g) {
  std::vector<double> reveals;
  if (kind == EffectKind::Binary && std::isfinite(g.events)) reveals = {g.events, static_cast<double>(g.rows) - g.events};
  if (kind == EffectKind::Count && std::isfinite(g.events)) reveals = {g.events};
  return Cell::of_number(report::format_interval(u, g.value, g.lower, g.upper), std::move(reveals));
}

// The difference's name with its unit, for sentences.
std::string difference_in_units(const OutcomeSpec& s) {
  switch (s.kind) {
    case EffectKind::Binary: return "risk difference";
    case EffectKind::Count: return "rate difference per 100 person-years";
    case EffectKind::Mean: return s.unit.empty() ? "mean difference" : "mean difference (" + s.unit + ")";
  }
  return "";
}

// ---- Tables ------------------------------------------------------------------

report::Table sizes_table(const SampleSizes& s) {
  report::Table t;
  t.header = {"", "control", "treated"};
  auto counts = [&](const char* name, const double* v) {
    return t.add_row({Cell::of_text(name), Cell::of_count(v[0]), Cell::of_count(v[1])});
  };
  const size_t all = counts("All", s.all), matched = counts("Matched", s.matched);
  const size_t ess = t.add_row({Cell::of_text("Matched (ESS)"), Cell::of_number(report::format_fixed(s.matched_ess[0], 1)),
                                Cell::of_number(report::format_fixed(s.matched_ess[1], 1))});
  const size_t unmatched = counts("Unmatched", s.unmatched), discarded = counts("Discarded", s.discarded);
  for (size_t c : {1, 2}) {
    t.sums.push_back({{all, c}, {{matched, c}, {unmatched, c}, {discarded, c}}});
    t.linked.push_back({{matched, c}, {ess, c}});  // the effective size of 1:1 matched units is their count
  }
  return t;
}

report::Table balance_table(const BalanceReport& b) {
  report::Table t;
  t.header = {"term", "SMD before", "SMD after", "var. ratio after", "eCDF max after", "flag"};
  for (size_t i = 0; i < b.after.size(); ++i) {
    const auto& a = b.after[i];
    t.add_row({Cell::of_text(a.name), Cell::of_number(report::format_fixed(b.before[i].balance_stat, 3)),
               Cell::of_number(report::format_fixed(a.balance_stat, 3)), Cell::of_number(report::format_fixed(a.var_ratio, 3)),
               Cell::of_number(report::format_fixed(a.ecdf_max, 3)),
               Cell::of_text(a.flagged ? fmt::format("above {}", b.threshold) : "")});
  }
  return t;
}

// Column positions of an outcome table.
struct OutcomeColumns {
  size_t treated_value = 3, control_value = 4, difference = 5;
};

report::Table outcome_table(const OutcomeEffects& o, const std::vector<Estimate>& naive) {
  const Unit u = value_unit(o.spec);
  const std::string value = StudyResults::value_label(o.spec);
  const char* ratio = ratio_name(o.spec.kind);
  const bool did = !o.spec.baseline_column.empty();
  const bool boot = !o.years.empty() && o.years.front().bootstrapped;
  report::Table t;
  t.header = {"year", "members", "controls", "members: " + value, "controls: " + value, difference_name(o.spec.kind)};
  if (boot) t.header.push_back(std::string(difference_name(o.spec.kind)) + ": pair bootstrap BCa interval");
  if (ratio) t.header.push_back(ratio);
  if (o.spec.kind == EffectKind::Binary) t.header.push_back("odds ratio");
  if (did) t.header.push_back("difference in differences (change from the baseline year)");
  t.header.push_back("naive difference (all members against all non-members, unmatched)");
  for (size_t y = 0; y < o.years.size(); ++y) {
    const YearEffect& e = o.years[y];
    std::vector<Cell> row = {Cell::of_text(std::to_string(e.year)), Cell::of_count(static_cast<double>(e.treated.rows)),
                             Cell::of_count(static_cast<double>(e.control.rows)), group_cell(u, o.spec.kind, e.treated),
                             group_cell(u, o.spec.kind, e.control), interval_cell(u, e.difference)};
    if (boot) {
      row.push_back(Cell::of_number(e.bootstrapped ? report::format_bounds(u, e.bootstrap.bca_lower, e.bootstrap.bca_upper) : "."));
    }
    if (ratio) row.push_back(interval_cell(Unit::Ratio, e.ratio));
    if (o.spec.kind == EffectKind::Binary) row.push_back(interval_cell(Unit::Ratio, e.odds_ratio));
    if (did) row.push_back(interval_cell(u, e.did));
    row.push_back(interval_cell(u, naive[y]));
    const size_t r = t.add_row(std::move(row));
    // A group's value, the other's and what is computed from both are masked together.
    std::vector<CellRef> linked;
    for (size_t c = 3; c + 1 < t.header.size(); ++c) linked.push_back({r, c});
    t.linked.push_back(std::move(linked));
  }
  protect_yearly_counts(t);
  return t;
}

report::Table mortality_table(const AdjustedMortality& m) {
  report::Table t;
  t.header = {"year", "members", "controls", "members: risk of death in the year", "controls: risk of death in the year",
              "risk difference", "adjusted odds ratio", "E-value of the adjusted odds ratio (of its bound nearest 1)"};
  for (const auto& e : m.years) {
    const size_t r = t.add_row({Cell::of_text(std::to_string(e.year)), Cell::of_count(static_cast<double>(e.treated.rows)),
                                Cell::of_count(static_cast<double>(e.control.rows)),
                                group_cell(Unit::Proportion, EffectKind::Binary, e.treated),
                                group_cell(Unit::Proportion, EffectKind::Binary, e.control),
                                interval_cell(Unit::Proportion, e.difference), interval_cell(Unit::Ratio, e.odds_ratio),
                                Cell::of_number(evalue_text(e.odds_ratio_evalue))});
    t.linked.push_back({{r, 3}, {r, 4}, {r, 5}, {r, 6}, {r, 7}});
  }
  protect_yearly_counts(t);
  return t;
}

// ---- Charts ------------------------------------------------------------------

// Weighted histograms of the distance by group, with the units of each bin.
Chart distance_chart(const PropensityModel& pm, const std::vector<double>* weights, const std::string& title) {
  double lo = INFINITY, hi = -INFINITY;
  for (double d : pm.distance) {
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  const int bins = 30;
  const double width = (hi - lo) / bins > 0 ? (hi - lo) / bins : 1;
  Chart c;
  c.kind = ChartKind::Histograms;
  c.options.title = title;
  c.options.x_label = "distance";
  c.options.y_label = "density";
  for (int g : {1, 0}) {
    Histogram h;
    h.label = g ? "members" : "controls";
    h.color = g ? kTreatedColor : kControlColor;
    for (int k = 0; k <= bins; ++k) h.edges.push_back(lo + k * width);
    h.density.assign(bins, 0.0);
    std::vector<double> units(bins, 0.0);
    double total = 0;
    for (size_t i = 0; i < pm.distance.size(); ++i) {
      if (pm.treated[i] != g) continue;
      const double w = weights ? (*weights)[i] : 1.0;
      if (w <= 0) continue;
      const size_t k = static_cast<size_t>(std::min(bins - 1, static_cast<int>((pm.distance[i] - lo) / width)));
      h.density[k] += w;
      units[k] += 1;
      total += w;
    }
    for (double& d : h.density) d = total > 0 ? d / (total * width) : 0;
    c.histograms.push_back(std::move(h));
    c.bin_counts.push_back(std::move(units));
  }
  return c;
}

Chart love_plot(const BalanceReport& b) {
  Chart c;
  c.kind = ChartKind::Dots;
  ChartSeries before, after;
  before.label = "before";
  before.color = "#999999";
  after.label = "after";
  after.color = kTreatedColor;
  for (size_t i = 0; i < b.after.size(); ++i) {
    c.dot_labels.push_back(b.after[i].name);
    before.y.push_back(std::abs(b.before[i].balance_stat));
    after.y.push_back(std::abs(b.after[i].balance_stat));
  }
  c.series = {before, after};
  c.options.title = "Love plot: absolute standardized differences";
  c.options.x_label = "|standardized mean difference| (raw difference for 0/1 terms)";
  c.options.reference_x = {b.threshold};
  return c;
}

}  // namespace

StudyResults collect_study_results(const StudyReportInput& in) {
  const StudySpec& spec = in.spec;
  const PropensityModel& pm = in.propensity;
  StudyResults r;
  r.program = std::string(kProgramName) + " " + kVersion;
  r.name = spec.name;
  r.title = spec.title;
  r.file = spec.path;
  r.file_hash = fnv1a_hex(spec.text);
  r.seed = spec.seed;
  r.data.generated = spec.generate.has_value();
  if (spec.generate) {
    r.data.programme = spec.generate->programme;
    r.data.patients = spec.generate->patients;
    r.data.years = spec.generate->years;
    r.data.seed = spec.generate->seed;
    r.data.engagement = spec.generate->engagement;
    r.data.reduced_from = spec.reduced_from;
  } else {
    r.data.file = spec.data_file;
    r.data.file_hash = in.data_file_hash;
  }
  nlohmann::json coef = nlohmann::json::object();
  for (size_t k = 0; k < pm.fit.names.size(); ++k) {
    const double b = pm.fit.coefficients[static_cast<Eigen::Index>(k)];
    coef[pm.fit.names[k]] = std::isfinite(b) ? nlohmann::json(b) : nlohmann::json(nullptr);
  }
  r.propensity = {{"formula", spec.design.formula}, {"converged", pm.fit.converged}, {"iterations", pm.fit.iterations},
                  {"coefficients", coef}};
  r.matching = spec.design.to_json(&in.matching);
  r.matching["matched_treated"] = masked_count(static_cast<double>(in.matching.matched_treated));
  r.matching["matched_controls"] = masked_count(static_cast<double>(in.matching.matched_controls));
  r.balance = balance_to_json(in.balance);
  for (auto& [key, v] : r.balance["sample_sizes"].items()) {
    if (key.find("ess") != std::string::npos) continue;
    v["control"] = masked_count(v["control"].get<double>());
    v["treated"] = masked_count(v["treated"].get<double>());
  }
  r.outcomes = in.effects;
  for (const auto& o : in.naive) {
    std::vector<Estimate> n;
    for (const auto& y : o.years) n.push_back(y.difference);
    r.naive.push_back(std::move(n));
  }
  r.mortality = in.mortality;
  if (in.survival) r.survival = survival_results_of(*in.survival);
  for (size_t k = 0; k < in.events.size(); ++k) {
    r.time_to_event.push_back({spec.events[k].name, spec.events[k].column, survival_results_of(in.events[k])});
  }
  r.diagnostics = in.diagnostics;
  r.level = spec.level;
  r.clustered_on = spec.design.matching.replace ? "patient" : "matched set";
  return r;
}

namespace {

// The bullets of "Data and design".
std::vector<std::string> design_bullets(const StudyResults& r, const StudyReportInput& in) {
  const PropensityModel& pm = in.propensity;
  const bool replace = in.spec.design.matching.replace;
  return {
      "Data: " + r.data.describe() + ".",
      fmt::format("Study file {} (FNV-1a {}), seed {}, {}.", r.file, r.file_hash, r.seed, r.program),
      fmt::format("Propensity model: `{}` (binomial {}; {} iterations{}).", in.spec.design.formula,
                  to_string(in.spec.design.propensity.link), pm.fit.iterations, pm.fit.converged ? "" : ", NOT converged"),
      "Matching: " + in.spec.design.describe(&in.matching) + ".",
      fmt::format("Standard errors: cluster-robust (sandwich::vcovCL: HC0 x G/(G-1)), clustered on {}; the naive "
                  "comparison clusters on patients.",
                  replace ? "patients (matching with replacement: matched sets overlap)" : "matched sets"),
      fmt::format("Intervals: {:g}% confidence intervals, each after the estimate it belongs to (a group's value, a "
                  "difference, a ratio); ratios' intervals come from the log scale.",
                  100 * r.level),
      fmt::format("Small cells: counts of 1 to 9 patients, and figures from which one could be derived, show as \"{}\" "
                  "or \"{}\".",
                  kSmallCountText, kMaskedText),
  };
}

// The summary, read from the tables after the small-cell rule.
std::vector<std::string> summary_of(const StudyResults& r, const Document& doc, size_t sizes,
                                    const std::vector<size_t>& outcome_tables, std::optional<size_t> mortality_table,
                                    std::optional<size_t> survival_table) {
  std::vector<std::string> s;
  s.push_back(r.diagnostics.passed() ? "The study passes its diagnostics gate (equipoise, balance, power, systematic error: see Diagnostics)."
                                     : "The study FAILS its diagnostics gate: see Diagnostics before reading any estimate.");
  const report::Table& sz = doc.tables[sizes];
  s.push_back(fmt::format("{} members were matched to {} non-members; standard errors are clustered on {}; intervals "
                          "are {:g}% confidence intervals.",
                          sz.rows[1][2].text, sz.rows[1][1].text, r.clustered_on == "patient" ? "patients" : "matched sets",
                          100 * r.level));
  if (!r.data.generated) s.push_back("Data: " + r.data.describe() + ".");
  if (r.data.generated) {
    s.push_back("The data are synthetic: the generator planted the effects of enrolment, so recovering them checks the "
                "code, not the programme.");
  }
  if (r.data.reduced_from > 0) {
    s.push_back(fmt::format("Reduced run: {} patients instead of the study file's {}.", r.data.patients, r.data.reduced_from));
  }
  for (size_t k = 0; k < r.outcomes.size(); ++k) {
    const OutcomeEffects& o = r.outcomes[k];
    const report::Table& t = doc.tables[outcome_tables[k]];
    if (t.rows.empty() || o.spec.negative_control) continue;
    auto at = [&](size_t row) { return fmt::format("{} in year {}", t.rows[row][5].text, t.rows[row][0].text); };
    std::string line = fmt::format("{}: {} {}", o.spec.name, difference_in_units(o.spec), at(0));
    if (t.rows.size() > 1) line += ", " + at(t.rows.size() - 1);
    s.push_back(line + ".");
  }
  if (mortality_table) {
    const report::Table& t = doc.tables[*mortality_table];
    std::string line = "Death in the year: adjusted odds ratio of enrolment";
    for (size_t row = 0; row < t.rows.size(); ++row) {
      if (row == 0 || row + 1 == t.rows.size() || row + 2 == t.rows.size()) {
        line += fmt::format("{} {} in year {}", row == 0 ? "" : ",", t.rows[row][6].text, t.rows[row][0].text);
      }
    }
    s.push_back(line + ".");
  }
  if (survival_table) {
    const report::Table& t = doc.tables[*survival_table];
    s.push_back(fmt::format("Death as time to event: hazard ratio of enrolment {} over the whole follow-up (Cox, matching "
                            "weights).",
                            t.rows.back()[7].text));
  }
  return s;
}

// The outcome's charts, table and sensitivity table; returns the table's index.
size_t outcome_section(Document& doc, const OutcomeEffects& o, const std::vector<Estimate>& naive, const StudyResults& r) {
  doc.section(o.spec.negative_control ? o.spec.name + " (negative control)" : o.spec.name, 3);
  if (o.spec.negative_control) {
    doc.paragraph("A negative control: enrolment cannot change this outcome, so any difference below is the design's "
                  "systematic error (with chance), not an effect. Its ratios feed the empirical null (Diagnostics).");
  }
  const size_t table = doc.tables.size();  // the table added below
  const std::string value = StudyResults::value_label(o.spec);
  Chart groups = year_chart(o.spec.name + " by group", value);
  add_series(groups, "members", kTreatedColor, o.years, table, 3, 0.08, true, [](const YearEffect& e) { return of_group(e.treated); });
  add_series(groups, "controls", kControlColor, o.years, table, 4, -0.08, true,
             [](const YearEffect& e) { return of_group(e.control); });
  doc.chart(std::move(groups));
  Chart diff = year_chart(std::string(difference_name(o.spec.kind)) + " by year", difference_name(o.spec.kind));
  diff.options.reference_y = 0.0;
  add_series(diff, difference_name(o.spec.kind), "#333333", o.years, table, 5, 0, false,
             [](const YearEffect& e) { return of_estimate(e.difference); });
  doc.chart(std::move(diff));
  doc.table(outcome_table(o, naive));
  const size_t sensitivity = doc.table(sensitivity_table(o, r.diagnostics.null.fitted(), r.level));
  // A year's sensitivity figures are masked with its difference.
  for (size_t row = 0; row < o.years.size(); ++row) doc.linked.push_back({{table, {row, 5}}, {sensitivity, {row, 1}}});
  return table;
}

}  // namespace

Document study_document(const StudyResults& r, const StudyReportInput& in) {
  Document doc;
  doc.title = r.title;
  diagnostics_section(doc, r);
  doc.section("Data and design");
  doc.bullets(design_bullets(r, in));
  doc.section("Sample sizes");
  const size_t sizes = doc.table(sizes_table(in.balance.sizes));
  doc.section("Balance");
  doc.paragraph(fmt::format("Standardized mean differences (raw differences in proportion for 0/1 terms), the treated "
                            "group's SD before matching as denominator; flagged above {}.",
                            in.balance.threshold));
  doc.chart(distance_chart(in.propensity, nullptr, "Propensity score before matching"));
  doc.chart(distance_chart(in.propensity, &in.matching.weights, "Propensity score after matching (weighted)"));
  doc.table(balance_table(in.balance));
  doc.chart(love_plot(in.balance));
  doc.section("Effects by year");
  doc.paragraph("Members against their matched controls, weighted by the matching weights, by programme year (year k: "
                "the k-th year after the index date), among those observed in the year. Each interval follows the "
                "estimate it belongs to.");
  doc.paragraph("What the yearly contrasts compare: exam, stay and spending outcomes of year k compare the members and "
                "controls still alive at its start. If enrolment changes survival, those survivors are no longer the "
                "matched groups, and the contrast mixes the effect on the outcome with the effect on who survives "
                "(\"death by the end of the year\" outcomes and the time-to-event analysis count every matched patient). "
                "Outcomes marked \"every matched patient\" are versions death cannot distort: a binary outcome or "
                "death by the end of the year (a composite), or a count or amount summed since the index date "
                "(cumulative: nothing is added after death).");
  doc.paragraph("Sensitivity tables: the E-value is the risk ratio an unmeasured confounder would need with both "
                "enrolment and the outcome to explain the estimate away, and in brackets its interval (VanderWeele & "
                "Ding 2017; odds and hazard ratios of outcomes above 15% taken to the risk-ratio scale); p-values are "
                "adjusted across every outcome and year of the study that is not a negative control (Holm: family-wise "
                "error; Benjamini-Hochberg: false discovery rate); Rosenbaum's Gamma (1:1 pairs, binary outcomes) is "
                "the odds of enrolment within a pair that a hidden confounder would need for the pairs' one-sided "
                "McNemar test to stop being significant.");
  std::vector<size_t> outcome_tables;
  for (size_t k = 0; k < r.outcomes.size(); ++k) outcome_tables.push_back(outcome_section(doc, r.outcomes[k], r.naive[k], r));
  std::optional<size_t> mortality;
  if (r.mortality) {
    doc.section("Death in the year, adjusted odds ratio", 3);
    doc.paragraph("Logistic regression of death on enrolment and `" + r.mortality->spec.covariates +
                  "` among those alive at the start of the year; the odds ratio of enrolment, all else equal.");
    const size_t table = doc.tables.size();
    Chart c = year_chart("Adjusted odds ratio of death by year", "odds ratio");
    c.options.reference_y = 1.0;
    add_series(c, "adjusted odds ratio", "#333333", r.mortality->years, table, 6, 0, false,
               [](const YearEffect& e) { return of_estimate(e.odds_ratio); });
    doc.chart(std::move(c));
    mortality = doc.table(mortality_table(*r.mortality));
  }
  std::optional<size_t> survival;
  if (r.survival) survival = survival_section(doc, *r.survival, r.clustered_on, r.level, death_words());
  for (const EventResults& e : r.time_to_event) survival_section(doc, e.survival, r.clustered_on, r.level, event_words(e.name));
  // A year's members and controls are the same figure in every yearly table.
  std::map<std::pair<std::string, size_t>, std::vector<DocumentCell>> same;
  for (size_t t : outcome_tables) {
    for (size_t row = 0; row < doc.tables[t].rows.size(); ++row) {
      for (size_t c : {1, 2}) same[{doc.tables[t].rows[row][0].text, c}].push_back({t, {row, c}});
    }
  }
  for (const std::optional<size_t>& t : {mortality, survival}) {
    if (!t) continue;
    for (size_t row = 0; row < doc.tables[*t].rows.size(); ++row) {
      for (size_t c : {1, 2}) same[{doc.tables[*t].rows[row][0].text, c}].push_back({*t, {row, c}});
    }
  }
  for (auto& [key, cells] : same) doc.linked.push_back(std::move(cells));
  report::apply_small_cell_rule(doc);
  doc.summary = summary_of(r, doc, sizes, outcome_tables, mortality, survival);
  return doc;
}

StudyReport build_study_report(const StudyReportInput& in) {
  const StudyResults results = collect_study_results(in);
  const Document doc = study_document(results, in);
  return {to_json(results).dump(2), report::render_markdown(doc), report::render_html(doc)};
}

}  // namespace impactsim
