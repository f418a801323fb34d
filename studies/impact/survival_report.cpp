#include "studies/impact/survival_report.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>

#include "engine/report/number_format.hpp"
#include "studies/impact/report_parts.hpp"
#include "studies/impact/sensitivity_report.hpp"

namespace impactsim {
namespace {

// One programme year of the survival table: its hazard ratio and the
// groups' Kaplan-Meier survival at the year's end.
struct SurvivalYear {
  int year;
  const YearHazard* hazard;
  const KmCurve::At* km[2];
};

std::vector<SurvivalYear> survival_years(const SurvivalResults& s) {
  std::vector<SurvivalYear> out;
  for (size_t k = 0; k < s.by_year.size(); ++k) out.push_back({s.by_year[k].year, &s.by_year[k], {&s.km[0][k], &s.km[1][k]}});
  return out;
}

// Years, then the whole follow-up. A survival reveals the year's deaths and
// survivors (S(t) / S(t-1) = 1 - d / n), like a risk beside its denominator.
report::Table survival_table(const SurvivalResults& s, const EventWords& w) {
  report::Table t;
  t.header = {"year", "members", "controls", "members: " + w.events, "controls: " + w.events,
              "members: " + w.free + " to the end of the year (Kaplan-Meier)",
              "controls: " + w.free + " to the end of the year (Kaplan-Meier)", "hazard ratio (Cox)",
              "E-value of the hazard ratio (of its bound nearest 1)"};
  auto km_cell = [](const KmCurve::At& a, const YearHazard& h, int g) {
    return Cell::of_number(report::format_interval(Unit::Proportion, a.surv, a.lower, a.upper),
                           {h.events[g], static_cast<double>(h.patients[g]) - h.events[g]});
  };
  std::vector<CellRef> deaths[2];
  for (const SurvivalYear& y : survival_years(s)) {
    const YearHazard& h = *y.hazard;
    const size_t r = t.add_row({Cell::of_text(std::to_string(y.year)), Cell::of_count(static_cast<double>(h.patients[1])),
                                Cell::of_count(static_cast<double>(h.patients[0])), Cell::of_count(h.events[1]),
                                Cell::of_count(h.events[0]), km_cell(*y.km[1], h, 1), km_cell(*y.km[0], h, 0),
                                interval_cell(Unit::Ratio, h.hazard_ratio), Cell::of_number(evalue_text(h.evalue))});
    t.linked.push_back({{r, 5}, {r, 6}, {r, 7}, {r, 8}});
    for (int g : {0, 1}) deaths[g].push_back({r, static_cast<size_t>(4 - g)});
  }
  const YearHazard& all = s.overall;
  const size_t r = t.add_row({Cell::of_text(fmt::format("all years ({})", s.by_year.size())),
                              Cell::of_count(static_cast<double>(all.patients[1])), Cell::of_count(static_cast<double>(all.patients[0])),
                              Cell::of_count(all.events[1]), Cell::of_count(all.events[0]), Cell::of_text("."), Cell::of_text("."),
                              interval_cell(Unit::Ratio, all.hazard_ratio), Cell::of_number(evalue_text(all.evalue))});
  // The whole follow-up's deaths are the years' deaths when the years run from 1.
  bool from_one = true;
  for (size_t k = 0; k < s.by_year.size(); ++k) from_one = from_one && s.by_year[k].year == static_cast<int>(k) + 1;
  if (from_one) {
    for (int g : {0, 1}) t.sums.push_back({{r, static_cast<size_t>(4 - g)}, deaths[g]});
  }
  protect_yearly_counts(t);
  return t;
}

}  // namespace

EventWords death_words() {
  return {"Death as time to event", "death", "deaths", "survival",
          "Follow-up from the index date to death or the end of the last programme year studied (time: the years' "
          "exposures)"};
}

EventWords event_words(const std::string& name) {
  std::string lower = name;
  if (!lower.empty()) lower[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(lower[0])));
  return {name + " as time to event", lower, "events", "free of " + lower,
          "Follow-up from the index date to the event (" + lower + "), death or the end of the last programme year "
          "studied, whichever comes first (death censors)"};
}

// The restricted mean survival time in words: years lived out of the first tau.
std::string restricted_mean_sentence(const SurvivalResults& s, double level, const EventWords& w) {
  const auto& m = s.restricted_mean;
  const Estimate& d = s.restricted_mean_difference;
  return fmt::format(
      "Restricted mean time {} over the first {:g} years (the area under each Kaplan-Meier curve, survfit's "
      "rmean): members {} years, controls {} years; difference {} years ({:g}% interval; each curve's standard error "
      "as survfit computes it with the matching weights as case weights, the difference's as if the groups were "
      "independent).",
      w.free, m[0].tau, report::format_fixed(m[1].estimate, 3), report::format_fixed(m[0].estimate, 3),
      report::format_interval(Unit::Plain, d.estimate, d.lower, d.upper), 100 * level);
}

// A time to event (death, or another event): the table, Kaplan-Meier curves
// by group and the hazard ratios by year. Returns the table's index.
size_t survival_section(Document& doc, const SurvivalResults& s, const std::string& clustered_on, double level,
                        const EventWords& w) {
  doc.section(w.title, 3);
  doc.paragraph(fmt::format(
      "{}. Kaplan-Meier curves by group weighted by the matching weights (Greenwood standard errors, log-log "
      "intervals, as survival::survfit); Cox models of the hazard of {} on enrolment (Efron ties, matching weights, "
      "robust variance clustered on {}, as coxph(cluster = )): over the whole follow-up, and in each year among those "
      "still at risk at its start. Counts are patients, unweighted.",
      w.follow, w.event, clustered_on == "patient" ? "patients" : "matched sets"));
  const size_t table = doc.tables.size();
  const std::vector<SurvivalYear> years = survival_years(s);
  Chart km = year_chart("Kaplan-Meier: " + w.free + " to the end of each programme year", w.free);
  add_series(km, "members", kTreatedColor, years, table, 5, 0.08, true,
             [](const SurvivalYear& y) { return Triple{y.km[1]->surv, y.km[1]->lower, y.km[1]->upper}; });
  add_series(km, "controls", kControlColor, years, table, 6, -0.08, true,
             [](const SurvivalYear& y) { return Triple{y.km[0]->surv, y.km[0]->lower, y.km[0]->upper}; });
  doc.chart(std::move(km));
  Chart hr = year_chart("Hazard ratio of " + w.event + " by year (Cox)", "hazard ratio");
  hr.options.reference_y = 1.0;
  add_series(hr, "hazard ratio", "#333333", years, table, 7, 0, false,
             [](const SurvivalYear& y) { return of_estimate(y.hazard->hazard_ratio); });
  doc.chart(std::move(hr));
  const size_t t = doc.table(survival_table(s, w));
  doc.paragraph(restricted_mean_sentence(s, level, w));
  if (std::isfinite(s.overall.zph_chisq)) {
    doc.paragraph(fmt::format("Proportional hazards over the whole follow-up (survival::cox.zph, transform \"km\"): chi-square "
                              "{:.2f} on 1 df, p {}{}",
                              s.overall.zph_chisq,
                              s.overall.zph_p < 0.001 ? std::string("< 0.001") : "= " + report::format_p_value(s.overall.zph_p),
                              s.overall.zph_p < 1 - level ? ": the hazard ratio changes over time; read the yearly ratios."
                                                          : "."));
  }
  return t;
}

}  // namespace impactsim
