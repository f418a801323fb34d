#include "studies/impact/study_report.hpp"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/svg_chart.hpp"
#include "engine/text_hash.hpp"
#include "engine/version.hpp"
#include "models/balance/report.hpp"

namespace impactsim {

namespace {

const char* kTreatedColor = "#d62728";
const char* kControlColor = "#1f77b4";

// Small-cell rule.
std::string count_text(double n) { return n >= 1 && n < 10 ? "<10" : fmt::format("{:.0f}", n); }
nlohmann::json count_json(double n) { return n >= 1 && n < 10 ? nlohmann::json("<10") : nlohmann::json(n); }
nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
std::string fmt_num(double v, int digits = 3) { return std::isfinite(v) ? fmt::format("{:.{}f}", v, digits) : "."; }
std::string fmt_ci(const Estimate& e, int digits = 3) {
  if (!std::isfinite(e.estimate)) return ".";
  return fmt::format("{:.{}f} [{:.{}f}, {:.{}f}]", e.estimate, digits, e.lower, digits, e.upper, digits);
}

nlohmann::json estimate_json(const Estimate& e) {
  return {{"estimate", num(e.estimate)}, {"std_error", num(e.std_error)}, {"lower", num(e.lower)},
          {"upper", num(e.upper)},       {"p_value", num(e.p_value)}};
}

nlohmann::json group_json(const GroupValue& g) {
  return {{"value", num(g.value)}, {"lower", num(g.lower)}, {"upper", num(g.upper)},
          {"patients", count_json(static_cast<double>(g.rows))}};
}

const char* kind_name(EffectKind k) {
  switch (k) {
    case EffectKind::Binary: return "binary";
    case EffectKind::Count: return "count";
    case EffectKind::Spending: return "spending";
  }
  return "";
}

struct Labels {
  const char* value;       // what the group value is
  const char* difference;  // the difference's name
  const char* ratio;       // the ratio's name, or nullptr
};

Labels labels_of(EffectKind k) {
  switch (k) {
    case EffectKind::Binary: return {"proportion", "risk difference", "risk ratio"};
    case EffectKind::Count: return {"per 100 person-years", "rate difference per 100", "rate ratio"};
    case EffectKind::Spending: return {"mean (euros)", "mean difference", nullptr};
  }
  return {"", "", nullptr};
}

nlohmann::json year_json(const YearEffect& e, EffectKind kind, bool has_did) {
  nlohmann::json j = {{"year", e.year},
                      {"treated", group_json(e.treated)},
                      {"control", group_json(e.control)},
                      {"difference", estimate_json(e.difference)},
                      {"clusters", e.clusters}};
  if (kind != EffectKind::Spending) j["ratio"] = estimate_json(e.ratio);
  if (kind == EffectKind::Binary) j["odds_ratio"] = estimate_json(e.odds_ratio);
  if (has_did) j["difference_in_differences"] = estimate_json(e.did);
  if (e.bootstrapped) {
    j["bootstrap"] = {{"replicates", e.bootstrap.replicates},
                      {"std_error", num(e.bootstrap.std_error)},
                      {"percentile", {num(e.bootstrap.percentile_lower), num(e.bootstrap.percentile_upper)}},
                      {"bca", {num(e.bootstrap.bca_lower), num(e.bootstrap.bca_upper)}}};
  }
  return j;
}

std::string md_row(const std::vector<std::string>& cells) {
  std::string s = "|";
  for (const auto& c : cells) s += " " + c + " |";
  return s + "\n";
}

std::string md_header(const std::vector<std::string>& cells) {
  std::string s = md_row(cells) + "|";
  for (size_t i = 0; i < cells.size(); ++i) s += " --- |";
  return s + "\n";
}

// The outcome table (Markdown), one row per year.
std::string outcome_table(const OutcomeEffects& o, const OutcomeEffects& naive, int digits) {
  const Labels l = labels_of(o.spec.kind);
  std::vector<std::string> head = {"year", "members", "controls", std::string("members: ") + l.value,
                                   std::string("controls: ") + l.value, l.difference};
  if (l.ratio) head.push_back(l.ratio);
  if (o.spec.kind == EffectKind::Binary) head.push_back("odds ratio");
  const bool did = !o.spec.baseline_column.empty();
  if (did) head.push_back("difference in differences");
  const bool boot = !o.years.empty() && o.years.front().bootstrapped;
  if (boot) head.push_back("bootstrap BCa interval");
  head.push_back("naive difference (unmatched)");
  std::string s = md_header(head);
  for (size_t y = 0; y < o.years.size(); ++y) {
    const YearEffect& e = o.years[y];
    std::vector<std::string> row = {std::to_string(e.year), count_text(static_cast<double>(e.treated.rows)),
                                    count_text(static_cast<double>(e.control.rows)), fmt_num(e.treated.value, digits),
                                    fmt_num(e.control.value, digits), fmt_ci(e.difference, digits)};
    if (l.ratio) row.push_back(fmt_ci(e.ratio));
    if (o.spec.kind == EffectKind::Binary) row.push_back(fmt_ci(e.odds_ratio));
    if (did) row.push_back(fmt_ci(e.did, digits));
    if (boot) {
      row.push_back(e.bootstrapped ? fmt::format("[{:.{}f}, {:.{}f}]", e.bootstrap.bca_lower, digits, e.bootstrap.bca_upper, digits)
                                   : ".");
    }
    row.push_back(fmt_ci(naive.years[y].difference, digits));
    s += md_row(row);
  }
  return s;
}

std::string sizes_table(const SampleSizes& s) {
  std::string t = md_header({"", "control", "treated"});
  auto row = [&](const char* name, const double* v) { t += md_row({name, count_text(v[0]), count_text(v[1])}); };
  row("All", s.all);
  row("Matched", s.matched);
  t += md_row({"Matched (ESS)", fmt_num(s.matched_ess[0], 1), fmt_num(s.matched_ess[1], 1)});
  row("Unmatched", s.unmatched);
  row("Discarded", s.discarded);
  return t;
}

std::string balance_table(const BalanceReport& b) {
  std::string t = md_header({"term", "SMD before", "SMD after", "var. ratio after", "eCDF max after", "flag"});
  for (size_t i = 0; i < b.after.size(); ++i) {
    const auto& a = b.after[i];
    t += md_row({a.name, fmt_num(b.before[i].balance_stat), fmt_num(a.balance_stat), fmt_num(a.var_ratio),
                 fmt_num(a.ecdf_max), a.flagged ? "above " + fmt::format("{}", b.threshold) : ""});
  }
  return t;
}

// Weighted histograms of the distance by group.
std::vector<Histogram> distance_histograms(const PropensityModel& pm, const std::vector<double>* weights) {
  double lo = INFINITY, hi = -INFINITY;
  for (double d : pm.distance) {
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  const int bins = 30;
  const double width = (hi - lo) / bins > 0 ? (hi - lo) / bins : 1;
  std::vector<Histogram> out;
  for (int g : {1, 0}) {
    Histogram h;
    h.label = g ? "members" : "controls";
    h.color = g ? kTreatedColor : kControlColor;
    for (int k = 0; k <= bins; ++k) h.edges.push_back(lo + k * width);
    h.density.assign(bins, 0.0);
    double total = 0;
    for (size_t i = 0; i < pm.distance.size(); ++i) {
      if (pm.treated[i] != g) continue;
      const double w = weights ? (*weights)[i] : 1.0;
      if (w <= 0) continue;
      const int k = std::min(bins - 1, static_cast<int>((pm.distance[i] - lo) / width));
      h.density[static_cast<size_t>(k)] += w;
      total += w;
    }
    for (double& d : h.density) d = total > 0 ? d / (total * width) : 0;
    out.push_back(std::move(h));
  }
  return out;
}

// One point per year with its interval, read from a field of YearEffect by
// `point` (a group's value or an estimate).
template <class Field>
ChartSeries interval_series(const std::string& label, const char* color, const std::vector<YearEffect>& years,
                            const Field YearEffect::*field, double Field::*point) {
  ChartSeries s;
  s.label = label;
  s.color = color;
  for (const auto& e : years) {
    s.x.push_back(e.year);
    s.y.push_back((e.*field).*point);
    s.lower.push_back((e.*field).lower);
    s.upper.push_back((e.*field).upper);
  }
  return s;
}

// A group's values, shifted sideways by `offset` so that two groups do not overlap.
ChartSeries series_of(const std::string& label, const char* color, const std::vector<YearEffect>& years,
                      const GroupValue YearEffect::*group, double offset) {
  ChartSeries s = interval_series(label, color, years, group, &GroupValue::value);
  s.offset = offset;
  return s;
}

// Estimates as points with intervals, not joined.
ChartSeries estimate_series(const std::string& label, const char* color, const std::vector<YearEffect>& years,
                            const Estimate YearEffect::*field) {
  ChartSeries s = interval_series(label, color, years, field, &Estimate::estimate);
  s.line = false;
  return s;
}

}  // namespace

StudyReport build_study_report(const StudyReportInput& in) {
  const StudySpec& spec = in.spec;
  const PropensityModel& pm = in.propensity;
  const Matching& m = in.matching;
  StudyReport r;

  // ---- JSON ----------------------------------------------------------------
  nlohmann::json j;
  j["program"] = std::string(kProgramName) + " " + kVersion;
  j["study"] = {{"name", spec.name}, {"title", spec.title}, {"file", spec.path}, {"file_hash_fnv1a64", fnv1a_hex(spec.text)},
                {"seed", spec.seed}};
  if (spec.generate) {
    j["data"] = {{"generated", true},
                 {"programme", spec.generate->programme},
                 {"patients", spec.generate->patients},
                 {"years", spec.generate->years},
                 {"seed", spec.generate->seed},
                 {"engagement", spec.generate->engagement},
                 {"truth_file", "truth.json"}};
  } else {
    j["data"] = {{"generated", false}, {"file", spec.data_file}};
  }
  nlohmann::json coef = nlohmann::json::object();
  for (size_t k = 0; k < pm.fit.names.size(); ++k) coef[pm.fit.names[k]] = num(pm.fit.coefficients[static_cast<Eigen::Index>(k)]);
  j["propensity"] = {{"formula", spec.design.formula}, {"converged", pm.fit.converged}, {"iterations", pm.fit.iterations},
                     {"coefficients", coef}};
  j["matching"] = spec.design.to_json(&m);
  j["matching"]["matched_treated"] = count_json(static_cast<double>(m.matched_treated));
  j["matching"]["matched_controls"] = count_json(static_cast<double>(m.matched_controls));
  nlohmann::json bal = balance_to_json(in.balance);
  for (auto& [key, v] : bal["sample_sizes"].items()) {
    if (key.find("ess") != std::string::npos) continue;
    v["control"] = count_json(v["control"].get<double>());
    v["treated"] = count_json(v["treated"].get<double>());
  }
  j["balance"] = bal;
  nlohmann::json outcomes = nlohmann::json::array();
  for (size_t k = 0; k < in.effects.size(); ++k) {
    const auto& o = in.effects[k];
    nlohmann::json years = nlohmann::json::array();
    for (size_t y = 0; y < o.years.size(); ++y) {
      nlohmann::json yj = year_json(o.years[y], o.spec.kind, !o.spec.baseline_column.empty());
      yj["naive_difference"] = estimate_json(in.naive[k].years[y].difference);
      years.push_back(std::move(yj));
    }
    outcomes.push_back({{"name", o.spec.name},
                        {"column", o.spec.column},
                        {"kind", kind_name(o.spec.kind)},
                        {"value", labels_of(o.spec.kind).value},
                        {"by_year", years}});
  }
  j["outcomes"] = outcomes;
  if (in.mortality) {
    nlohmann::json years = nlohmann::json::array();
    for (const auto& e : in.mortality->years) {
      years.push_back({{"year", e.year},
                       {"treated_risk", group_json(e.treated)},
                       {"control_risk", group_json(e.control)},
                       {"risk_difference", estimate_json(e.difference)},
                       {"adjusted_odds_ratio", estimate_json(e.odds_ratio)},
                       {"clusters", e.clusters}});
    }
    j["adjusted_mortality"] = {{"covariates", in.mortality->spec.covariates}, {"by_year", years}};
  }
  j["confidence_level"] = spec.level;
  r.json = j.dump(2);

  // ---- Markdown --------------------------------------------------------------
  std::string md = "# " + spec.title + "\n\n";
  md += fmt::format("Study `{}` ({}), study file hash {}, seed {}, {} {}.\n\n", spec.name, spec.path, fnv1a_hex(spec.text),
                    spec.seed, kProgramName, kVersion);
  md += "## Design\n\n";
  md += fmt::format("- Propensity model: `{}` (binomial; {} iterations{})\n", spec.design.formula, pm.fit.iterations,
                    pm.fit.converged ? "" : ", NOT converged");
  md += "- Matching: " + spec.design.describe(&m) + "\n";
  md += fmt::format("- Standard errors: cluster-robust by matched set; {:.0f}% confidence intervals\n\n", 100 * spec.level);
  md += "## Sample sizes\n\n" + sizes_table(in.balance.sizes) + "\n";
  md += fmt::format("## Balance\n\nStandardized mean differences (raw differences for 0/1 terms); flagged above {}.\n\n",
                    in.balance.threshold) +
        balance_table(in.balance) + "\n";
  md += "## Effects by year\n\n";
  for (size_t k = 0; k < in.effects.size(); ++k) {
    const auto& o = in.effects[k];
    md += "### " + o.spec.name + "\n\n" + outcome_table(o, in.naive[k], o.spec.kind == EffectKind::Spending ? 1 : 3) + "\n";
  }
  if (in.mortality) {
    md += "### Death in the year, adjusted odds ratio\n\nLogistic regression of death on enrolment and `" +
          in.mortality->spec.covariates + "` among those alive at the start of the year.\n\n";
    md += md_header({"year", "members", "controls", "members: risk", "controls: risk", "adjusted odds ratio"});
    for (const auto& e : in.mortality->years) {
      md += md_row({std::to_string(e.year), count_text(static_cast<double>(e.treated.rows)),
                    count_text(static_cast<double>(e.control.rows)), fmt_num(e.treated.value, 4), fmt_num(e.control.value, 4),
                    fmt_ci(e.odds_ratio)});
    }
    md += "\n";
  }
  r.markdown = md;

  // ---- HTML ------------------------------------------------------------------
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html_escape(spec.title) +
                  "</title>\n<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}"
                  "table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;"
                  "text-align:right}th{background:#f4f4f4}td:first-child{text-align:left}svg{display:block;margin:1em 0}"
                  "</style></head><body>\n";
  // Markdown tables as HTML: convert the same content line by line.
  auto md_to_html = [](const std::string& text) {
    std::string out;
    bool in_table = false, header = false;
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      const std::string line = text.substr(start, end - start);
      start = end + 1;
      if (line.rfind("|", 0) == 0) {
        if (line.find("---") != std::string::npos) continue;
        if (!in_table) {
          out += "<table>\n";
          in_table = true;
          header = true;
        }
        out += "<tr>";
        size_t p = 1;
        while (p < line.size()) {
          const size_t q = line.find('|', p);
          if (q == std::string::npos) break;
          std::string cell = line.substr(p, q - p);
          cell.erase(0, cell.find_first_not_of(' '));
          cell.erase(cell.find_last_not_of(' ') + 1);
          out += (header ? "<th>" : "<td>") + html_escape(cell) + (header ? "</th>" : "</td>");
          p = q + 1;
        }
        out += "</tr>\n";
        header = false;
        continue;
      }
      if (in_table) {
        out += "</table>\n";
        in_table = false;
      }
      if (line.rfind("### ", 0) == 0) {
        out += "<h3>" + html_escape(line.substr(4)) + "</h3>\n";
      } else if (line.rfind("## ", 0) == 0) {
        out += "<h2>" + html_escape(line.substr(3)) + "</h2>\n";
      } else if (line.rfind("# ", 0) == 0) {
        out += "<h1>" + html_escape(line.substr(2)) + "</h1>\n";
      } else if (line.rfind("- ", 0) == 0) {
        out += "<p>&bull; " + html_escape(line.substr(2)) + "</p>\n";
      } else if (!line.empty()) {
        out += "<p>" + html_escape(line) + "</p>\n";
      }
    }
    if (in_table) out += "</table>\n";
    return out;
  };
  // Split the Markdown at "## Effects by year" to place charts beside their tables.
  const size_t effects_at = md.find("## Effects by year");
  const size_t balance_at = md.find("## Balance");
  h += md_to_html(md.substr(0, balance_at));
  {
    ChartOptions o;
    o.title = "Propensity score before matching";
    o.x_label = "distance";
    o.y_label = "density";
    h += svg_histograms(distance_histograms(pm, nullptr), o);
    o.title = "Propensity score after matching (weighted)";
    h += svg_histograms(distance_histograms(pm, &m.weights), o);
  }
  h += md_to_html(md.substr(balance_at, effects_at - balance_at));
  {
    std::vector<std::string> terms;
    ChartSeries before, after;
    before.label = "before";
    before.color = "#999999";
    after.label = "after";
    after.color = kTreatedColor;
    for (size_t i = 0; i < in.balance.after.size(); ++i) {
      terms.push_back(in.balance.after[i].name);
      before.y.push_back(std::abs(in.balance.before[i].balance_stat));
      after.y.push_back(std::abs(in.balance.after[i].balance_stat));
    }
    ChartOptions o;
    o.title = "Love plot: absolute standardized differences";
    o.x_label = "|standardized mean difference| (raw difference for 0/1 terms)";
    o.reference_x = {in.balance.threshold};
    h += svg_dot_chart(terms, {before, after}, o);
  }
  h += "<h2>Effects by year</h2>\n";
  for (size_t k = 0; k < in.effects.size(); ++k) {
    const auto& o = in.effects[k];
    const Labels l = labels_of(o.spec.kind);
    h += "<h3>" + html_escape(o.spec.name) + "</h3>\n";
    ChartOptions c;
    c.integer_x = true;
    c.x_label = "year after enrolment";
    c.title = o.spec.name + " by group";
    c.y_label = l.value;
    h += svg_xy_chart({series_of("members", kTreatedColor, o.years, &YearEffect::treated, 0.08),
                       series_of("controls", kControlColor, o.years, &YearEffect::control, -0.08)},
                      c);
    c.title = std::string(l.difference) + " by year";
    c.y_label = l.difference;
    c.reference_y = 0.0;
    h += svg_xy_chart({estimate_series(l.difference, "#333333", o.years, &YearEffect::difference)}, c);
    const std::string md_table = outcome_table(o, in.naive[k], o.spec.kind == EffectKind::Spending ? 1 : 3);
    h += md_to_html(md_table);
  }
  if (in.mortality) {
    ChartOptions c;
    c.integer_x = true;
    c.x_label = "year after enrolment";
    c.title = "Adjusted odds ratio of death by year";
    c.y_label = "odds ratio";
    c.reference_y = 1.0;
    h += "<h3>Death in the year, adjusted odds ratio</h3>\n";
    h += svg_xy_chart({estimate_series("adjusted odds ratio", "#333333", in.mortality->years, &YearEffect::odds_ratio)}, c);
    const size_t at = md.find("### Death in the year");
    h += md_to_html(md.substr(md.find('\n', at) + 1));
  }
  h += "</body></html>\n";
  r.html = h;
  return r;
}

}  // namespace impactsim
