#include "studies/impact/study_sensitivity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "models/sensitivity/multiplicity.hpp"

namespace impactsim {
namespace {

bool common(double risk) { return std::isfinite(risk) && risk > kCommonOutcomeShare; }

EValue evalue_of(const Estimate& e, RatioScale scale, bool common_outcome) {
  return evalue(e.estimate, e.lower, e.upper, scale, common_outcome);
}

// Hazard ratios: common when the controls' Kaplan-Meier risk over the period exceeds 15%.
void add_hazard_evalues(SurvivalEffects& s) {
  const KmCurve& km = s.curves[0];
  auto surv = [&](int t) { return t <= 0 ? 1.0 : km.at(t).surv; };
  const int last = s.spec.years.empty() ? 0 : s.spec.years.back();
  s.overall.evalue = evalue_of(s.overall.hazard_ratio, RatioScale::HazardRatio, common(1 - surv(last)));
  for (YearHazard& h : s.by_year) {
    h.evalue = evalue_of(h.hazard_ratio, RatioScale::HazardRatio, common(1 - surv(h.year) / surv(h.year - 1)));
  }
}

void add_evalues(std::vector<OutcomeEffects>& effects, std::optional<AdjustedMortality>& mortality,
                 std::optional<SurvivalEffects>& survival) {
  for (OutcomeEffects& o : effects) {
    for (YearEffect& e : o.years) {
      if (o.spec.kind == EffectKind::Binary) {
        e.ratio_evalue = evalue_of(e.ratio, RatioScale::RiskRatio, false);
        e.odds_ratio_evalue = evalue_of(e.odds_ratio, RatioScale::OddsRatio, common(e.control.value));
      } else if (o.spec.kind == EffectKind::Count) {
        e.ratio_evalue = evalue_of(e.ratio, RatioScale::RateRatio, false);
      }
    }
  }
  if (mortality) {
    for (YearEffect& e : mortality->years) e.odds_ratio_evalue = evalue_of(e.odds_ratio, RatioScale::OddsRatio, common(e.control.value));
  }
  if (survival) add_hazard_evalues(*survival);
}

EmpiricalNull calibrate_on_negative_controls(std::vector<OutcomeEffects>& effects, double level,
                                             std::vector<std::string>& names) {
  std::vector<double> log_ratio, se;
  for (const OutcomeEffects& o : effects) {
    if (!o.spec.negative_control) continue;
    names.push_back(o.spec.name);
    for (const YearEffect& e : o.years) {
      log_ratio.push_back(std::log(e.ratio.estimate));
      se.push_back(e.ratio.std_error);
    }
  }
  if (names.empty()) return {};
  const EmpiricalNull null = fit_empirical_null(log_ratio, se);
  if (!null.fitted()) return null;
  for (OutcomeEffects& o : effects) {
    for (YearEffect& e : o.years) {
      const CalibratedEstimate c = calibrate(null, std::log(e.ratio.estimate), e.ratio.std_error, level);
      if (std::isnan(c.log_ratio)) continue;
      e.calibrated_ratio = {std::exp(c.log_ratio), c.std_error, std::exp(c.lower), std::exp(c.upper), c.p_value};
    }
  }
  return null;
}

void adjust_p_values(std::vector<OutcomeEffects>& effects) {
  std::vector<double> p;
  for (const OutcomeEffects& o : effects) {
    if (o.spec.negative_control) continue;
    for (const YearEffect& e : o.years) p.push_back(e.difference.p_value);
  }
  const std::vector<double> holm = holm_adjust(p), bh = benjamini_hochberg_adjust(p);
  size_t k = 0;
  for (OutcomeEffects& o : effects) {
    if (o.spec.negative_control) continue;
    for (YearEffect& e : o.years) {
      e.p_holm = holm[k];
      e.p_bh = bh[k];
      ++k;
    }
  }
}

DiagnosticCheck check(std::string name, std::string subject, double value, double threshold, bool at_least) {
  DiagnosticCheck c{std::move(name), std::move(subject), value, threshold, at_least, CheckStatus::NotEvaluated, ""};
  if (std::isnan(value)) return c;
  const bool pass = at_least ? value >= threshold : value < threshold;
  c.status = pass ? CheckStatus::Pass : CheckStatus::Fail;
  return c;
}

// The least powered year's MDRR of a yearly estimate.
double worst_mdrr(const std::vector<YearEffect>& years, MdrrModel model, const DiagnosticThresholds& th) {
  double worst = NAN;
  for (const YearEffect& e : years) {
    const double n = static_cast<double>(e.treated.rows + e.control.rows);
    if (n == 0 || std::isnan(e.treated.events)) continue;
    const double m = minimum_detectable_relative_risk(static_cast<double>(e.treated.rows) / n, e.treated.events + e.control.events,
                                                      n, model, th.alpha, th.power);
    worst = std::isnan(worst) ? m : std::max(worst, m);
  }
  return worst;
}

// The MDRR of a hazard ratio over the whole follow-up ("cox").
DiagnosticCheck hazard_mdrr(const YearHazard& h, const std::string& subject, const DiagnosticThresholds& th) {
  const double n = static_cast<double>(h.patients[0] + h.patients[1]);
  const double m = n > 0 ? minimum_detectable_relative_risk(static_cast<double>(h.patients[1]) / n, h.events[0] + h.events[1], n,
                                                            MdrrModel::Cox, th.alpha, th.power)
                         : NAN;
  DiagnosticCheck c = check("mdrr", subject, m, th.mdrr, false);
  c.note = "whole follow-up";
  return c;
}

}  // namespace

const char* to_string(CheckStatus s) {
  switch (s) {
    case CheckStatus::Pass: return "pass";
    case CheckStatus::Fail: return "fail";
    case CheckStatus::NotEvaluated: return "not evaluated";
  }
  return "";
}

bool StudyDiagnostics::passed() const {
  return std::none_of(checks.begin(), checks.end(), [](const DiagnosticCheck& c) { return c.status == CheckStatus::Fail; });
}

std::string describe_check(const DiagnosticCheck& c) {
  return c.status == CheckStatus::Pass ? "passes" : c.status == CheckStatus::Fail ? "FAILS" : "not evaluated";
}

std::vector<std::string> StudyDiagnostics::failures() const {
  std::vector<std::string> out;
  for (const DiagnosticCheck& c : checks) {
    if (c.status != CheckStatus::Fail) continue;
    if (c.name == "equipoise") {
      out.push_back(fmt::format("equipoise {:.3f} is below the minimum {:g}: few patients had a real chance of either "
                                "group, so the matched members may not represent the members",
                                c.value, c.threshold));
    } else if (c.name == "balance") {
      out.push_back(fmt::format("the largest |standardized mean difference| after matching, {:.3f}, is not below {:g}: "
                                "the groups still differ on a measured covariate",
                                c.value, c.threshold));
    } else if (c.name == "mdrr") {
      out.push_back(fmt::format("{}: the minimum detectable relative risk {:.2f} is not below {:g}: too few events to "
                                "detect a plausible effect",
                                c.subject, c.value, c.threshold));
    } else {
      out.push_back(fmt::format("the expected absolute systematic error {:.3f} of the negative controls is not below "
                                "{:g}: the design finds effects where there are none",
                                c.value, c.threshold));
    }
  }
  return out;
}

StudyDiagnostics assess_study(const StudyAssessmentInput& in, std::vector<OutcomeEffects>& effects,
                              std::optional<AdjustedMortality>& mortality, std::optional<SurvivalEffects>& survival,
                              std::vector<SurvivalEffects>& events, const std::vector<std::string>& event_names) {
  StudyDiagnostics d;
  d.thresholds = in.thresholds;
  const DiagnosticThresholds& th = in.thresholds;
  add_evalues(effects, mortality, survival);
  d.null = calibrate_on_negative_controls(effects, in.level, d.negative_controls);
  adjust_p_values(effects);

  const PropensityModel& pm = in.propensity;
  d.checks.push_back(check("equipoise", "study population before matching",
                           equipoise(pm.score, pm.treated, {}, th.equipoise_lower, th.equipoise_upper), th.equipoise, true));
  d.checks.back().note = fmt::format("share with a preference score in [{:g}, {:g}]", th.equipoise_lower, th.equipoise_upper);
  double max_smd = NAN;
  for (const BalanceRow& r : in.balance.after) {
    if (r.name == "distance" || !std::isfinite(r.std_mean_diff)) continue;
    max_smd = std::isnan(max_smd) ? std::abs(r.std_mean_diff) : std::max(max_smd, std::abs(r.std_mean_diff));
  }
  d.checks.push_back(check("balance", "covariates after matching", max_smd, th.max_smd, false));
  d.checks.back().note = "largest |standardized mean difference|";
  for (const OutcomeEffects& o : effects) {
    if (o.spec.negative_control) continue;
    if (o.spec.kind == EffectKind::Mean) {
      d.checks.push_back(check("mdrr", o.spec.name, NAN, th.mdrr, false));
      d.checks.back().note = "a mean: no relative risk";
      continue;
    }
    const MdrrModel model = o.spec.kind == EffectKind::Binary ? MdrrModel::Logistic : MdrrModel::Cox;
    d.checks.push_back(check("mdrr", o.spec.name, worst_mdrr(o.years, model, th), th.mdrr, false));
    d.checks.back().note = "least powered year";
  }
  if (mortality) {
    d.checks.push_back(check("mdrr", "Death in the year (adjusted odds ratio)", worst_mdrr(mortality->years, MdrrModel::Logistic, th),
                             th.mdrr, false));
    d.checks.back().note = "least powered year";
  }
  if (survival) d.checks.push_back(hazard_mdrr(survival->overall, "Death as time to event (hazard ratio)", th));
  for (size_t k = 0; k < events.size(); ++k) {
    add_hazard_evalues(events[k]);
    d.checks.push_back(hazard_mdrr(events[k].overall, event_names[k] + " as time to event (hazard ratio)", th));
  }
  d.checks.push_back(check("ease", "negative controls", expected_absolute_systematic_error(d.null), th.ease, false));
  d.checks.back().note = d.negative_controls.empty() ? "the study lists no negative-control outcome"
                         : d.null.fitted()           ? fmt::format("{} estimates of {} outcomes", d.null.estimates, d.negative_controls.size())
                                                     : "no usable negative-control estimate";
  return d;
}

}  // namespace impactsim
