#include "models/survival/cox.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "engine/error.hpp"

namespace impactsim {
namespace {

// Subjects sorted by stratum, then time (as coxph.fit's order(strata, time)),
// covariates centred (the partial likelihood does not change; exp() does not overflow).
struct Sorted {
  size_t n = 0, p = 0;
  std::vector<size_t> order;        // sorted position -> input row
  Eigen::MatrixXd x;                // n x p, sorted, centred
  std::vector<double> time, w, off;
  std::vector<uint8_t> dead;
  std::vector<int64_t> stratum;
};

Sorted sort_subjects(const CoxData& d) {
  Sorted s;
  s.n = d.time.size();
  s.p = static_cast<size_t>(d.x->cols());
  s.order.resize(s.n);
  std::iota(s.order.begin(), s.order.end(), size_t{0});
  auto stratum_of = [&](size_t i) { return d.strata.empty() ? int64_t{0} : d.strata[i]; };
  std::stable_sort(s.order.begin(), s.order.end(), [&](size_t a, size_t b) {
    if (stratum_of(a) != stratum_of(b)) return stratum_of(a) < stratum_of(b);
    return d.time[a] < d.time[b];
  });
  const Eigen::RowVectorXd mean = d.x->colwise().mean();
  s.x.resize(static_cast<Eigen::Index>(s.n), static_cast<Eigen::Index>(s.p));
  for (size_t k = 0; k < s.n; ++k) {
    const size_t i = s.order[k];
    s.x.row(static_cast<Eigen::Index>(k)) = d.x->row(static_cast<Eigen::Index>(i)) - mean;
    s.time.push_back(d.time[i]);
    s.w.push_back(d.weights.empty() ? 1.0 : d.weights[i]);
    s.off.push_back(d.offset.empty() ? 0.0 : d.offset[i]);
    s.dead.push_back(d.status[i]);
    s.stratum.push_back(stratum_of(i));
  }
  return s;
}

// A group of subjects tied at one time within a stratum: [begin, end) in sorted order.
struct TieGroup {
  size_t begin, end;
  bool stratum_end;  // the last group of its stratum (the risk set restarts after it, going down)
};

std::vector<TieGroup> tie_groups(const Sorted& s) {
  std::vector<TieGroup> g;
  size_t k = 0;
  while (k < s.n) {
    size_t e = k + 1;
    while (e < s.n && s.stratum[e] == s.stratum[k] && s.time[e] == s.time[k]) ++e;
    g.push_back({k, e, e == s.n || s.stratum[e] != s.stratum[k]});
    k = e;
  }
  return g;
}

// The partial log-likelihood, its score and information at beta, one pass
// from the latest time down (risk sets accumulate). `parts` receives, per
// death time, what the score residuals need.
struct DeathTime {
  size_t group;
  double hazard;              // sum over the Efron parts of wbar / d2_k
  Eigen::VectorXd hazard_mean;  // sum_k (wbar / d2_k) xbar_k
  Eigen::VectorXd mean_of_means;  // (1/d) sum_k xbar_k
  double death_hazard;          // sum_k (1 - k/d) wbar / d2_k
  Eigen::VectorXd death_hazard_mean;  // sum_k (1 - k/d) (wbar / d2_k) xbar_k
};

struct Pass {
  double loglik = 0;
  Eigen::VectorXd u;
  Eigen::MatrixXd info;
  std::vector<DeathTime> times;
};

Pass cox_pass(const Sorted& s, const std::vector<TieGroup>& groups, const Eigen::VectorXd& beta, CoxTies ties, bool keep_times) {
  const auto p = static_cast<Eigen::Index>(s.p);
  Pass out;
  out.u = Eigen::VectorXd::Zero(p);
  out.info = Eigen::MatrixXd::Zero(p, p);
  const Eigen::VectorXd eta = s.x * beta + Eigen::Map<const Eigen::VectorXd>(s.off.data(), static_cast<Eigen::Index>(s.n));
  double S = 0;
  Eigen::VectorXd A = Eigen::VectorXd::Zero(p), AD(p), xbar(p);
  Eigen::MatrixXd C = Eigen::MatrixXd::Zero(p, p), CD(p, p);
  for (size_t gi = groups.size(); gi-- > 0;) {
    const TieGroup& g = groups[gi];
    if (g.stratum_end) {  // going down, a new stratum starts its risk set
      S = 0;
      A.setZero();
      C.setZero();
    }
    double SD = 0, wsum = 0;
    size_t d = 0;
    AD.setZero();
    CD.setZero();
    for (size_t k = g.begin; k < g.end; ++k) {
      const auto kk = static_cast<Eigen::Index>(k);
      const double r = s.w[k] * std::exp(eta[kk]);
      const auto xk = s.x.row(kk).transpose();
      S += r;
      A += r * xk;
      C.noalias() += r * xk * xk.transpose();
      if (!s.dead[k]) continue;
      ++d;
      SD += r;
      AD += r * xk;
      CD.noalias() += r * xk * xk.transpose();
      wsum += s.w[k];
      out.loglik += s.w[k] * eta[kk];
      out.u += s.w[k] * xk;
    }
    if (d == 0) continue;
    DeathTime t{gi, 0, Eigen::VectorXd::Zero(p), Eigen::VectorXd::Zero(p), 0, Eigen::VectorXd::Zero(p)};
    const size_t parts = ties == CoxTies::Efron ? d : 1;
    const double wbar = ties == CoxTies::Efron ? wsum / static_cast<double>(d) : wsum;
    for (size_t k = 0; k < parts; ++k) {
      const double f = ties == CoxTies::Efron ? static_cast<double>(k) / static_cast<double>(d) : 0.0;
      const double d2 = S - f * SD;
      xbar = (A - f * AD) / d2;
      out.loglik -= wbar * std::log(d2);
      out.u -= wbar * xbar;
      out.info.noalias() += wbar * ((C - f * CD) / d2 - xbar * xbar.transpose());
      if (keep_times) {
        const double h = wbar / d2;
        t.hazard += h;
        t.hazard_mean += h * xbar;
        t.mean_of_means += xbar / static_cast<double>(parts);
        t.death_hazard += (1 - f) * h;
        t.death_hazard_mean += (1 - f) * h * xbar;
      }
    }
    if (keep_times) out.times.push_back(std::move(t));
  }
  return out;
}

bool finite(const Pass& p) { return std::isfinite(p.loglik) && p.u.allFinite() && p.info.allFinite(); }

// Robust variance: D'D over clusters of the weighted dfbeta residuals.
Eigen::MatrixXd robust_variance(const Sorted& s, const std::vector<TieGroup>& groups, const Pass& pass, const Eigen::VectorXd& beta,
                                const Eigen::MatrixXd& var, const std::vector<int64_t>& cluster, size_t& clusters) {
  const auto p = static_cast<Eigen::Index>(s.p);
  std::vector<const DeathTime*> at(groups.size(), nullptr);
  for (const DeathTime& t : pass.times) at[t.group] = &t;
  std::unordered_map<int64_t, size_t> index;
  std::vector<Eigen::VectorXd> sums;
  double H = 0;
  Eigen::VectorXd B = Eigen::VectorXd::Zero(p), U(p);
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const TieGroup& g = groups[gi];
    if (gi == 0 || groups[gi - 1].stratum_end) {
      H = 0;
      B.setZero();
    }
    const DeathTime* t = at[gi];
    for (size_t k = g.begin; k < g.end; ++k) {
      const auto kk = static_cast<Eigen::Index>(k);
      const double r = std::exp(s.x.row(kk).dot(beta) + s.off[k]);
      const auto xk = s.x.row(kk).transpose();
      U = -r * (xk * H - B);  // the death times before this one
      if (t && s.dead[k]) {
        U += xk - t->mean_of_means - r * (xk * t->death_hazard - t->death_hazard_mean);
      } else if (t) {
        U -= r * (xk * t->hazard - t->hazard_mean);
      }
      const int64_t c = cluster[s.order[k]];
      const auto [it, inserted] = index.emplace(c, sums.size());
      if (inserted) sums.push_back(Eigen::VectorXd::Zero(p));
      sums[it->second] += s.w[k] * (var * U);
    }
    if (t) {
      H += t->hazard;
      B += t->hazard_mean;
    }
  }
  clusters = sums.size();
  Eigen::MatrixXd rv = Eigen::MatrixXd::Zero(p, p);
  for (const auto& d : sums) rv.noalias() += d * d.transpose();
  return rv;
}

void check(const CoxData& d) {
  if (!d.x) throw InputError("cox: no covariates");
  const size_t n = d.time.size();
  if (static_cast<size_t>(d.x->rows()) != n || d.status.size() != n || (!d.weights.empty() && d.weights.size() != n) ||
      (!d.offset.empty() && d.offset.size() != n) || (!d.strata.empty() && d.strata.size() != n) ||
      (!d.cluster.empty() && d.cluster.size() != n)) {
    throw InputError("cox: inputs of different lengths");
  }
  if (d.x->cols() == 0) throw InputError("cox: the model has no covariate");
  size_t events = 0;
  for (size_t i = 0; i < n; ++i) {
    const std::string row = "row " + std::to_string(i + 1);
    if (!(d.time[i] > 0) || !std::isfinite(d.time[i])) throw InputError("cox: " + row + ": the time must be positive and finite");
    if (d.status[i] > 1) throw InputError("cox: " + row + ": the status must be 0 (censored) or 1 (event)");
    if (!d.weights.empty() && !(d.weights[i] > 0 && std::isfinite(d.weights[i]))) {
      throw InputError("cox: " + row + ": weights must be positive (as coxph)");
    }
    if (!d.offset.empty() && !std::isfinite(d.offset[i])) throw InputError("cox: " + row + ": the offset is not finite");
    events += d.status[i];
  }
  if (events == 0) throw InputError("cox: no event in the data; a hazard ratio needs at least one");
  if (!d.x->allFinite()) throw InputError("cox: a covariate is not finite");
}

}  // namespace

CoxFit fit_cox(const CoxData& data, const CoxOptions& options) {
  check(data);
  const Sorted s = sort_subjects(data);
  const std::vector<TieGroup> groups = tie_groups(s);
  const auto p = static_cast<Eigen::Index>(s.p);
  CoxFit fit;
  fit.names = data.names;
  fit.ties = options.ties;
  fit.n = s.n;
  fit.events = static_cast<size_t>(std::count(s.dead.begin(), s.dead.end(), 1));

  auto solver = [&](const Eigen::MatrixXd& info) {
    Eigen::LDLT<Eigen::MatrixXd> ldlt(info);
    const double scale = std::max(1.0, info.diagonal().cwiseAbs().maxCoeff());
    if (ldlt.info() != Eigen::Success || (ldlt.vectorD().array() <= options.toler_chol * scale).any()) {
      throw InputError("cox: the information matrix is singular: a covariate is constant or collinear among the subjects "
                       "at risk; drop it from the formula");
    }
    return ldlt;
  };
  // coxfit6: the score test and the first step at beta = 0, then Newton with step halving.
  Eigen::VectorXd beta = Eigen::VectorXd::Zero(p);
  Pass pass = cox_pass(s, groups, beta, options.ties, false);
  fit.loglik_null = pass.loglik;
  Eigen::VectorXd step = solver(pass.info).solve(pass.u);
  fit.score_test = pass.u.dot(step);
  double best = pass.loglik;
  Eigen::VectorXd newbeta = beta + step;
  int halving = 0;
  for (fit.iterations = 1; fit.iterations <= options.max_iterations; ++fit.iterations) {
    pass = cox_pass(s, groups, newbeta, options.ties, false);
    const bool ok = finite(pass);
    if (ok && std::abs(1 - best / pass.loglik) <= options.eps) {
      fit.converged = halving == 0;
      beta = newbeta;
      break;
    }
    if (!ok || pass.loglik < best) {
      ++halving;  // more aggressive when it does not work, as coxfit6
      newbeta = (newbeta + halving * beta) / (halving + 1.0);
    } else {
      halving = 0;
      best = pass.loglik;
      step = solver(pass.info).solve(pass.u);
      beta = newbeta;
      newbeta = newbeta + step;
    }
  }
  if (fit.iterations > options.max_iterations) fit.iterations = options.max_iterations;
  // The estimate's own pass (also for the residuals).
  // Robust as coxph's default: with clusters, or with weights that are not
  // whole numbers (then each subject is its own cluster).
  std::vector<int64_t> cluster = data.cluster;
  const bool fractional = std::any_of(data.weights.begin(), data.weights.end(), [](double w) { return w != std::floor(w); });
  if (cluster.empty() && fractional) {
    cluster.resize(s.n);
    std::iota(cluster.begin(), cluster.end(), int64_t{0});
  }
  pass = cox_pass(s, groups, beta, options.ties, !cluster.empty());
  fit.loglik = pass.loglik;
  fit.coefficients = beta;
  fit.var = solver(pass.info).solve(Eigen::MatrixXd::Identity(p, p));
  fit.var = (fit.var + fit.var.transpose()) / 2;
  if (!cluster.empty()) fit.robust_var = robust_variance(s, groups, pass, beta, fit.var, cluster, fit.clusters);
  return fit;
}

double cox_wald_test(const CoxFit& fit, const Eigen::MatrixXd& var) {
  return fit.coefficients.dot(var.ldlt().solve(fit.coefficients));
}

}  // namespace impactsim
