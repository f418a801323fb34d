// Validation by simulation across designs and outcome families (issue 16):
// on generated diabetes cohorts with known truth, for 1:1 matching, 2:1
// matching and 1:1 matching with replacement, each estimate's bias, the
// coverage of its 95% interval, and its standard error against the spread
// of the estimates over replicates:
// - binary: fundus exam in the 2-year window, risk difference in year 2;
// - count: hospital stays, log rate ratio in year 2;
// - spending: total spending, mean difference in year 2;
// - death: death by the end of year 7, risk difference (every matched patient);
// - the adjusted odds ratio of death in year 7 (truth: the generator's 0.71);
// - the hazard ratio of death, over the whole follow-up and in year 7, on
//   cohorts whose mortality effect is null (a parameter file with death odds
//   ratios of 1: the generator defines no marginal hazard ratio otherwise).
// Truths: truth.json's effects on the members (each member with and
// without enrolment on the same random numbers).
//
// `make test` runs 12 replicates of 20,000 patients per design and checks
// |bias| below one standard error, coverage of at least 75%, and the mean
// standard error within [0.55, 1.7] times the estimates' spread: an
// inflated standard error (twice the truth) fails it although it would
// cover. `make validate` runs 200 replicates of 80,000 patients and checks
// |bias| below 0.1 SE and coverage in 92-98%.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "models/effects/effects.hpp"
#include "models/effects/survival_effects.hpp"
#include "test_util.hpp"
#include "validation/validation_util.hpp"

namespace impactsim {
namespace {

// One estimate of one replicate, on the scale its interval is symmetric on.
struct Draw {
  double estimate, std_error, truth;
  bool covered;
};

Draw draw_of(const Estimate& e, double truth) {
  return {e.estimate, e.std_error, truth, e.lower <= truth && truth <= e.upper};
}
// A ratio: log scale (its std_error is already on it).
Draw log_draw_of(const Estimate& e, double truth) {
  return {std::log(e.estimate), e.std_error, std::log(truth), e.lower <= truth && truth <= e.upper};
}

struct Summary {
  double bias_in_se, coverage, se_over_sd;
};

Summary summarise(const std::vector<Draw>& d) {
  const double n = static_cast<double>(d.size());
  double err = 0, se = 0, mean = 0, cover = 0;
  for (const Draw& x : d) {
    err += x.estimate - x.truth;
    se += x.std_error;
    mean += x.estimate - x.truth;  // the truth moves a little between replicates: spread of the error
    cover += x.covered;
  }
  mean /= n;
  double ss = 0;
  for (const Draw& x : d) ss += (x.estimate - x.truth - mean) * (x.estimate - x.truth - mean);
  const double sd = std::sqrt(ss / (n - 1));
  return {std::abs(err / n) / (se / n), cover / n, (se / n) / sd};
}

double full_or_short(int reps, double full, double short_run) { return reps >= 200 ? full : short_run; }

const nlohmann::json& truth_of(const generator::GeneratedCohort& c, const char* outcome, int year) {
  return c.truth["effects_on_members"]["outcomes"][outcome]["by_year"][year - 1];
}

// The diabetes parameter file with no effect of enrolment on death.
std::string null_mortality_parameters(const testing::TempDir& dir) {
  const std::string path = std::string(IMPACTSIM_DATA_DIR) + "/diabetes.toml";
  std::string text = testing::read_file(path);
  const size_t at = text.find("death_odds_ratio = { values = [");
  const size_t end = text.find(']', at);
  text.replace(at, end - at + 1, "death_odds_ratio = { values = [1.0]");
  const std::string out = dir.file("diabetes_null_mortality.toml");
  testing::write_file(out, text);
  return out;
}

TEST(Validation, EveryOutcomeFamilyUnderEachMatchingDesign) {
  const int reps = env_int("IMPACTSIM_VALIDATION_REPLICATES", 12);
  const bool full = reps >= 200;
  const int64_t patients = env_int("IMPACTSIM_VALIDATION_PATIENTS", full ? 80000 : 20000);
  testing::TempDir dir;
  const std::string null_parameters = null_mortality_parameters(dir);
  const std::vector<std::pair<std::string, MatchingChoice>> designs = {
      {"1:1", {1, false, kFormula}}, {"2:1", {2, false, kFormula}}, {"1:1 with replacement", {1, true, kFormula}}};
  const std::vector<OutcomeSpec> outcomes = {
      {"fundus", "fundus_2y", EffectKind::Binary, {2}, false, "", "", false, false, false, DeathProof::None},
      {"stays", "hosp_stays", EffectKind::Count, {2}, false, "", "", false, false, false, DeathProof::None},
      {"spending", "spend_total", EffectKind::Mean, {2}, false, "", "euros", false, false, false, DeathProof::None},
      {"death", "death_year", EffectKind::Binary, {7}, false, "", "", false, true, false, DeathProof::None}};
  for (const auto& [name, design] : designs) {
    std::map<std::string, std::vector<Draw>> draws;
    for (int r = 0; r < reps; ++r) {
      const MatchedCohort mc = generate_and_match(cohort_options(1000 + r, patients, false), design);
      const generator::GeneratedCohort& c = mc.cohort;
      const std::vector<OutcomeEffects> e = estimate_effects(mc.matched, c.yearly, outcomes);
      draws["fundus risk difference, year 2"].push_back(draw_of(e[0].years[0].difference, truth_of(c, "fundus_2y", 2)["risk_difference"]));
      draws["stays log rate ratio, year 2"].push_back(log_draw_of(e[1].years[0].ratio, truth_of(c, "hosp_stays", 2)["rate_ratio"]));
      draws["spending difference, year 2"].push_back(draw_of(e[2].years[0].difference, truth_of(c, "spend_total", 2)["difference"]));
      draws["death by year 7, risk difference"].push_back(draw_of(e[3].years[0].difference, truth_of(c, "death", 7)["risk_difference"]));
      const YearEffect am = estimate_adjusted_mortality(mc.matched, c.yearly, {"death", kMortalityCovariates, {7}}).years[0];
      draws["adjusted log odds ratio of death, year 7"].push_back(
          log_draw_of(am.odds_ratio, c.truth["true_parameters"]["death_odds_ratio"]["by_year"][6].get<double>()));
      generator::GenerateOptions null_options = cohort_options(2000 + r, patients, false);
      null_options.parameters = null_parameters;
      const MatchedCohort nc = generate_and_match(null_options, design);
      const SurvivalEffects s = estimate_survival(nc.matched, nc.cohort.yearly, {"death", {1, 2, 3, 4, 5, 6, 7}, ""});
      draws["log hazard ratio of death (null), whole follow-up"].push_back(log_draw_of(s.overall.hazard_ratio, 1.0));
      draws["log hazard ratio of death (null), year 7"].push_back(log_draw_of(s.by_year.back().hazard_ratio, 1.0));
    }
    for (const auto& [what, d] : draws) {
      SCOPED_TRACE(name + ": " + what);
      const Summary s = summarise(d);
      std::cout << "validation, " << name << " matching, " << reps << " x " << patients << " patients: " << what
                << ": |bias| = " << s.bias_in_se << " SE, coverage = " << s.coverage << ", SE / SD = " << s.se_over_sd
                << "\n";
      if (full) {
        EXPECT_LT(s.bias_in_se, 0.10);
        EXPECT_GE(s.coverage, 0.92);
        EXPECT_LE(s.coverage, 0.98);
      } else {
        EXPECT_LT(s.bias_in_se, 1.0);
        EXPECT_GE(s.coverage, 0.75);
        EXPECT_GE(s.se_over_sd, 0.55);
        EXPECT_LE(s.se_over_sd, 1.7);
      }
    }
  }
}

// The heart-failure study's adjusted odds ratio of death in year 3 (truth
// 0.95, the generator's conditional odds ratio): a 48-replicate run put its
// mean at 0.968. Over more replicates, is that bias or Monte-Carlo error?
// The mean log odds ratio is compared with the truth in units of its own
// Monte-Carlo standard error (SD / sqrt(replicates)).
TEST(Validation, HeartFailureAdjustedOddsRatioOfYear3) {
  const int reps = env_int("IMPACTSIM_VALIDATION_REPLICATES", 12) >= 200 ? 200 : 8;
  const MatchingChoice design{
      1, false,
      "enrolled ~ sex + age + deprivation + low_income + nyha + diabetes + renal_disease + copd + atrial_fibrillation + "
      "prior_stays + index_los"};
  const std::string covariates = "sex + age + nyha + diabetes + renal_disease + copd + atrial_fibrillation";
  std::vector<Draw> draws;
  for (int r = 0; r < reps; ++r) {
    generator::GenerateOptions g = cohort_options(3000 + r, 20000, false);
    g.programme = "heart-failure";
    g.years = 3;
    const MatchedCohort mc = generate_and_match(g, design);
    const YearEffect am = estimate_adjusted_mortality(mc.matched, mc.cohort.yearly, {"death", covariates, {3}}).years[0];
    draws.push_back(log_draw_of(am.odds_ratio, mc.cohort.truth["true_parameters"]["death_odds_ratio"]["by_year"][2].get<double>()));
  }
  double mean = 0, ss = 0;
  for (const Draw& d : draws) mean += (d.estimate - d.truth) / reps;
  for (const Draw& d : draws) ss += (d.estimate - d.truth - mean) * (d.estimate - d.truth - mean);
  const double mc_se = std::sqrt(ss / (reps - 1) / reps);
  const Summary s = summarise(draws);
  std::cout << "heart failure, adjusted odds ratio of death in year 3, " << reps << " x 20000 patients: mean "
            << std::exp(mean + draws[0].truth) << " against " << std::exp(draws[0].truth) << " (log bias " << mean
            << ", Monte-Carlo SE " << mc_se << ", " << mean / mc_se << " MC SEs), coverage " << s.coverage << ", SE / SD "
            << s.se_over_sd << "\n";
  EXPECT_LT(std::abs(mean), 3 * mc_se);
  EXPECT_GE(s.coverage, full_or_short(reps, 0.92, 0.6));
}

}  // namespace
}  // namespace impactsim
