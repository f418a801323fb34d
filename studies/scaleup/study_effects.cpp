#include "studies/scaleup/study_effects.hpp"

#include "engine/error.hpp"

namespace impactsim {
namespace {

ReportedEffect reported(const Estimate& e, double level) { return {e.estimate, e.std_error, e.lower, e.upper, level}; }

// The effect on `column` by year; a year without an estimate carries the
// previous year's (none before: no effect). The outcome itself, not its
// death-proof versions (cumulative or composite: other estimands on the
// same column) nor a negative control.
YearlyEffect effect_of(const StudyResults& r, const std::string& column, Estimate YearEffect::*field, bool log_scale) {
  YearlyEffect e;
  for (const OutcomeEffects& o : r.outcomes) {
    if (o.spec.column != column || o.spec.death_proof != DeathProof::None || o.spec.negative_control) continue;
    e.value.clear();
    e.std_error.clear();
    for (const YearEffect& y : o.years) {
      const Estimate& est = y.*field;
      if (!std::isfinite(est.estimate) || !std::isfinite(est.lower)) {
        e.value.push_back(e.value.empty() ? 0.0 : e.value.back());
        e.std_error.push_back(e.std_error.empty() ? 0.0 : e.std_error.back());
        continue;
      }
      e.add_year(reported(est, r.level), log_scale);
    }
    if (e.value.empty()) e = YearlyEffect{};
  }
  return e;
}

}  // namespace

EnrolmentEffects enrolment_effects_from(const StudyResults& r, const std::string& where) {
  if (r.data.generated && r.data.programme != "diabetes") {
    throw InputError(where + ": results of the \"" + r.data.programme +
                     "\" programme; the microsimulation needs a diabetes study's results");
  }
  EnrolmentEffects e;
  e.fundus = effect_of(r, "fundus_2y", &YearEffect::odds_ratio, true);
  e.renal_check = effect_of(r, "renal_check", &YearEffect::odds_ratio, true);
  e.dental = effect_of(r, "dental", &YearEffect::odds_ratio, true);
  e.stays = effect_of(r, "hosp_stays", &YearEffect::ratio, true);
  e.days = effect_of(r, "hosp_days", &YearEffect::ratio, true);
  e.days_per_stay_from_total_days();
  e.spending = effect_of(r, "spend_total", &YearEffect::difference, false);
  if (r.mortality) {
    e.death.value.clear();
    e.death.std_error.clear();
    for (const YearEffect& y : r.mortality->years) {
      if (std::isfinite(y.odds_ratio.estimate)) e.death.add_year(reported(y.odds_ratio, r.level), true);
    }
    if (e.death.value.empty()) e.death = YearlyEffect{};
  }
  return e;
}

}  // namespace impactsim
