// The cohort microsimulation of scale-up scenarios: individual, annual,
// with common random numbers and probabilistic sensitivity analysis.
//
// Each year, for each person alive: enrolment (eligible persons enrol with
// probability take-up × ramp-up of the year; members drop out at a yearly
// rate), death, each exam in its window, hospital stays and days, spending,
// comorbidity onsets (which raise the next years' risks through the models'
// comorbidity terms), ageing. The processes are the fitted transition
// models; members' processes are shifted by the effects of enrolment (odds
// ratios, rate ratios, spending difference) by programme year: a member's first year in the programme
// takes the study's year-1 effect, whenever it falls. A study's effect for
// year y is a total effect (it includes what earlier years' effects carry
// over), so members' state — last year's exams and hospitalisation — follows
// their no-programme path on the same uniforms; feeding programme-induced
// exams back through the lags would count the carry-over twice.
//
// Common random numbers: a person's eight uniforms in a year come from one
// Philox4x64 block keyed by (seed, person id, year), in a fixed order, the
// same in every scenario and every PSA draw; scenarios differ only where policy
// differs, and results do not depend on the thread count.
//
// Spending enters as its conditional mean given the state (log-normal:
// exp(mu + sigma^2 / 2) - 1), not as a draw: the outputs are sums, so the
// residual would only add noise.
//
// PSA: draw 0 uses the point estimates; draws 1..N take the coefficients of
// every model from a multivariate normal (mean, covariance) and each effect
// from a normal on its own scale.
#pragma once

#include <Eigen/Core>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/microsim/transition_models.hpp"

namespace impactsim {

// One year's effect as a study reports it: the estimate on the natural
// scale (a ratio, or euros), and its standard error on the effect's scale
// (log for ratios) or, when that is not known, an interval with its level.
struct ReportedEffect {
  double estimate = NAN;
  double std_error = NAN;  // on the log scale for ratios
  double lower = NAN, upper = NAN;
  double level = 0.95;     // the interval's confidence level
};

// An effect of enrolment by programme year (index 0 = year 1; the last
// value holds for later years), on its scale (log odds or log rate ratio, or
// euros), with its standard error.
struct YearlyEffect {
  std::vector<double> value = {0.0}, std_error = {0.0};
  double at(int year) const { return value[static_cast<size_t>(std::min<int>(year, static_cast<int>(value.size())) - 1)]; }
  double se_at(int year) const {
    return std_error[static_cast<size_t>(std::min<int>(year, static_cast<int>(std_error.size())) - 1)];
  }
  // One year's effect, added on the effect's scale: log for ratios
  // (log_scale). Its standard error is the reported one when given, else
  // the interval's half-width over the normal quantile of its level.
  // InputError for an interval that does not contain the estimate, a ratio
  // that is not positive, or a level outside (0, 1).
  void add_year(const ReportedEffect& e, bool log_scale);
};

struct EnrolmentEffects {
  YearlyEffect death, fundus, renal_check, dental;  // log odds ratios
  YearlyEffect stays, days;                         // log rate ratios (days: per stay, beyond the first)
  YearlyEffect spending;                            // euros per member-year
  // `days` read as the ratio of total hospital days (as a study reports
  // it) becomes the ratio of days per stay: the days ratio over the stays
  // ratio, their variances added (covariance unknown; the two ratios
  // correlate positively, so this errs wide).
  void days_per_stay_from_total_days();
  nlohmann::json to_json() const;
};

struct Scenario {
  std::string name;
  std::vector<uint8_t> eligible;   // per person; empty = nobody
  double take_up = 0;              // yearly probability an eligible non-member enrols (× ramp-up)
  std::vector<double> ramp_up = {1.0};  // by year, last value holds
  double drop_out = 0;             // yearly probability a member leaves (for good)
  double cost_per_member = 0;      // euros per member-year
  std::vector<uint8_t> members_at_start;  // per person: members from year 1 (current enrolment); empty = nobody
};

struct SimulationOptions {
  int horizon = 10;
  double discount_rate = 0.0;  // spending and cost, from year 1
  uint64_t seed = 1;
  int psa_draws = 0;
  double scale = 1.0;          // multiplies every total (weight to national counts)
  // Memory for the partial sums of the parallel reduction (one total per
  // block of 2048 persons, draw, scenario, year and output). Draws are
  // simulated in groups whose sums fit in it; each group is one pass over
  // the persons, drawing their uniforms once for all its draws and
  // scenarios. Results do not depend on it.
  size_t partial_sums_bytes = size_t{32} << 20;
};

enum Output { kMembers, kFundus, kRenalCheck, kDental, kStays, kDays, kDeaths, kSpending, kProgrammeCost, kOnsets, kOutputs };
const char* output_name(int output);

struct SimulationResult {
  std::vector<std::string> scenarios;
  int horizon = 0, draws = 1;  // draws: 1 + PSA draws (draw 0: point estimates)
  std::vector<double> totals;  // [draw][scenario][year][output]
  double at(int draw, size_t scenario, int year, int output) const {
    return totals[((static_cast<size_t>(draw) * scenarios.size() + scenario) * static_cast<size_t>(horizon) +
                   static_cast<size_t>(year - 1)) * kOutputs + static_cast<size_t>(output)];
  }
};

// `state`: baseline state per person (baseline_state()); `ids`: their ids.
SimulationResult simulate(const TransitionModels& models, const EnrolmentEffects& effects, const Eigen::MatrixXd& state,
                          const std::vector<int64_t>& ids, const std::vector<Scenario>& scenarios,
                          const SimulationOptions& options);

}  // namespace impactsim
