#include "models/balance/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace impactsim {
namespace {

std::string cell(double v) { return std::isnan(v) ? "." : fmt::format("{:.4f}", v); }

std::string table(const std::vector<BalanceRow>& rows, double threshold) {
  size_t w = 4;
  for (const auto& r : rows) w = std::max(w, r.name.size());
  std::string out = fmt::format("{:<{}}  {:>13} {:>13} {:>15} {:>10} {:>9} {:>9}\n", "", w, "Means Treated",
                                "Means Control", "Std. Mean Diff.", "Var. Ratio", "eCDF Mean", "eCDF Max");
  size_t flagged = 0;
  for (const auto& r : rows) {
    out += fmt::format("{:<{}}  {:>13} {:>13} {:>15} {:>10} {:>9} {:>9}{}\n", r.name, w, cell(r.mean_treated),
                       cell(r.mean_control), cell(r.std_mean_diff), cell(r.var_ratio), cell(r.ecdf_mean),
                       cell(r.ecdf_max), r.flagged ? " *" : "");
    flagged += r.flagged;
  }
  out += fmt::format("* {} of {} above the threshold {} (raw difference for 0/1 columns, standardized otherwise)\n",
                     flagged, rows.size(), threshold);
  return out;
}

nlohmann::json rows_json(const std::vector<BalanceRow>& rows) {
  nlohmann::json a = nlohmann::json::array();
  auto num = [](double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); };
  for (const auto& r : rows) {
    a.push_back({{"term", r.name},
                 {"binary", r.binary},
                 {"means_treated", num(r.mean_treated)},
                 {"means_control", num(r.mean_control)},
                 {"std_mean_diff", num(r.std_mean_diff)},
                 {"var_ratio", num(r.var_ratio)},
                 {"ecdf_mean", num(r.ecdf_mean)},
                 {"ecdf_max", num(r.ecdf_max)},
                 {"balance_stat", num(r.balance_stat)},
                 {"flagged", r.flagged}});
  }
  return a;
}

}  // namespace

std::string format_balance(const BalanceReport& b) {
  const SampleSizes& s = b.sizes;
  std::string out = "Sample Sizes:\n";
  out += fmt::format("{:<14} {:>10} {:>10}\n", "", "Control", "Treated");
  auto row = [&](const char* name, const double* v, bool ess) {
    out += ess ? fmt::format("{:<14} {:>10.2f} {:>10.2f}\n", name, v[0], v[1])
               : fmt::format("{:<14} {:>10.0f} {:>10.0f}\n", name, v[0], v[1]);
  };
  row("All", s.all, false);
  if (!b.after.empty()) {
    row("Matched (ESS)", s.matched_ess, true);
    row("Matched", s.matched, false);
    row("Unmatched", s.unmatched, false);
  }
  row("Discarded", s.discarded, false);
  out += "\nSummary of Balance for All Data:\n" + table(b.before, b.threshold);
  if (!b.after.empty()) out += "\nSummary of Balance for Matched Data:\n" + table(b.after, b.threshold);
  return out;
}

nlohmann::json balance_to_json(const BalanceReport& b) {
  const SampleSizes& s = b.sizes;
  auto pair = [](const double* v) { return nlohmann::json{{"control", v[0]}, {"treated", v[1]}}; };
  nlohmann::json j = {{"threshold", b.threshold},
                      {"sample_sizes",
                       {{"all", pair(s.all)},
                        {"all_ess", pair(s.all_ess)},
                        {"matched", pair(s.matched)},
                        {"matched_ess", pair(s.matched_ess)},
                        {"unmatched", pair(s.unmatched)},
                        {"discarded", pair(s.discarded)}}},
                      {"before", rows_json(b.before)}};
  if (!b.after.empty()) j["after"] = rows_json(b.after);
  return j;
}

}  // namespace impactsim
