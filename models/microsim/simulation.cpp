#include "models/microsim/simulation.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>

#include <boost/math/distributions/normal.hpp>

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

constexpr StreamId kMicrosimStream = streams::kMicrosimPersonYear.id();
constexpr StreamId kOnsetStream = streams::kMicrosimOnset.id();

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

void YearlyEffect::add_year(const ReportedEffect& e, bool log_scale) {
  if (log_scale && !(e.estimate > 0)) throw InputError("a ratio must be positive (got " + std::to_string(e.estimate) + ")");
  double se = e.std_error;
  if (!std::isfinite(se)) {
    if (!(e.level > 0 && e.level < 1)) throw InputError("an interval's confidence level lies in (0, 1)");
    if (!(e.lower <= e.estimate && e.estimate <= e.upper) || (log_scale && !(e.lower > 0))) {
      throw InputError("need lower <= estimate <= upper" + std::string(log_scale ? ", all positive (a ratio)" : ""));
    }
    const double z = boost::math::quantile(boost::math::normal(), 0.5 + e.level / 2);
    se = log_scale ? (std::log(e.upper) - std::log(e.lower)) / (2 * z) : (e.upper - e.lower) / (2 * z);
  }
  value.push_back(log_scale ? std::log(e.estimate) : e.estimate);
  std_error.push_back(se);
}

void EnrolmentEffects::days_per_stay_from_total_days() {
  for (size_t k = 0; k < days.value.size(); ++k) {
    const int year = static_cast<int>(k) + 1;
    days.value[k] -= stays.at(year);
    days.std_error[k] = std::hypot(days.std_error[k], stays.se_at(year));
  }
}

nlohmann::json EnrolmentEffects::to_json() const {
  return {{"death_log_odds_ratio", yearly_json(death)},   {"fundus_2y_log_odds_ratio", yearly_json(fundus)},
          {"renal_check_log_odds_ratio", yearly_json(renal_check)}, {"dental_log_odds_ratio", yearly_json(dental)},
          {"hosp_stays_log_rate_ratio", yearly_json(stays)},  {"hosp_days_log_rate_ratio", yearly_json(days)},
          {"spending_difference_euros", yearly_json(spending)}};
}

namespace {

constexpr int kProcs = static_cast<int>(Process::Count);

// The parameters of one draw (draw 0: the point estimates), in the forms the
// person-year loop uses: exp() factors that do not depend on the person, in
// small tables with the processes contiguous, so that a person-year costs
// multiplications instead of exponentials.
struct DrawParameters {
  int horizon = 0;
  std::vector<double> year_factor;    // [year - 1][last year's events as a 4-bit mask][process]: age and lag terms
  std::vector<double> effect_factor;  // [programme year][process]: the member's effect (row 0: not a member)
  std::vector<double> spend_effect;   // [programme year - 1]: euros per member-year
  Eigen::MatrixXd fixed_coef;         // kFixedStates x processes: the person's covariates (age at baseline included)
  Eigen::RowVectorXd fixed_intercept; // per process; spending's holds sigma^2 / 2 (its conditional mean)
  std::array<double, kProcs> gained_factor{};                  // exp(coefficient of comorbidities_gained)
  std::array<double, kComorbidityStates> onset_year_bound{};   // largest year x lag factor of each onset
  const double* year_at(int t, int events) const { return &year_factor[year_index(t, events)]; }
  double* year_at(int t, int events) { return &year_factor[year_index(t, events)]; }
  static size_t year_index(int t, int events) {
    return (static_cast<size_t>(t - 1) * (1 << kLagStates) + static_cast<size_t>(events)) * kProcs;
  }
};

// `roots`: square roots of the models' covariances.
DrawParameters draw_parameters(const TransitionModels& models, const std::vector<Eigen::MatrixXd>& roots,
                               const EnrolmentEffects& effects, const SimulationOptions& options, int d) {
  const int H = options.horizon;
  std::vector<Eigen::VectorXd> beta;
  for (size_t k = 0; k < models.models.size(); ++k) {
    Eigen::VectorXd b = models.models[k].beta;
    if (d > 0) {
      RandomStream r(options.seed, static_cast<uint64_t>(d), streams::kPsaCoefficients.id(k));
      Eigen::VectorXd z(b.size());
      for (Eigen::Index j = 0; j < z.size(); ++j) z[j] = r.normal();
      b += roots[k] * z;
    }
    beta.push_back(std::move(b));
  }
  auto draw_effect = [&](const YearlyEffect& e, uint64_t stream) {
    std::vector<double> v(static_cast<size_t>(H));
    RandomStream r(options.seed, static_cast<uint64_t>(d), streams::kPsaEffects.id(stream));
    const double z = d > 0 ? r.normal() : 0.0;  // one draw per effect: years move together
    for (int t = 1; t <= H; ++t) v[static_cast<size_t>(t - 1)] = e.at(t) + z * e.se_at(t);
    return v;
  };
  const std::vector<double> member_effect[] = {
      draw_effect(effects.death, 0), draw_effect(effects.fundus, 1), draw_effect(effects.renal_check, 2),
      draw_effect(effects.dental, 3), draw_effect(effects.stays, 4),  draw_effect(effects.days, 5)};
  constexpr int kEffects = static_cast<int>(std::size(member_effect));  // Death..ExtraDays; none on spending's scale
  DrawParameters P;
  P.horizon = H;
  P.spend_effect = draw_effect(effects.spending, 6);
  P.year_factor.resize(static_cast<size_t>(H) * (1 << kLagStates) * kProcs);
  P.effect_factor.assign(static_cast<size_t>(H + 1) * kProcs, 1.0);
  for (int p = 0; p < kProcs; ++p) {
    const Eigen::VectorXd& b = beta[static_cast<size_t>(p)];
    for (int t = 1; t <= H; ++t) {
      for (int mask = 0; mask < (1 << kLagStates); ++mask) {
        double sum = b[1] * t;
        for (int j = 0; j < kLagStates; ++j) sum += (mask >> j & 1) ? b[1 + kFixedStates + j] : 0.0;
        P.year_at(t, mask)[p] = std::exp(sum);
      }
      if (p < kEffects) {
        P.effect_factor[static_cast<size_t>(t * kProcs + p)] = std::exp(member_effect[p][static_cast<size_t>(t - 1)]);
      }
    }
  }
  P.fixed_coef.resize(kFixedStates, kProcs);
  P.fixed_intercept.resize(kProcs);
  for (int p = 0; p < kProcs; ++p) {
    P.fixed_coef.col(p) = beta[static_cast<size_t>(p)].segment(1, kFixedStates);
    P.fixed_intercept[p] = beta[static_cast<size_t>(p)][0];
    P.gained_factor[static_cast<size_t>(p)] = std::exp(P.fixed_coef(kGainedState, p));
  }
  // Spending enters as its conditional mean given the state, exp(mu +
  // sigma^2 / 2) - 1 for the log-normal model of log(1 + spending): the
  // outputs are sums, so drawing the residual would only add Monte Carlo
  // noise (Rao-Blackwellisation).
  const double sigma = models[Process::LogSpending].sigma;
  P.fixed_intercept[static_cast<Eigen::Index>(Process::LogSpending)] += sigma * sigma / 2;
  // The largest factor of year and last year's events of each onset
  // process, so that fixed x this bounds the onset's odds in every year.
  for (int c = 0; c < kComorbidityStates; ++c) {
    for (int t = 1; t <= H; ++t) {
      for (int mask = 0; mask < (1 << kLagStates); ++mask) {
        P.onset_year_bound[static_cast<size_t>(c)] = std::max(P.onset_year_bound[static_cast<size_t>(c)], P.year_at(t, mask)[kFirstOnset + c]);
      }
    }
  }
  return P;
}

// A person-year's uniforms (one Philox block) and, computed from them once,
// the thresholds its usual decisions compare with: an event of probability
// o / (1 + o) happens when u < o / (1 + o), that is when u / (1 - u) < o; a
// Poisson count of mean mu is 0 when u <= exp(-mu), that is when -log(u) >=
// mu. A decision in a full year then costs one comparison, with no
// division and no exp().
struct PersonYearDraws {
  std::array<double, 8> u;  // 0 enrolment or drop-out, 1 death, 2-4 exams, 5 stays, 6 onsets
  double odds[5];           // u[k] / (1 - u[k]), k = 1..4 (index 0 unused)
  double neg_log_u5;        // -log(u[5])
  explicit PersonYearDraws(const std::array<double, 8>& uniforms) : u(uniforms) {
    odds[0] = 0;
    for (int k = 1; k <= 4; ++k) odds[k] = u[static_cast<size_t>(k)] / (1 - u[static_cast<size_t>(k)]);
    neg_log_u5 = -std::log(u[5]);
  }
  PersonYearDraws() = default;
};

// The draws of each person-year of a chunk of persons, made on first use and
// kept for every draw and scenario that simulates the chunk: common random
// numbers make them the same there, and a Philox block with its thresholds
// costs about as much as the rest of a person-year. Years are asked for in
// order.
class ChunkDraws {
 public:
  ChunkDraws(size_t persons, int horizon, uint64_t seed)
      : horizon_(static_cast<size_t>(horizon)), seed_(seed), draws_(persons * horizon_), drawn_(persons) {}
  void start(const int64_t* ids) {
    ids_ = ids;
    std::fill(drawn_.begin(), drawn_.end(), 0);
  }
  const PersonYearDraws& at(size_t person, int year) {
    PersonYearDraws& slot = draws_[person * horizon_ + static_cast<size_t>(year - 1)];
    if (year > drawn_[person]) {
      slot = PersonYearDraws(
          RandomStream::uniforms8(seed_, static_cast<uint64_t>(ids_[person]), kMicrosimStream, static_cast<uint64_t>(year)));
      drawn_[person] = year;
    }
    return slot;
  }

 private:
  size_t horizon_;
  uint64_t seed_;
  const int64_t* ids_ = nullptr;
  std::vector<PersonYearDraws> draws_;
  std::vector<int> drawn_;
};

// A person's state along a path, in one draw and scenario.
struct PersonPath {
  double fixed[kProcs] = {};     // exp(the fixed covariates' terms) of each process; onsets raise it
  double any_onset_bound = 0;    // sum of the absent comorbidities' odds bounds, >= P(any onset) in any year
  int lags = 0;                  // last year's events, a 4-bit mask
  int comorbidities = 0;         // present, a 4-bit mask
  int programme_year = 0;        // years as a member, for the effects (capped at the horizon)
  bool member = false, left = false, eligible = false, alive = true;
  uint64_t id = 0;

  void bound_onsets(const DrawParameters& P) {
    any_onset_bound = 0;
    for (int c = 0; c < kComorbidityStates; ++c) {
      any_onset_bound += (comorbidities >> c & 1) ? 0.0 : fixed[kFirstOnset + c] * P.onset_year_bound[static_cast<size_t>(c)];
    }
  }
};

// The path's start: `fixed` from the chunk's factors, the rest from the
// baseline state and the scenario.
PersonPath start_path(const DrawParameters& P, const Scenario& sc, size_t i, uint64_t id, const double* fixed,
                      const Eigen::MatrixXd& state) {
  PersonPath x;
  const auto row = static_cast<Eigen::Index>(i);
  std::copy(fixed, fixed + kProcs, x.fixed);
  for (int j = 0; j < kLagStates; ++j) x.lags |= (state(row, kFixedStates + j) != 0 ? 1 : 0) << j;
  for (int c = 0; c < kComorbidityStates; ++c) x.comorbidities |= (state(row, kFirstComorbidityState + c) != 0 ? 1 : 0) << c;
  x.bound_onsets(P);
  x.member = !sc.members_at_start.empty() && sc.members_at_start[i];
  x.eligible = !sc.eligible.empty() && sc.eligible[i];
  x.id = id;
  return x;
}

// Year t of a path alive at its start, on the person-year's draws: the
// outputs are added to acc[t - 1][output], spending and cost discounted by
// `discount`; a death ends the path (x.alive).
void simulate_year(const DrawParameters& P, const Scenario& sc, PersonPath& x, int t, const PersonYearDraws& d,
                   uint64_t seed, double discount, double* acc) {
  const std::array<double, 8>& u = d.u;
  const size_t k = static_cast<size_t>(t - 1);
  // Enrolment and drop-out; u[0] serves drop-out for members and enrolment
  // for the others.
  if (x.member && u[0] < sc.drop_out) {
    x.member = false;
    x.left = true;
  } else if (!x.member && !x.left && x.eligible) {
    const double ramp = sc.ramp_up[std::min(k, sc.ramp_up.size() - 1)];
    if (u[0] < sc.take_up * ramp) x.member = true;
  }
  x.programme_year = x.member ? std::min(x.programme_year + 1, P.horizon) : 0;
  // exp(linear predictor) of each process without and with the member's
  // effect.
  const double* by_year = P.year_at(t, x.lags);
  const double* effect = &P.effect_factor[static_cast<size_t>(x.programme_year * kProcs)];
  double without[kProcs], with[kProcs];
  for (int p = 0; p < kFirstOnset; ++p) {  // the onsets' only when needed, below
    without[p] = x.fixed[p] * by_year[p];
    with[p] = without[p] * effect[p];
  }
  auto e = [&](Process proc) { return with[static_cast<size_t>(proc)]; };
  const double m = x.member ? 1.0 : 0.0;
  const bool dead = d.odds[1] < e(Process::Death);
  bool fundus, renal, dental;
  int64_t stays;
  double exposure = 1;
  if (!dead) {  // a full year: one comparison per decision
    fundus = d.odds[2] < e(Process::Fundus);
    renal = d.odds[3] < e(Process::RenalCheck);
    dental = d.odds[4] < e(Process::Dental);
    stays = e(Process::HospStays) > d.neg_log_u5 ? RandomStream::poisson_quantile(e(Process::HospStays), u[5]) : 0;
  } else {  // half a year's exposure: u < exposure x odds / (1 + odds)
    exposure = 0.5;
    auto happens = [&](double u, double odds) {
      return odds == HUGE_VAL ? u < exposure : u * (1 + odds) < odds * exposure;
    };
    fundus = happens(u[2], e(Process::Fundus));
    renal = happens(u[3], e(Process::RenalCheck));
    dental = happens(u[4], e(Process::Dental));
    stays = RandomStream::poisson_quantile(e(Process::HospStays) * exposure, u[5]);
  }
  // Days beyond the first of each stay enter as their conditional mean
  // (Poisson), as spending does: they feed no later state, so a draw would
  // only add noise.
  const double days = static_cast<double>(stays) * (1 + e(Process::ExtraDays));
  const double spend = std::max(0.0, (e(Process::LogSpending) - 1 + m * P.spend_effect[k]) * exposure);
  double* a = &acc[k * kOutputs];
  a[kMembers] += m;
  a[kFundus] += fundus;
  a[kRenalCheck] += renal;
  a[kDental] += dental;
  a[kStays] += static_cast<double>(stays);
  a[kDays] += days;
  a[kDeaths] += dead;
  a[kSpending] += spend * discount;
  a[kProgrammeCost] += m * sc.cost_per_member * exposure * discount;
  if (dead) {
    x.alive = false;
    return;
  }
  // Comorbidity onsets (they do not depend on the programme): u[6] against
  // P(any onset) = 1 - prod(1 - p_c), compared without a division; the rare
  // years with one draw which. (Survivors only: a full year's exposure,
  // 1 - p_c = 1 / (1 + odds_c).) Most years stop at the bound: P(any) <=
  // sum of odds <= it.
  if (u[6] < x.any_onset_bound) {
    for (int p = kFirstOnset; p < kProcs; ++p) with[p] = without[p] = x.fixed[p] * by_year[p];
    double none_den = 1;
    for (int c = 0; c < kComorbidityStates; ++c) {
      none_den *= 1 + ((x.comorbidities >> c & 1) ? 0.0 : e(static_cast<Process>(kFirstOnset + c)));
    }
    if (u[6] * none_den < none_den - 1) {
      const int gained = draw_onsets(x.comorbidities, e, seed, x.id, t);
      a[kOnsets] += std::popcount(static_cast<unsigned>(gained));
      x.comorbidities |= gained;
      for (int c = 0; c < std::popcount(static_cast<unsigned>(gained)); ++c) {
        for (int p = 0; p < kProcs; ++p) x.fixed[p] *= P.gained_factor[static_cast<size_t>(p)];
      }
      x.bound_onsets(P);
    }
  }
  x.lags = (fundus ? 1 : 0) | (renal ? 2 : 0) | (dental ? 4 : 0) | (stays > 0 ? 8 : 0);
  if (x.programme_year > 0) {
    // A member's state carries the no-programme path (same uniforms, no
    // effect): a study's effect for programme year y already includes what
    // earlier years' effects carry over, so programme-induced exams must
    // not raise next year's odds again through the lags.
    auto w = [&](Process proc) { return without[static_cast<size_t>(proc)]; };
    x.lags = (d.odds[2] < w(Process::Fundus) ? 1 : 0) | (d.odds[3] < w(Process::RenalCheck) ? 2 : 0) |
             (d.odds[4] < w(Process::Dental) ? 4 : 0) | (w(Process::HospStays) > d.neg_log_u5 ? 8 : 0);
  }
}

}  // namespace

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
  const size_t per_draw = scenarios.size() * static_cast<size_t>(H) * kOutputs;  // outputs of one draw
  res.totals.assign(static_cast<size_t>(draws) * per_draw, 0.0);

  // Square roots of the coefficient covariances, for the PSA draws.
  std::vector<Eigen::MatrixXd> roots;
  if (models.models.size() != static_cast<size_t>(Process::Count)) throw std::invalid_argument("simulate: a model per process");
  for (const auto& m : models.models) {
    if (m.beta.size() != kStates + 1 || m.cov.rows() != m.beta.size() || m.cov.cols() != m.beta.size()) {
      throw std::invalid_argument(std::string("simulate: model ") + to_string(m.process) + " has coefficients of another size");
    }
    // A square root P' L D^(1/2) from the pivoted LDLT factorisation, which
    // also serves a semidefinite covariance (one with a structural zero).
    const Eigen::LDLT<Eigen::MatrixXd> ldlt(m.cov);
    const Eigen::VectorXd root_d = ldlt.vectorD().cwiseMax(0.0).cwiseSqrt();
    roots.push_back(ldlt.transpositionsP().transpose() * (Eigen::MatrixXd(ldlt.matrixL()) * root_d.asDiagonal()));
  }
  std::vector<DrawParameters> params;
  for (int d = 0; d < draws; ++d) params.push_back(draw_parameters(models, roots, effects, options, d));
  std::vector<double> discounts;
  for (int t = 1; t <= H; ++t) discounts.push_back(std::pow(1.0 + options.discount_rate, -(t - 1)));

  // Persons in blocks (the unit of the deterministic reduction) and, within
  // a block, chunks whose uniforms and fixed factors stay in cache while
  // every draw and scenario of a group simulates them. A group holds as
  // many draws as keep the blocks' partial sums within
  // options.partial_sums_bytes.
  constexpr size_t kBlock = 2048;
  const size_t chunk = std::clamp<size_t>(2560 / static_cast<size_t>(H), 16, 256);
  const size_t group =
      std::max<size_t>(1, options.partial_sums_bytes / (sizeof(double) * per_draw * std::max<size_t>(1, block_count(n, kBlock))));
  for (size_t g0 = 0; g0 < static_cast<size_t>(draws); g0 += group) {
    const size_t g1 = std::min(static_cast<size_t>(draws), g0 + group);
    std::vector<double> sums = deterministic_reduce(
        n, kBlock, std::vector<double>((g1 - g0) * per_draw, 0.0),
        [&](size_t begin, size_t end) {
          std::vector<double> acc((g1 - g0) * per_draw, 0.0);
          ChunkDraws person_years(chunk, H, options.seed);
          // row-major: a person's factors side by side
          Eigen::Matrix<double, Eigen::Dynamic, kProcs, Eigen::RowMajor> fixed_block(static_cast<Eigen::Index>(chunk), kProcs);
          for (size_t c0 = begin; c0 < end; c0 += chunk) {
            const size_t m = std::min(chunk, end - c0);
            const auto rows = static_cast<Eigen::Index>(m);
            person_years.start(&ids[c0]);
            for (size_t d = g0; d < g1; ++d) {
              const DrawParameters& P = params[d];
              // exp(linear predictor) as a product of factors computed
              // once: per person (the fixed covariates, vectorised over the
              // chunk), per year (age) and per combination of last year's
              // four 0/1 events.
              auto fixed = fixed_block.topRows(rows);
              fixed.noalias() = state.block(static_cast<Eigen::Index>(c0), 0, rows, kFixedStates) * P.fixed_coef;
              fixed.rowwise() += P.fixed_intercept;
              fixed = fixed.array().exp().matrix();
              for (size_t s = 0; s < scenarios.size(); ++s) {
                double* a = &acc[((d - g0) * scenarios.size() + s) * static_cast<size_t>(H) * kOutputs];
                for (size_t j = 0; j < m; ++j) {
                  PersonPath x = start_path(P, scenarios[s], c0 + j, static_cast<uint64_t>(ids[c0 + j]),
                                            &fixed_block(static_cast<Eigen::Index>(j), 0), state);
                  for (int t = 1; t <= H && x.alive; ++t) {
                    simulate_year(P, scenarios[s], x, t, person_years.at(j, t), options.seed, discounts[static_cast<size_t>(t - 1)], a);
                  }
                }
              }
            }
          }
          return acc;
        },
        [](std::vector<double>& a, const std::vector<double>& b) {
          for (size_t j = 0; j < a.size(); ++j) a[j] += b[j];
        });
    for (size_t j = 0; j < sums.size(); ++j) res.totals[g0 * per_draw + j] = options.scale * sums[j];
  }
  return res;
}

}  // namespace impactsim
