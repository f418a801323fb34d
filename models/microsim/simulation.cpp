#include "models/microsim/simulation.hpp"

#include <Eigen/Cholesky>
#include <bit>
#include <cmath>

#include "engine/error.hpp"
#include "engine/parallel.hpp"
#include "engine/random_stream.hpp"

namespace impactsim {

const char* output_name(int output) {
  static const char* names[kOutputs] = {"members", "fundus_2y", "renal_check", "dental", "hosp_stays", "hosp_days",
                                        "deaths", "spending", "programme_cost", "comorbidity_onsets"};
  return names[output];
}

namespace {

constexpr uint64_t kMicrosimStream = 0x6d73;  // "ms"
constexpr uint64_t kOnsetStream = 0x6f6e;     // "on"

YearlyEffect effect_of(const nlohmann::json& results, const std::string& column, const char* field, bool log_scale) {
  YearlyEffect e;
  if (!results.contains("outcomes")) return e;
  for (const auto& o : results["outcomes"]) {
    if (o.value("column", "") != column) continue;
    e.value.clear();
    e.std_error.clear();
    for (const auto& y : o["by_year"]) {
      const auto& est = y[field];
      if (!est["estimate"].is_number() || !est["lower"].is_number()) {
        e.value.push_back(e.value.empty() ? 0.0 : e.value.back());
        e.std_error.push_back(e.std_error.empty() ? 0.0 : e.std_error.back());
        continue;
      }
      e.add_year(est["estimate"], est["lower"], est["upper"], log_scale);
    }
    if (e.value.empty()) e = YearlyEffect{};
  }
  return e;
}

nlohmann::json yearly_json(const YearlyEffect& e) { return {{"value", e.value}, {"std_error", e.std_error}}; }

constexpr int kFirstOnset = static_cast<int>(Process::OnsetCardiovascular);

// Which comorbidities start in a survivor's year where at least one does:
// independent onsets with probabilities p_c = odds_c / (1 + odds_c), drawn
// conditionally on "at least one" (the caller decided that on the
// person-year's own uniform), from a stream of their own: the first c
// starts with P(c | at least one among c..) = p_c / (1 - prod_{j>=c}(1 - p_j));
// once one has started, the later ones are unconditional.
template <class Odds>
int draw_onsets(int present, const Odds& odds_of, uint64_t seed, uint64_t id, int year) {
  double p[kComorbidityStates], none_from[kComorbidityStates + 1];
  for (int c = 0; c < kComorbidityStates; ++c) {
    const double o = (present >> c & 1) ? 0.0 : odds_of(static_cast<Process>(kFirstOnset + c));
    p[c] = o / (1 + o);
  }
  none_from[kComorbidityStates] = 1;
  for (int c = kComorbidityStates - 1; c >= 0; --c) none_from[c] = none_from[c + 1] * (1 - p[c]);
  RandomStream r(seed, id, kOnsetStream, static_cast<uint64_t>(year));
  int gained = 0;
  for (int c = 0; c < kComorbidityStates; ++c) {
    const double q = gained ? p[c] : p[c] / (1 - none_from[c]);
    if (r.uniform() < q) gained |= 1 << c;
  }
  return gained;
}

}  // namespace

void YearlyEffect::add_year(double estimate, double lower, double upper, bool log_scale) {
  constexpr double kZ975 = 1.959963984540054;
  value.push_back(log_scale ? std::log(estimate) : estimate);
  std_error.push_back(log_scale ? (std::log(upper) - std::log(lower)) / (2 * kZ975) : (upper - lower) / (2 * kZ975));
}

void EnrolmentEffects::days_per_stay_from_total_days() {
  for (size_t k = 0; k < days.value.size(); ++k) {
    const int year = static_cast<int>(k) + 1;
    days.value[k] -= stays.at(year);
    days.std_error[k] = std::hypot(days.std_error[k], stays.se_at(year));
  }
}

EnrolmentEffects EnrolmentEffects::from_study_results(const nlohmann::json& r, const std::string& where) {
  if (!r.is_object() || !r.contains("study") || !r.contains("outcomes")) {
    throw InputError(where + ": not a study's results.json (written by impactsim run)");
  }
  EnrolmentEffects e;
  e.fundus = effect_of(r, "fundus_2y", "odds_ratio", true);
  e.renal_check = effect_of(r, "renal_check", "odds_ratio", true);
  e.dental = effect_of(r, "dental", "odds_ratio", true);
  e.stays = effect_of(r, "hosp_stays", "ratio", true);
  e.days = effect_of(r, "hosp_days", "ratio", true);
  e.days_per_stay_from_total_days();
  e.spending = effect_of(r, "spend_total", "difference", false);
  if (r.contains("adjusted_mortality")) {
    e.death.value.clear();
    e.death.std_error.clear();
    for (const auto& y : r["adjusted_mortality"]["by_year"]) {
      const auto& est = y["adjusted_odds_ratio"];
      if (!est["estimate"].is_number()) continue;
      e.death.add_year(est["estimate"], est["lower"], est["upper"], true);
    }
    if (e.death.value.empty()) e.death = YearlyEffect{};
  }
  return e;
}

nlohmann::json EnrolmentEffects::to_json() const {
  return {{"death_log_odds_ratio", yearly_json(death)},   {"fundus_2y_log_odds_ratio", yearly_json(fundus)},
          {"renal_check_log_odds_ratio", yearly_json(renal_check)}, {"dental_log_odds_ratio", yearly_json(dental)},
          {"hosp_stays_log_rate_ratio", yearly_json(stays)},  {"hosp_days_log_rate_ratio", yearly_json(days)},
          {"spending_difference_euros", yearly_json(spending)}};
}

SimulationResult simulate(const TransitionModels& models, const EnrolmentEffects& effects, const Eigen::MatrixXd& state,
                          const std::vector<int64_t>& ids, const std::vector<Scenario>& scenarios,
                          const SimulationOptions& options) {
  if (options.horizon < 1 || options.horizon > 100) throw InputError("horizon must lie in 1..100 years");
  if (options.psa_draws < 0) throw InputError("psa_draws must be 0 or more");
  if (scenarios.empty()) throw InputError("no scenario to simulate");
  const auto n = static_cast<size_t>(state.rows());
  for (const auto& s : scenarios) {
    if (!s.eligible.empty() && s.eligible.size() != n) throw std::invalid_argument("simulate: eligibility of another length");
    for (double p : {s.take_up, s.drop_out}) {
      if (!(p >= 0 && p <= 1)) throw InputError("scenario \"" + s.name + "\": probabilities must lie in [0, 1]");
    }
    for (double p : s.ramp_up) {
      if (!(p >= 0 && p <= 1)) throw InputError("scenario \"" + s.name + "\": ramp-up fractions must lie in [0, 1]");
    }
  }
  const int H = options.horizon;
  const int draws = 1 + options.psa_draws;
  SimulationResult res;
  for (const auto& s : scenarios) res.scenarios.push_back(s.name);
  res.horizon = H;
  res.draws = draws;
  res.totals.assign(static_cast<size_t>(draws) * scenarios.size() * static_cast<size_t>(H) * kOutputs, 0.0);

  // Square roots of the coefficient covariances, for the PSA draws.
  std::vector<Eigen::MatrixXd> chol;
  if (models.models.size() != static_cast<size_t>(Process::Count)) throw std::invalid_argument("simulate: a model per process");
  for (const auto& m : models.models) {
    if (m.beta.size() != kStates + 1 || m.cov.rows() != m.beta.size() || m.cov.cols() != m.beta.size()) {
      throw std::invalid_argument(std::string("simulate: model ") + to_string(m.process) + " has coefficients of another size");
    }
    // A square root P' L D^(1/2) from the pivoted LDLT factorisation, which
    // also serves a semidefinite covariance (one with a structural zero).
    const Eigen::LDLT<Eigen::MatrixXd> ldlt(m.cov);
    const Eigen::VectorXd root_d = ldlt.vectorD().cwiseMax(0.0).cwiseSqrt();
    chol.push_back(ldlt.transpositionsP().transpose() * (Eigen::MatrixXd(ldlt.matrixL()) * root_d.asDiagonal()));
  }
  const size_t per_year = kOutputs;
  constexpr int kProcs = static_cast<int>(Process::Count);
  std::vector<double> discounts;
  for (int t = 1; t <= H; ++t) discounts.push_back(std::pow(1.0 + options.discount_rate, -(t - 1)));
  for (int d = 0; d < draws; ++d) {
    // Parameters of this draw.
    std::vector<Eigen::VectorXd> beta;
    for (size_t k = 0; k < models.models.size(); ++k) {
      Eigen::VectorXd b = models.models[k].beta;
      if (d > 0) {
        RandomStream r(options.seed, static_cast<uint64_t>(d), 0x707361 + k);
        Eigen::VectorXd z(b.size());
        for (Eigen::Index j = 0; j < z.size(); ++j) z[j] = r.normal();
        b += chol[k] * z;
      }
      beta.push_back(std::move(b));
    }
    auto draw_effect = [&](const YearlyEffect& e, uint64_t stream) {
      std::vector<double> v(static_cast<size_t>(H));
      RandomStream r(options.seed, static_cast<uint64_t>(d), 0x656666 + stream);
      const double z = d > 0 ? r.normal() : 0.0;  // one draw per effect: years move together
      for (int t = 1; t <= H; ++t) v[static_cast<size_t>(t - 1)] = e.at(t) + z * e.se_at(t);
      return v;
    };
    const auto e_death = draw_effect(effects.death, 0), e_fundus = draw_effect(effects.fundus, 1),
               e_renal = draw_effect(effects.renal_check, 2), e_dental = draw_effect(effects.dental, 3),
               e_stays = draw_effect(effects.stays, 4), e_days = draw_effect(effects.days, 5),
               e_spend = draw_effect(effects.spending, 6);
    const double sigma = models[Process::LogSpending].sigma;
    // exp() factors of this draw that do not depend on the person, in small
    // tables with the processes contiguous: age by year x last year's
    // events by combination; and members' effects by programme year (row 0:
    // not a member; none on spending's scale).
    const std::vector<double>* member_effect[kProcs] = {&e_death, &e_fundus, &e_renal, &e_dental, &e_stays, &e_days,
                                                        nullptr, nullptr, nullptr, nullptr, nullptr};
    std::vector<double> year_factor(static_cast<size_t>(H) * (1 << kLagStates) * kProcs), effect_factor(static_cast<size_t>(H + 1) * kProcs, 1.0);
    auto year_at = [&](int t, int events) {
      return &year_factor[(static_cast<size_t>(t - 1) * (1 << kLagStates) + static_cast<size_t>(events)) * kProcs];
    };
    for (int p = 0; p < kProcs; ++p) {
      const Eigen::VectorXd& b = beta[static_cast<size_t>(p)];
      for (int t = 1; t <= H; ++t) {
        for (int mask = 0; mask < (1 << kLagStates); ++mask) {
          double sum = b[1] * t;
          for (int j = 0; j < kLagStates; ++j) sum += (mask >> j & 1) ? b[1 + kFixedStates + j] : 0.0;
          year_at(t, mask)[p] = std::exp(sum);
        }
        if (member_effect[p]) effect_factor[static_cast<size_t>(t * kProcs + p)] = std::exp((*member_effect[p])[static_cast<size_t>(t - 1)]);
      }
    }

    // Coefficients of the fixed covariates (age at baseline included), one
    // column per process. Spending enters as its conditional mean given the
    // state, exp(mu + sigma^2 / 2) - 1 for the log-normal model of
    // log(1 + spending): the outputs are sums, so drawing the residual
    // would only add Monte Carlo noise (Rao-Blackwellisation).
    Eigen::MatrixXd fixed_coef(kFixedStates, kProcs);
    Eigen::RowVectorXd fixed_intercept(kProcs);
    for (int p = 0; p < kProcs; ++p) {
      fixed_coef.col(p) = beta[static_cast<size_t>(p)].segment(1, kFixedStates);
      fixed_intercept[p] = beta[static_cast<size_t>(p)][0];
    }
    fixed_intercept[static_cast<Eigen::Index>(Process::LogSpending)] += sigma * sigma / 2;
    // Each comorbidity gained multiplies every process's fixed factor by
    // exp(the coefficient of comorbidities_gained).
    double gained_factor[kProcs];
    for (int p = 0; p < kProcs; ++p) gained_factor[p] = std::exp(fixed_coef(kGainedState, p));
    // The largest factor of year and last year's events of each onset
    // process, so that fixed x this bounds the onset's odds in every year.
    double onset_year_bound[kComorbidityStates] = {};
    for (int c = 0; c < kComorbidityStates; ++c) {
      for (int t = 1; t <= H; ++t) {
        for (int mask = 0; mask < (1 << kLagStates); ++mask) {
          onset_year_bound[c] = std::max(onset_year_bound[c], year_at(t, mask)[kFirstOnset + c]);
        }
      }
    }

    for (size_t s = 0; s < scenarios.size(); ++s) {
      const Scenario& sc = scenarios[s];
      std::vector<double> sums = deterministic_reduce(
          n, 2048, std::vector<double>(static_cast<size_t>(H) * per_year, 0.0),
          [&](size_t begin, size_t end) {
            std::vector<double> acc(static_cast<size_t>(H) * per_year, 0.0);
            // exp(linear predictor) as a product of factors computed once:
            // per person (the fixed covariates, vectorised over the block),
            // per year (age) and per combination of last year's four 0/1
            // events, so that a person-year costs multiplications instead
            // of exponentials.
            constexpr size_t kChunk = 256;  // persons whose fixed factors stay in cache
            Eigen::ArrayXXd fixed_block(static_cast<Eigen::Index>(kChunk), kProcs);
            double fixed[kProcs];
            for (size_t i = begin; i < end; ++i) {
              const auto row = static_cast<Eigen::Index>(i);
              if ((i - begin) % kChunk == 0) {
                const auto m = static_cast<Eigen::Index>(std::min(kChunk, end - i));
                fixed_block.topRows(m) =
                    ((state.block(row, 0, m, kFixedStates) * fixed_coef).rowwise() + fixed_intercept).array().exp();
              }
              for (int p = 0; p < kProcs; ++p) fixed[p] = fixed_block(static_cast<Eigen::Index>((i - begin) % kChunk), p);
              int lags = 0, comorbidities = 0;
              // sum of the absent comorbidities' odds bounds, >= P(any onset) in any year
              auto onset_bound = [&] {
                double b = 0;
                for (int c = 0; c < kComorbidityStates; ++c) {
                  b += (comorbidities >> c & 1) ? 0.0 : fixed[kFirstOnset + c] * onset_year_bound[c];
                }
                return b;
              };
              for (int j = 0; j < kLagStates; ++j) lags |= (state(row, kFixedStates + j) != 0 ? 1 : 0) << j;
              for (int c = 0; c < kComorbidityStates; ++c) comorbidities |= (state(row, kFirstComorbidityState + c) != 0 ? 1 : 0) << c;
              double any_onset_bound = onset_bound();
              bool member = !sc.members_at_start.empty() && sc.members_at_start[i], left = false;
              int programme_year = 0;  // years as a member, for the effects (capped at H)
              const bool eligible = !sc.eligible.empty() && sc.eligible[i];
              for (int t = 1; t <= H; ++t) {
                // One Philox block per person-year; u[0] serves drop-out
                // for members and enrolment for the others.
                const std::array<double, 8> u =
                    RandomStream::uniforms8(options.seed, static_cast<uint64_t>(ids[i]), kMicrosimStream, static_cast<uint64_t>(t));
                const size_t k = static_cast<size_t>(t - 1);
                // Enrolment and drop-out.
                if (member && u[0] < sc.drop_out) {
                  member = false;
                  left = true;
                } else if (!member && !left && eligible) {
                  const double ramp = sc.ramp_up[std::min(k, sc.ramp_up.size() - 1)];
                  if (u[0] < sc.take_up * ramp) member = true;
                }
                programme_year = member ? std::min(programme_year + 1, H) : 0;
                // exp(linear predictor) of each process without and with
                // the member's effect.
                const double* by_year = year_at(t, lags);
                const double* effect = &effect_factor[static_cast<size_t>(programme_year * kProcs)];
                double without[kProcs], with[kProcs];
                for (int p = 0; p < kFirstOnset; ++p) {  // the onsets' only when needed, below
                  without[p] = fixed[p] * by_year[p];
                  with[p] = without[p] * effect[p];
                }
                auto e = [&](Process proc) { return with[static_cast<size_t>(proc)]; };
                // u < exposure x odds / (1 + odds), without a division.
                auto happens = [](double u, double odds, double exposure) {
                  return odds == HUGE_VAL ? u < exposure : u * (1 + odds) < odds * exposure;
                };
                const double m = member ? 1.0 : 0.0;
                const bool dead = happens(u[1], e(Process::Death), 1.0);
                const double exposure = dead ? 0.5 : 1.0;
                const bool fundus = happens(u[2], e(Process::Fundus), exposure);
                const bool renal = happens(u[3], e(Process::RenalCheck), exposure);
                const bool dental = happens(u[4], e(Process::Dental), exposure);
                const int64_t stays = RandomStream::poisson_quantile(e(Process::HospStays) * exposure, u[5]);
                // Days beyond the first of each stay enter as their
                // conditional mean (Poisson), as spending does: they feed
                // no later state, so a draw would only add noise.
                const double days = static_cast<double>(stays) * (1 + e(Process::ExtraDays));
                const double spend = std::max(0.0, (e(Process::LogSpending) - 1 + m * e_spend[k]) * exposure);
                const double discount = discounts[k];
                double* a = &acc[k * per_year];
                a[kMembers] += m;
                a[kFundus] += fundus;
                a[kRenalCheck] += renal;
                a[kDental] += dental;
                a[kStays] += static_cast<double>(stays);
                a[kDays] += days;
                a[kDeaths] += dead;
                a[kSpending] += spend * discount;
                a[kProgrammeCost] += m * sc.cost_per_member * exposure * discount;
                if (dead) break;
                // Comorbidity onsets (they do not depend on the programme):
                // u[6] against P(any onset) = 1 - prod(1 - p_c), compared
                // without a division; the rare years with one draw which.
                // (Survivors only: a full year's exposure, 1 - p_c = 1 / (1 + odds_c).)
                // Most years stop at the bound: P(any) <= sum of odds <= it.
                if (u[6] < any_onset_bound) {
                  for (int p = kFirstOnset; p < kProcs; ++p) with[p] = without[p] = fixed[p] * by_year[p];
                  double none_den = 1;
                  for (int c = 0; c < kComorbidityStates; ++c) {
                    none_den *= 1 + ((comorbidities >> c & 1) ? 0.0 : e(static_cast<Process>(kFirstOnset + c)));
                  }
                  if (u[6] * none_den < none_den - 1) {
                    const int gained = draw_onsets(comorbidities, e, options.seed, static_cast<uint64_t>(ids[i]), t);
                    a[kOnsets] += std::popcount(static_cast<unsigned>(gained));
                    comorbidities |= gained;
                    for (int c = 0; c < std::popcount(static_cast<unsigned>(gained)); ++c) {
                      for (int p = 0; p < kProcs; ++p) fixed[p] *= gained_factor[p];
                    }
                    any_onset_bound = onset_bound();
                  }
                }
                lags = (fundus ? 1 : 0) | (renal ? 2 : 0) | (dental ? 4 : 0) | (stays > 0 ? 8 : 0);
                if (programme_year > 0) {
                  // A member's state carries the no-programme path (same
                  // uniforms, no effect): a study's effect for programme
                  // year y already includes what earlier years' effects
                  // carry over, so programme-induced exams must not raise
                  // next year's odds again through the lags.
                  auto w = [&](Process proc) { return without[static_cast<size_t>(proc)]; };
                  lags = (happens(u[2], w(Process::Fundus), exposure) ? 1 : 0) |
                         (happens(u[3], w(Process::RenalCheck), exposure) ? 2 : 0) |
                         (happens(u[4], w(Process::Dental), exposure) ? 4 : 0) |
                         (RandomStream::poisson_quantile(w(Process::HospStays) * exposure, u[5]) > 0 ? 8 : 0);
                }
              }
            }
            return acc;
          },
          [](std::vector<double>& a, const std::vector<double>& b) {
            for (size_t j = 0; j < a.size(); ++j) a[j] += b[j];
          });
      for (int t = 1; t <= H; ++t) {
        for (int o = 0; o < kOutputs; ++o) {
          res.totals[((static_cast<size_t>(d) * scenarios.size() + s) * static_cast<size_t>(H) + static_cast<size_t>(t - 1)) *
                         kOutputs + static_cast<size_t>(o)] =
              options.scale * sums[static_cast<size_t>(t - 1) * per_year + static_cast<size_t>(o)];
        }
      }
    }
  }
  return res;
}

}  // namespace impactsim
