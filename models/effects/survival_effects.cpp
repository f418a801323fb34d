#include "models/effects/survival_effects.hpp"

#include <algorithm>
#include <cmath>

#include "engine/error.hpp"
#include "models/effects/matched_cohort.hpp"
#include "models/effects/wald.hpp"
#include "models/survival/cox.hpp"
#include "models/survival/cox_zph.hpp"

namespace impactsim {
namespace {

struct Subjects {
  std::vector<double> time, weight;
  std::vector<uint8_t> status, treated;
  std::vector<int64_t> cluster;

  // Patient p of the matched cohort, followed for `t` years, with or without the event.
  void add(const Matched& m, size_t p, double t, bool event) {
    time.push_back(t);
    status.push_back(event);
    weight.push_back(m.weight[p]);
    treated.push_back(m.treated[p]);
    cluster.push_back(m.cluster[p]);
  }
};

// Cox ~ treated with the matching weights, clustered by matched set.
YearHazard hazard_ratio(const Subjects& s, double z, int year) {
  YearHazard h;
  h.year = year;
  for (size_t i = 0; i < s.time.size(); ++i) {
    h.patients[s.treated[i]]++;
    h.events[s.treated[i]] += s.status[i];
  }
  if (h.events[0] == 0 || h.events[1] == 0 || h.patients[0] == 0 || h.patients[1] == 0) return h;
  Eigen::MatrixXd x(static_cast<Eigen::Index>(s.time.size()), 1);
  for (size_t i = 0; i < s.time.size(); ++i) x(static_cast<Eigen::Index>(i), 0) = s.treated[i];
  CoxData d;
  d.x = &x;
  d.time = s.time;
  d.status = s.status;
  d.weights = s.weight;
  d.cluster = s.cluster;
  d.names = {"treated"};
  try {
    const CoxFit f = fit_cox(d);
    h.hazard_ratio = exp_of(wald(f.coefficients[0], std::sqrt(f.robust_var(0, 0)), z));
    h.clusters = f.clusters;
    if (year == 0) {
      const CoxZph zph = cox_zph(d, f, {0}, {"treated"});
      h.zph_chisq = zph.rows[0].chisq;
      h.zph_p = zph.rows[0].p_value;
    }
  } catch (const InputError&) {
    // No estimable ratio in this year (e.g. one group without events): left missing.
  }
  return h;
}

}  // namespace

SurvivalEffects estimate_survival(const Table& patients, const Table& yearly, const SurvivalSpec& spec, const EffectOptions& options) {
  const CohortColumns& c = options.columns;
  const Matched m = matched_patients(patients, c);
  const YearRows by_year = rows_by_year(yearly, m, c);
  const Column& death = require(yearly, spec.death_column, "survival");
  const Column& exposure = require(yearly, c.exposure, "survival");
  const double z = z_of(options.level);
  SurvivalEffects out;
  out.spec = spec;
  if (spec.years.empty()) throw InputError("survival: no programme year to follow");
  // Whole follow-up: exposures summed over programme years 1..last, death in any.
  const size_t n = m.weight.size();
  std::vector<double> time(n, 0.0);
  std::vector<uint8_t> died(n, 0);
  const int last = *std::max_element(spec.years.begin(), spec.years.end());
  for (int t = 1; t <= last; ++t) {
    for (const auto& [r, p] : rows_of(by_year, t)) {
      if (death.is_missing(r) || exposure.is_missing(r)) continue;
      time[p] += exposure.numeric_value(r);
      died[p] |= death.numeric_value(r) != 0;
    }
  }
  // Another event: its time, censored by the follow-up (death or the end).
  std::vector<double> event(n, INFINITY);
  if (!spec.event_time_column.empty()) {
    const Column& e = require(patients, spec.event_time_column, "time to event");
    for (size_t p = 0; p < n; ++p) {
      if (m.weight[p] <= 0 || e.is_missing(p)) continue;
      event[p] = e.numeric_value(p);
      if (!(event[p] >= 0)) {
        throw InputError("time to event: column \"" + spec.event_time_column + "\" holds " + std::to_string(event[p]) + " (row " +
                         std::to_string(p + 1) + "); event times are years since the index date, 0 or more, missing when "
                         "the event did not happen");
      }
    }
    for (size_t p = 0; p < n; ++p) {
      died[p] = event[p] <= time[p];
      time[p] = std::min(time[p], event[p]);
    }
  }
  Subjects all;
  for (size_t p = 0; p < n; ++p) {
    if (m.weight[p] > 0 && time[p] > 0) all.add(m, p, time[p], died[p] != 0);
  }
  if (all.time.empty()) throw InputError("survival: no matched patient has follow-up in the yearly table");
  std::vector<int32_t> group(all.treated.begin(), all.treated.end());
  const auto curves = kaplan_meier(all.time, all.status, all.weight, group, {"controls", "members"}, options.level);
  out.curves[0] = curves[0];
  out.curves[1] = curves[1];
  out.overall = hazard_ratio(all, z, 0);
  for (int g : {0, 1}) out.restricted_mean[g] = out.curves[g].restricted_mean(last);
  out.restricted_mean_difference = wald(out.restricted_mean[1].estimate - out.restricted_mean[0].estimate,
                                        std::hypot(out.restricted_mean[0].std_error, out.restricted_mean[1].std_error), z);
  for (int t : spec.years) {
    Subjects s;
    if (spec.event_time_column.empty()) {
      for (const auto& [r, p] : rows_of(by_year, t)) {
        if (death.is_missing(r) || exposure.is_missing(r) || !(exposure.numeric_value(r) > 0)) continue;
        s.add(m, p, exposure.numeric_value(r), death.numeric_value(r) != 0);
      }
    } else {
      // At risk at the start of year t: followed beyond t - 1 and no event yet.
      for (size_t p = 0; p < n; ++p) {
        if (m.weight[p] <= 0 || !(time[p] > t - 1)) continue;
        s.add(m, p, std::min(time[p], static_cast<double>(t)) - (t - 1), died[p] && time[p] <= t);
      }
    }
    out.by_year.push_back(hazard_ratio(s, z, t));
  }
  return out;
}

}  // namespace impactsim
