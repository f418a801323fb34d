#include "studies/impact/sensitivity_report.hpp"

#include <fmt/format.h>

#include <cmath>

#include "engine/report/number_format.hpp"

namespace impactsim {

using report::Cell;

std::string evalue_text(const EValue& e) {
  if (!std::isfinite(e.point)) return ".";
  return report::format_fixed(e.point, 2) + " (" + (std::isfinite(e.bound) ? report::format_fixed(e.bound, 2) : ".") + ")";
}

void diagnostics_section(report::Document& doc, const StudyResults& r) {
  const StudyDiagnostics& d = r.diagnostics;
  doc.section("Diagnostics");
  if (d.passed()) {
    doc.paragraph("The study passes its diagnostics gate (OHDSI CohortMethod's diagnostics and default thresholds; "
                  "checks marked \"not evaluated\" could not be computed and do not count).");
  } else {
    std::string words = "The study FAILS its diagnostics gate: ";
    const std::vector<std::string> f = d.failures();
    for (size_t k = 0; k < f.size(); ++k) words += (k ? "; " : "") + f[k];
    doc.paragraph(words + ". Read its estimates with that in mind.");
  }
  report::Table t;
  t.header = {"diagnostic", "about", "value", "threshold", "result", "how"};
  for (const DiagnosticCheck& c : d.checks) {
    const int decimals = c.name == "mdrr" ? 2 : 3;
    t.add_row({Cell::of_text(c.name), Cell::of_text(c.subject),
               Cell::of_number(std::isfinite(c.value) ? report::format_fixed(c.value, decimals) : "."),
               Cell::of_text(fmt::format("{} {:g}", c.at_least ? ">=" : "<", c.threshold)), Cell::of_text(describe_check(c)),
               Cell::of_text(c.note)});
  }
  doc.table(std::move(t));
  if (d.negative_controls.empty()) {
    doc.paragraph("No negative-control outcome is listed ([[outcome]] negative_control = true): the design's "
                  "systematic error is not measured and no interval is calibrated.");
  } else if (d.null.fitted()) {
    std::string names;
    for (size_t k = 0; k < d.negative_controls.size(); ++k) names += (k ? ", " : "") + d.negative_controls[k];
    doc.paragraph(fmt::format(
        "Negative controls ({}): outcomes enrolment cannot change. Their {} yearly log risk or rate ratios give the "
        "empirical null distribution of systematic error N({:.3f}, {:.3f}^2) (maximum likelihood, each estimate's "
        "standard error accounted for: Schuemie et al. 2014); calibrated ratios and p-values (Schuemie et al. 2018) "
        "stand beside the uncalibrated ones in each outcome's sensitivity table.",
        names, d.null.estimates, d.null.mean, d.null.sd));
  }
}

report::Table sensitivity_table(const OutcomeEffects& o, bool calibrated, double level) {
  const bool binary = o.spec.kind == EffectKind::Binary;
  const bool ratio = o.spec.kind != EffectKind::Mean;
  const bool pairs = !o.years.empty() && o.years.front().rosenbaum.pairs > 0;
  const bool adjusted = !o.spec.negative_control;
  report::Table t;
  t.header = {"year"};
  const char* ratio_name = binary ? "risk ratio" : "rate ratio";
  if (ratio) t.header.push_back(fmt::format("E-value of the {} (of its bound nearest 1)", ratio_name));
  if (binary) t.header.push_back("E-value of the odds ratio (of its bound nearest 1)");
  if (ratio && calibrated) {
    t.header.push_back(fmt::format("{} calibrated on the negative controls", ratio_name));
    t.header.push_back("calibrated p-value");
  }
  t.header.push_back("p-value of the difference");
  if (adjusted) {
    t.header.push_back("Holm-adjusted p-value");
    t.header.push_back("Benjamini-Hochberg-adjusted p-value");
  }
  if (pairs) t.header.push_back(fmt::format("Rosenbaum Gamma (one-sided {:g})", (1 - level) / 2));
  for (const YearEffect& e : o.years) {
    std::vector<Cell> row = {Cell::of_text(std::to_string(e.year))};
    if (ratio) row.push_back(Cell::of_number(evalue_text(e.ratio_evalue)));
    if (binary) row.push_back(Cell::of_number(evalue_text(e.odds_ratio_evalue)));
    if (ratio && calibrated) {
      const Estimate& c = e.calibrated_ratio;
      row.push_back(Cell::of_number(report::format_interval(report::Unit::Ratio, c.estimate, c.lower, c.upper)));
      row.push_back(Cell::of_number(report::format_p_value(c.p_value)));
    }
    row.push_back(Cell::of_number(report::format_p_value(e.difference.p_value)));
    if (adjusted) {
      row.push_back(Cell::of_number(report::format_p_value(e.p_holm)));
      row.push_back(Cell::of_number(report::format_p_value(e.p_bh)));
    }
    if (pairs) {
      const double g = e.rosenbaum.gamma;
      row.push_back(Cell::of_number(std::isnan(g) ? "." : std::isinf(g) ? "inf" : report::format_fixed(g, 2)));
    }
    const size_t r = t.add_row(std::move(row));
    std::vector<report::CellRef> linked;
    for (size_t c = 1; c < t.header.size(); ++c) linked.push_back({r, c});
    t.linked.push_back(std::move(linked));
  }
  return t;
}

}  // namespace impactsim
