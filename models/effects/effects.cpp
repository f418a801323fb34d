#include "models/effects/effects.hpp"

#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <map>
#include <unordered_map>

#include "engine/design_matrix.hpp"
#include "engine/error.hpp"
#include "models/effects/matched_cohort.hpp"
#include "models/effects/wald.hpp"
#include "models/glm/inference.hpp"

namespace impactsim {
namespace {

// y ~ 1 + treat with weights and clusters: coefficients and their cluster-robust covariance.
struct TwoGroupFit {
  bool ok = false;
  double b0 = NAN, b1 = NAN;
  Eigen::Matrix2d v;
  size_t clusters = 0;
};

TwoGroupFit fit_two_groups(const Eigen::VectorXd& y, const Eigen::VectorXd& treat, const Eigen::VectorXd& w,
                           const std::vector<int64_t>& cluster, FamilyKind kind, Link link,
                           const Eigen::VectorXd& offset = {}) {
  TwoGroupFit r;
  const Eigen::Index n = y.size();
  Eigen::MatrixXd x(n, 2);
  x.col(0).setOnes();
  x.col(1) = treat;
  GlmData d;
  d.x = &x;
  d.y = &y;
  d.weights = w;
  d.offset = offset;
  d.names = {"(Intercept)", "treated"};
  GlmOptions o;
  o.family = Family::make(kind, link);
  GlmFit fit;
  try {
    fit = fit_glm(d, o);
  } catch (const InputError&) {
    return r;
  }
  if (fit.rank != 2 || !fit.converged) return r;
  VcovOptions vo;
  vo.type = VcovType::Cluster;
  vo.cluster = cluster;
  const Vcov v = glm_vcov(fit, d, vo);
  r.ok = std::isfinite(fit.coefficients[0]) && std::isfinite(fit.coefficients[1]);
  r.b0 = fit.coefficients[0];
  r.b1 = fit.coefficients[1];
  r.v = v.matrix;
  r.clusters = v.clusters;
  return r;
}

// A group's value and interval; its counts (rows, events) stay as they are.
void set_value(GroupValue& g, double value, double lower, double upper) {
  g.value = value;
  g.lower = lower;
  g.upper = upper;
}

struct YearData {
  Eigen::VectorXd y, treat, w, exposure;
  std::vector<int64_t> cluster;
  std::vector<size_t> patient;
  size_t n_treated = 0, n_control = 0;
};

YearData year_data(const Column& outcome, const Matched& m,
                   const std::vector<std::pair<size_t, size_t>>& rows, const Column* exposure) {
  YearData d;
  std::vector<std::pair<size_t, size_t>> kept;
  for (const auto& rp : rows) {
    if (!outcome.is_missing(rp.first)) kept.push_back(rp);
  }
  const auto n = static_cast<Eigen::Index>(kept.size());
  d.y.resize(n);
  d.treat.resize(n);
  d.w.resize(n);
  if (exposure) d.exposure.resize(n);
  for (Eigen::Index k = 0; k < n; ++k) {
    const auto [r, p] = kept[static_cast<size_t>(k)];
    d.y[k] = outcome.numeric_value(r);
    d.treat[k] = m.treated[p];
    d.w[k] = m.weight[p];
    if (exposure) d.exposure[k] = exposure->numeric_value(r);
    d.cluster.push_back(m.cluster[p]);
    d.patient.push_back(p);
    (m.treated[p] ? d.n_treated : d.n_control)++;
  }
  return d;
}

// Every patient of `rows` (patient rows in .second), with the outcome value(p).
template <class Value>
YearData every_patient(const Matched& m, const std::vector<std::pair<size_t, size_t>>& rows, Value value) {
  YearData d;
  const auto n = static_cast<Eigen::Index>(rows.size());
  d.y.resize(n);
  d.treat.resize(n);
  d.w.resize(n);
  for (Eigen::Index k = 0; k < n; ++k) {
    const size_t p = rows[static_cast<size_t>(k)].second;
    d.y[k] = value(p);
    d.treat[k] = m.treated[p];
    d.w[k] = m.weight[p];
    d.cluster.push_back(m.cluster[p]);
    d.patient.push_back(p);
    (m.treated[p] ? d.n_treated : d.n_control)++;
  }
  return d;
}

// Every matched patient: 1 when the event year is at most t (missing: no event).
YearData event_by_year(const Column& event_year, const Matched& m, const std::vector<std::pair<size_t, size_t>>& rows, int t) {
  return every_patient(m, rows, [&](size_t p) { return !event_year.is_missing(p) && event_year.numeric_value(p) <= t ? 1.0 : 0.0; });
}

// Every matched patient in year t (death-proof versions): the outcome in
// year t or death by its end (Composite), or the outcome summed over years
// 1..t (Cumulative; a missing value adds nothing).
YearData death_proof_data(const OutcomeSpec& spec, const Column& outcome, const Column& death, const Matched& m,
                          const YearRows& by_year, const std::vector<std::pair<size_t, size_t>>& index_rows, int t) {
  std::vector<double> value(m.weight.size(), 0.0);
  std::vector<uint8_t> died(m.weight.size(), 0);
  for (int s = 1; s <= t; ++s) {
    for (const auto& [r, p] : rows_of(by_year, s)) {
      if (!death.is_missing(r) && death.numeric_value(r) != 0) died[p] = 1;
      if (outcome.is_missing(r)) continue;
      if (spec.death_proof == DeathProof::Cumulative) {
        value[p] += outcome.numeric_value(r);
      } else if (s == t) {
        value[p] = outcome.numeric_value(r);
      }
    }
  }
  const bool composite = spec.death_proof == DeathProof::Composite;
  return every_patient(m, index_rows, [&](size_t p) { return composite ? (died[p] || value[p] != 0 ? 1.0 : 0.0) : value[p]; });
}

// A year's effect with its group sizes (and, for binary and count
// outcomes, the events: the unweighted sum of the outcome); estimates are
// filled when both groups have patients.
YearEffect year_effect(int t, const YearData& d, bool count_events) {
  YearEffect e;
  e.year = t;
  e.treated.rows = d.n_treated;
  e.control.rows = d.n_control;
  if (count_events) {
    e.treated.events = e.control.events = 0;
    for (Eigen::Index k = 0; k < d.y.size(); ++k) (d.treat[k] != 0 ? e.treated : e.control).events += d.y[k];
  }
  return e;
}

void means_and_difference(const TwoGroupFit& f, double z, YearEffect& e, double scale = 1.0) {
  if (!f.ok) return;
  const double se0 = std::sqrt(f.v(0, 0)), se1 = std::sqrt(f.v(1, 1));
  const double se_t = std::sqrt(f.v(0, 0) + f.v(1, 1) + 2 * f.v(0, 1));
  set_value(e.control, scale * f.b0, scale * (f.b0 - z * se0), scale * (f.b0 + z * se0));
  set_value(e.treated, scale * (f.b0 + f.b1), scale * (f.b0 + f.b1 - z * se_t), scale * (f.b0 + f.b1 + z * se_t));
  e.difference = wald(scale * f.b1, scale * se1, z);
  e.clusters = f.clusters;
}

// Per-cluster sums of weight × outcome and weight × denominator by group,
// clusters in order of first appearance.
std::vector<ClusterSums> cluster_sums(const YearData& d, bool exposure) {
  std::unordered_map<int64_t, size_t> index;
  std::vector<ClusterSums> sums;
  for (Eigen::Index k = 0; k < d.y.size(); ++k) {
    const auto [it, inserted] = index.emplace(d.cluster[static_cast<size_t>(k)], sums.size());
    if (inserted) sums.emplace_back();
    ClusterSums& c = sums[it->second];
    const int g = d.treat[k] != 0 ? 1 : 0;
    c.num[g] += d.w[k] * d.y[k];
    c.den[g] += d.w[k] * (exposure ? d.exposure[k] : 1.0);
  }
  return sums;
}

// Rosenbaum bounds of the year's complete pairs (both members observed):
// clusters holding exactly one member and one control.
RosenbaumBound pair_bound(const YearData& d, double alpha) {
  struct Pair {
    int members = 0, controls = 0;
    double member_y = 0, control_y = 0;
  };
  std::unordered_map<int64_t, Pair> pairs;
  for (Eigen::Index k = 0; k < d.y.size(); ++k) {
    Pair& p = pairs[d.cluster[static_cast<size_t>(k)]];
    if (d.treat[k] != 0) {
      ++p.members;
      p.member_y = d.y[k];
    } else {
      ++p.controls;
      p.control_y = d.y[k];
    }
  }
  size_t complete = 0, member_only = 0, control_only = 0;
  for (const auto& [id, p] : pairs) {
    if (p.members != 1 || p.controls != 1) continue;
    ++complete;
    member_only += p.member_y == 1 && p.control_y == 0;
    control_only += p.member_y == 0 && p.control_y == 1;
  }
  return rosenbaum_bound(complete, member_only, control_only, alpha);
}

// The pair bootstrap's substream of outcome k's estimate in year t: each
// estimate resamples on numbers of its own, keyed, not added to the seed.
uint64_t bootstrap_estimate_index(size_t outcome, int year) {
  return (static_cast<uint64_t>(outcome) << 32) | static_cast<uint32_t>(year);
}

}  // namespace

OutcomeSpec death_proof_version(const OutcomeSpec& o) {
  OutcomeSpec d;
  d.column = o.column;
  d.years = o.years;
  if (o.kind == EffectKind::Binary) {
    d.kind = EffectKind::Binary;
    d.death_proof = DeathProof::Composite;
    d.name = o.name + ", or death by the end of the year (every matched patient)";
  } else {
    d.kind = EffectKind::Mean;
    d.death_proof = DeathProof::Cumulative;
    d.unit = o.kind == EffectKind::Count ? "events per patient" : o.unit;
    d.name = o.name + ", cumulative since the index date (every matched patient)";
  }
  return d;
}

std::vector<OutcomeEffects> estimate_effects(const Table& patients, const Table& yearly,
                                             const std::vector<OutcomeSpec>& outcomes, const EffectOptions& options) {
  const CohortColumns& c = options.columns;
  const Matched m = matched_patients(patients, c);
  const YearRows by_year = rows_by_year(yearly, m, c);
  const double z = z_of(options.level);
  std::vector<OutcomeEffects> out;
  // Index-year outcomes: every matched patient, read from the patients table.
  std::vector<std::pair<size_t, size_t>> index_rows;
  for (size_t p = 0; p < m.weight.size(); ++p) {
    if (m.weight[p] > 0) index_rows.push_back({p, p});
  }
  for (const OutcomeSpec& spec : outcomes) {
    const Table& source = spec.at_index || spec.event_year ? patients : yearly;
    if (spec.event_year && spec.kind != EffectKind::Binary) {
      throw InputError("outcome \"" + spec.name + "\": an event year gives a binary outcome (event by year t)");
    }
    if (spec.at_index && spec.kind == EffectKind::Count) {
      throw InputError("outcome \"" + spec.name + "\": index-year outcomes are binary or spending, not counts");
    }
    const Column& outcome = require(source, spec.column, ("outcome \"" + spec.name + "\"").c_str());
    if (outcome.type() == ColumnType::Categorical) {
      throw InputError("outcome \"" + spec.name + "\": column \"" + spec.column + "\" is categorical; it must be numeric or bool");
    }
    const Column* exposure = spec.kind == EffectKind::Count ? &require(yearly, c.exposure, "count outcomes") : nullptr;
    const Column* death = spec.death_proof != DeathProof::None ? &require(yearly, c.death, "death-proof outcomes") : nullptr;
    const Column* baseline = nullptr;
    if (!spec.baseline_column.empty()) baseline = &require(patients, spec.baseline_column, ("outcome \"" + spec.name + "\" baseline").c_str());
    OutcomeEffects oe;
    oe.spec = spec;
    const std::vector<int> years = spec.at_index ? std::vector<int>{0} : spec.years;
    for (int t : years) {
      YearData d = spec.event_year ? event_by_year(outcome, m, index_rows, t)
                   : death ? death_proof_data(spec, outcome, *death, m, by_year, index_rows, t)
                           : year_data(outcome, m, spec.at_index ? index_rows : rows_of(by_year, t), exposure);
      YearEffect e = year_effect(t, d, spec.kind != EffectKind::Mean);
      if (d.n_treated == 0 || d.n_control == 0) {
        oe.years.push_back(e);
        continue;
      }
      switch (spec.kind) {
        case EffectKind::Binary: {
          for (Eigen::Index k = 0; k < d.y.size(); ++k) {
            if (d.y[k] != 0 && d.y[k] != 1) {
              throw InputError("outcome \"" + spec.name + "\": binary outcomes must be 0/1; column \"" + spec.column +
                               "\" holds " + std::to_string(d.y[k]));
            }
          }
          means_and_difference(fit_two_groups(d.y, d.treat, d.w, d.cluster, FamilyKind::Gaussian, Link::Identity), z, e);
          if (options.difference_only) break;
          const TwoGroupFit rr = fit_two_groups(d.y, d.treat, d.w, d.cluster, FamilyKind::Poisson, Link::Log);
          if (rr.ok) e.ratio = exp_of(wald(rr.b1, std::sqrt(rr.v(1, 1)), z));
          const TwoGroupFit orf = fit_two_groups(d.y, d.treat, d.w, d.cluster, FamilyKind::Binomial, Link::Logit);
          if (orf.ok) e.odds_ratio = exp_of(wald(orf.b1, std::sqrt(orf.v(1, 1)), z));
          if (options.matched_pairs) e.rosenbaum = pair_bound(d, (1 - options.level) / 2);
          break;
        }
        case EffectKind::Count: {
          Eigen::VectorXd offset(d.exposure.size());
          for (Eigen::Index k = 0; k < offset.size(); ++k) {
            if (!(d.exposure[k] > 0)) throw InputError("exposure must be positive (column \"" + c.exposure + "\")");
            offset[k] = std::log(d.exposure[k]);
          }
          const FamilyKind kind = spec.negative_binomial ? FamilyKind::NegativeBinomial : FamilyKind::Poisson;
          const TwoGroupFit f = fit_two_groups(d.y, d.treat, d.w, d.cluster, kind, Link::Log, offset);
          if (!f.ok) break;
          const double se0 = std::sqrt(f.v(0, 0));
          const double se_t = std::sqrt(f.v(0, 0) + f.v(1, 1) + 2 * f.v(0, 1));
          const double r0 = 100 * std::exp(f.b0), r1 = 100 * std::exp(f.b0 + f.b1);
          set_value(e.control, r0, r0 * std::exp(-z * se0), r0 * std::exp(z * se0));
          set_value(e.treated, r1, r1 * std::exp(-z * se_t), r1 * std::exp(z * se_t));
          e.ratio = exp_of(wald(f.b1, std::sqrt(f.v(1, 1)), z));
          // Rate difference per 100 person-years by the delta method.
          const Eigen::Vector2d g(r1 - r0, r1);
          e.difference = wald(r1 - r0, std::sqrt(g.dot(f.v * g)), z);
          e.clusters = f.clusters;
          break;
        }
        case EffectKind::Mean: {
          means_and_difference(fit_two_groups(d.y, d.treat, d.w, d.cluster, FamilyKind::Gaussian, Link::Identity), z, e);
          if (baseline && !options.difference_only) {
            Eigen::VectorXd change = d.y;
            for (Eigen::Index k = 0; k < change.size(); ++k) change[k] -= baseline->numeric_value(d.patient[static_cast<size_t>(k)]);
            const TwoGroupFit f = fit_two_groups(change, d.treat, d.w, d.cluster, FamilyKind::Gaussian, Link::Identity);
            if (f.ok) e.did = wald(f.b1, std::sqrt(f.v(1, 1)), z);
          }
          break;
        }
      }
      if (options.bootstrap_replicates > 0 && std::isfinite(e.difference.estimate)) {
        BootstrapOptions bo;
        bo.replicates = options.bootstrap_replicates;
        bo.seed = options.bootstrap_seed;
        bo.estimate_index = bootstrap_estimate_index(out.size(), t);
        bo.level = options.level;
        const bool rate = spec.kind == EffectKind::Count;
        e.bootstrap = bootstrap_difference(cluster_sums(d, rate), bo, rate ? 100.0 : 1.0);
        e.bootstrapped = true;
      }
      oe.years.push_back(e);
    }
    out.push_back(std::move(oe));
  }
  return out;
}

AdjustedMortality estimate_adjusted_mortality(const Table& patients, const Table& yearly,
                                              const AdjustedMortalitySpec& spec, const EffectOptions& options) {
  const CohortColumns& c = options.columns;
  const Matched m = matched_patients(patients, c);
  const YearRows by_year = rows_by_year(yearly, m, c);
  const double z = z_of(options.level);
  const Column& death = require(yearly, spec.death_column, "adjusted mortality");
  AdjustedMortality am;
  am.spec = spec;
  const std::string formula = "impactsim_death ~ " + c.treatment + (spec.covariates.empty() ? "" : " + " + spec.covariates);
  for (int t : spec.years) {
    YearData d = year_data(death, m, rows_of(by_year, t), nullptr);
    YearEffect e = year_effect(t, d, true);
    if (d.n_treated == 0 || d.n_control == 0) {
      am.years.push_back(e);
      continue;
    }
    // Crude risks in the year.
    means_and_difference(fit_two_groups(d.y, d.treat, d.w, d.cluster, FamilyKind::Gaussian, Link::Identity), z, e);
    // Adjusted: the patients alive at the start of year t, their baseline covariates.
    Table rows_table = patients.gather(d.patient);
    std::vector<double> died(d.patient.size());
    for (size_t k = 0; k < died.size(); ++k) died[k] = d.y[static_cast<Eigen::Index>(k)];
    rows_table.add_column(Column::float64("impactsim_death", std::move(died)));
    const DesignMatrix dm = build_design_matrix(rows_table, formula);
    Eigen::VectorXd w(static_cast<Eigen::Index>(dm.rows.size()));
    std::vector<int64_t> cl(dm.rows.size());
    for (size_t k = 0; k < dm.rows.size(); ++k) {
      w[static_cast<Eigen::Index>(k)] = d.w[static_cast<Eigen::Index>(dm.rows[k])];
      cl[k] = d.cluster[dm.rows[k]];
    }
    const GlmData gd = GlmData::from(dm, w);
    GlmOptions o;
    o.family = Family::make(FamilyKind::Binomial, Link::Logit);
    const GlmFit fit = fit_glm(gd, o);
    size_t j = 0;
    while (j < dm.assign.size() && dm.assign[j] != 1) ++j;  // the treatment's column (first term)
    if (j < dm.assign.size() && fit.converged && !fit.aliased[j]) {
      VcovOptions vo;
      vo.type = VcovType::Cluster;
      vo.cluster = cl;
      const Vcov v = glm_vcov(fit, gd, vo);
      // Position of column j among the estimable coefficients.
      size_t pos = 0;
      for (size_t k = 0; k < j; ++k) pos += !fit.aliased[k];
      const auto p = static_cast<Eigen::Index>(pos);
      e.odds_ratio = exp_of(wald(fit.coefficients[static_cast<Eigen::Index>(j)], std::sqrt(v.matrix(p, p)), z));
      e.clusters = v.clusters;
    }
    am.years.push_back(e);
  }
  return am;
}

}  // namespace impactsim
