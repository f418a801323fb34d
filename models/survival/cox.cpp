#include "models/survival/cox.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <utility>
#include <unordered_map>

#include "engine/error.hpp"
#include "engine/parallel.hpp"

namespace impactsim {
namespace {

// Subjects sorted by stratum, then time (as coxph.fit's order(strata, time)),
// covariates centred (the partial likelihood does not change; exp() does not overflow).
struct Sorted {
  size_t n = 0, p = 0;
  std::vector<size_t> order;        // sorted position -> input row
  Eigen::MatrixXd xt;               // p x n: subject k's centred covariates are column k (contiguous)
  std::vector<double> time, w, off;
  std::vector<uint8_t> dead;
  std::vector<int64_t> stratum;
  // The passes' scratch (risk scores, cross-product weights), allocated once per fit.
  mutable std::vector<double> risk, v;
};

// The rows in order of (stratum, time, row): a stable LSD radix sort of the
// times' bits (positive doubles order as their bits do; a byte every key
// shares costs no pass), then a stable counting sort by stratum. Claims
// data have many rows and few distinct days: a comparison sort of 10^6 rows
// took half the fit.
std::vector<size_t> sorted_order(const CoxData& d) {
  const size_t n = d.time.size();
  std::vector<uint64_t> key(n), key2(n);
  std::vector<size_t> idx(n), idx2(n);
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(&key[i], &d.time[i], sizeof(double));
    idx[i] = i;
  }
  std::vector<size_t> count(256);
  for (int shift = 0; shift < 64; shift += 8) {
    std::fill(count.begin(), count.end(), 0);
    for (size_t i = 0; i < n; ++i) ++count[(key[i] >> shift) & 255];
    if (std::find(count.begin(), count.end(), n) != count.end()) continue;  // every key shares this byte
    size_t at = 0;
    for (size_t& c : count) at += std::exchange(c, at);
    for (size_t i = 0; i < n; ++i) {
      const size_t to = count[(key[i] >> shift) & 255]++;
      key2[to] = key[i];
      idx2[to] = idx[i];
    }
    key.swap(key2);
    idx.swap(idx2);
  }
  if (d.strata.empty()) return idx;
  std::vector<int64_t> levels(d.strata);
  std::sort(levels.begin(), levels.end());
  levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
  if (levels.size() == 1) return idx;
  std::vector<size_t> rank(n), start(levels.size() + 1, 0);
  for (size_t i = 0; i < n; ++i) {
    rank[i] = static_cast<size_t>(std::lower_bound(levels.begin(), levels.end(), d.strata[i]) - levels.begin());
    ++start[rank[i] + 1];
  }
  for (size_t k = 1; k < start.size(); ++k) start[k] += start[k - 1];
  for (size_t i : idx) idx2[start[rank[i]]++] = i;
  return idx2;
}

Sorted sort_subjects(const CoxData& d) {
  Sorted s;
  s.n = d.time.size();
  s.p = static_cast<size_t>(d.x->cols());
  s.order = sorted_order(d);
  s.time.resize(s.n);
  s.w.resize(s.n);
  s.off.resize(s.n);
  s.dead.resize(s.n);
  s.stratum.resize(s.n);
  // Covariates centred, each subject's contiguous: transposed in input order
  // (sequential reads), then gathered a subject (p doubles) at a time; the
  // other columns gathered alongside (copies: in parallel, the same bits).
  const Eigen::VectorXd mean = d.x->colwise().mean().transpose();
  Eigen::MatrixXd xt0(static_cast<Eigen::Index>(s.p), static_cast<Eigen::Index>(s.n));
  parallel_for_blocks(s.n, 1 << 16, [&](size_t, size_t begin, size_t end) {
    const auto b = static_cast<Eigen::Index>(begin), m = static_cast<Eigen::Index>(end - begin);
    xt0.middleCols(b, m) = d.x->middleRows(b, m).transpose();
  });
  s.xt.resize(static_cast<Eigen::Index>(s.p), static_cast<Eigen::Index>(s.n));
  parallel_for_blocks(s.n, 1 << 16, [&](size_t, size_t begin, size_t end) {
    for (size_t k = begin; k < end; ++k) {
      const size_t i = s.order[k];
      s.xt.col(static_cast<Eigen::Index>(k)) = xt0.col(static_cast<Eigen::Index>(i)) - mean;
      s.time[k] = d.time[i];
      s.stratum[k] = d.strata.empty() ? int64_t{0} : d.strata[i];
      s.w[k] = d.weights.empty() ? 1.0 : d.weights[i];
      s.off[k] = d.offset.empty() ? 0.0 : d.offset[i];
      s.dead[k] = d.status[i];
    }
  });
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

// The information's risk-set term, sum over death times t of
// wbar (h0_t C(t) - h1_t CD(t)), with C(t) = sum of r x x' over the risk set
// and CD(t) over the deaths at t, is regrouped by subject: subject k adds
// r_k x_k x_k' times v_k = (the sum of wbar h0 over the death times at
// which k is at risk) - (wbar h1 of its own death time, if it died then).
// One weighted cross-product, in fixed blocks combined in order (the same
// sums whatever the thread count), replaces a p x p update per subject in
// the sequential pass.
Eigen::MatrixXd weighted_crossprod(const Eigen::MatrixXd& xt, const std::vector<double>& v) {
  return deterministic_reduce(
      v.size(), size_t{1} << 15, Eigen::MatrixXd(Eigen::MatrixXd::Zero(xt.rows(), xt.rows())),
      [&](size_t begin, size_t end) {
        // Eigen's matrix product runs on one thread inside a parallel region
        // and blocks for one thread always: the same sums whatever the count.
        // v >= 0 (a subject's at-risk weight includes its own death time's,
        // which exceeds that time's death weight): a symmetric rank-m update
        // of the columns scaled by sqrt(v), half the products of a full one.
        const auto m = static_cast<Eigen::Index>(end - begin);
        const Eigen::Map<const Eigen::ArrayXd> vb(v.data() + begin, m);
        const Eigen::MatrixXd scaled = xt.middleCols(static_cast<Eigen::Index>(begin), m).array().rowwise() * vb.max(0.0).sqrt().transpose();
        Eigen::MatrixXd c = Eigen::MatrixXd::Zero(xt.rows(), xt.rows());
        c.selfadjointView<Eigen::Lower>().rankUpdate(scaled);
        c.triangularView<Eigen::StrictlyUpper>() = c.transpose();
        return c;
      },
      [](Eigen::MatrixXd& acc, const Eigen::MatrixXd& part) { acc += part; });
}

Pass cox_pass(const Sorted& s, const std::vector<TieGroup>& groups, const Eigen::VectorXd& beta, CoxTies ties, bool keep_times) {
  const auto p = static_cast<Eigen::Index>(s.p);
  Pass out;
  out.u = Eigen::VectorXd::Zero(p);
  out.info = Eigen::MatrixXd::Zero(p, p);
  const Eigen::VectorXd eta =
      s.xt.transpose() * beta + Eigen::Map<const Eigen::VectorXd>(s.off.data(), static_cast<Eigen::Index>(s.n));
  std::vector<double>& risk = s.risk;
  risk.resize(s.n);
  parallel_for_blocks(s.n, size_t{1} << 15, [&](size_t, size_t begin, size_t end) {
    for (size_t k = begin; k < end; ++k) risk[k] = s.w[k] * std::exp(eta[static_cast<Eigen::Index>(k)]);
  });
  // Per tie group: wbar h0 (every subject at risk) and wbar h1 (its deaths).
  std::vector<double> at_risk_weight(groups.size(), 0.0), death_weight(groups.size(), 0.0);
  double S = 0;
  Eigen::VectorXd A = Eigen::VectorXd::Zero(p), AD(p);
  for (size_t gi = groups.size(); gi-- > 0;) {
    const TieGroup& g = groups[gi];
    if (g.stratum_end) {  // going down, a new stratum starts its risk set
      S = 0;
      A.setZero();
    }
    double SD = 0, wsum = 0;
    size_t d = 0;
    AD.setZero();
    for (size_t k = g.begin; k < g.end; ++k) {
      const double r = risk[k];
      const auto xk = s.xt.col(static_cast<Eigen::Index>(k));
      S += r;
      A += r * xk;
      if (!s.dead[k]) continue;
      ++d;
      SD += r;
      AD += r * xk;
      wsum += s.w[k];
      out.loglik += s.w[k] * eta[static_cast<Eigen::Index>(k)];
      out.u += s.w[k] * xk;
    }
    if (d == 0) continue;
    DeathTime t{gi, 0, Eigen::VectorXd::Zero(p), Eigen::VectorXd::Zero(p), 0, Eigen::VectorXd::Zero(p)};
    const size_t parts = ties == CoxTies::Efron ? d : 1;
    const double wbar = ties == CoxTies::Efron ? wsum / static_cast<double>(d) : wsum;
    // The parts' means are xbar_k = (A - f_k AD) / d2_k, d2_k = S - f_k SD
    // (f_k = k / d, Efron; 0, Breslow): their sums reduce to scalar sums of
    // powers of 1 / d2_k times A and AD, so a part costs O(1), not O(p^2).
    double h0 = 0, h1 = 0, q0 = 0, q1 = 0, q2 = 0, dh0 = 0, dh1 = 0;
    for (size_t k = 0; k < parts; ++k) {
      const double f = ties == CoxTies::Efron ? static_cast<double>(k) / static_cast<double>(d) : 0.0;
      const double d2 = S - f * SD;
      out.loglik -= wbar * std::log(d2);
      h0 += 1 / d2;            // sum 1 / d2
      h1 += f / d2;            // sum f / d2
      q0 += 1 / (d2 * d2);     // sum 1 / d2^2, and with f, f^2
      q1 += f / (d2 * d2);
      q2 += f * f / (d2 * d2);
      dh0 += (1 - f) / (d2 * d2);
      dh1 += (1 - f) * f / (d2 * d2);
      if (keep_times) t.death_hazard += (1 - f) * wbar / d2;
    }
    out.u -= wbar * (h0 * A - h1 * AD);
    at_risk_weight[gi] = wbar * h0;
    death_weight[gi] = wbar * h1;
    out.info.noalias() -= wbar * (q0 * A * A.transpose() - q1 * (A * AD.transpose() + AD * A.transpose()) + q2 * AD * AD.transpose());
    if (keep_times) {
      t.hazard = wbar * h0;
      t.hazard_mean = wbar * (q0 * A - q1 * AD);
      t.mean_of_means = (h0 * A - h1 * AD) / static_cast<double>(parts);
      t.death_hazard_mean = wbar * (dh0 * A - dh1 * AD);
      out.times.push_back(std::move(t));
    }
  }
  // v_k: the at-risk weights of the death times up to k's (forward within its stratum).
  std::vector<double>& v = s.v;
  v.resize(s.n);
  double cumulative = 0;
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const TieGroup& g = groups[gi];
    if (gi == 0 || groups[gi - 1].stratum_end) cumulative = 0;
    cumulative += at_risk_weight[gi];
    for (size_t k = g.begin; k < g.end; ++k) v[k] = risk[k] * (cumulative - (s.dead[k] ? death_weight[gi] : 0.0));
  }
  out.info += weighted_crossprod(s.xt, v);
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
      const double r = std::exp(s.xt.col(kk).dot(beta) + s.off[k]);
      const auto xk = s.xt.col(kk);
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
    auto row = [i] { return "row " + std::to_string(i + 1); };
    if (!(d.time[i] > 0) || !std::isfinite(d.time[i])) throw InputError("cox: " + row() + ": the time must be positive and finite");
    if (d.status[i] > 1) throw InputError("cox: " + row() + ": the status must be 0 (censored) or 1 (event)");
    if (!d.weights.empty() && !(d.weights[i] > 0 && std::isfinite(d.weights[i]))) {
      throw InputError("cox: " + row() + ": weights must be positive (as coxph)");
    }
    if (!d.offset.empty() && !std::isfinite(d.offset[i])) throw InputError("cox: " + row() + ": the offset is not finite");
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
  // The converged iteration's pass is at beta already; the residuals need their own.
  if (!fit.converged || !cluster.empty()) pass = cox_pass(s, groups, beta, options.ties, !cluster.empty());
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
