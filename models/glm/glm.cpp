#include "models/glm/glm.hpp"

#include <Eigen/Cholesky>
#include <cfloat>
#include <cmath>
#include <vector>

#include "engine/error.hpp"
#include "engine/parallel.hpp"
#include "models/glm/block_kernels.hpp"
#include "models/glm/crossprod.hpp"
#include "models/glm/glm_internal.hpp"

namespace impactsim {

GlmData GlmData::from(const DesignMatrix& dm, Eigen::VectorXd weights, Eigen::VectorXd offset) {
  if (!dm.has_response) throw InputError("the model formula has no response; write it as \"y ~ x1 + x2\"");
  GlmData d;
  d.x = &dm.x;
  d.y = &dm.y;
  d.weights = std::move(weights);
  d.offset = std::move(offset);
  d.names = dm.column_names;
  d.has_intercept = dm.has_intercept;
  return d;
}

std::vector<size_t> GlmFit::estimable() const {
  std::vector<size_t> out;
  for (size_t j = 0; j < aliased.size(); ++j) {
    if (!aliased[j]) out.push_back(j);
  }
  return out;
}

namespace glm_detail {

Eigen::VectorXd linear_predictor_block(const GlmData& d, const Point& at, size_t begin, size_t end) {
  const auto m = static_cast<Eigen::Index>(end - begin);
  Eigen::VectorXd eta(m);
  if (at.beta != nullptr) {
    eta.noalias() = d.x->middleRows(static_cast<Eigen::Index>(begin), m) * *at.beta;
    if (d.offset.size()) eta += d.offset.segment(static_cast<Eigen::Index>(begin), m);
  } else if (at.eta != nullptr) {
    eta = at.eta->segment(static_cast<Eigen::Index>(begin), m);
  } else {  // R's family$initialize: eta = linkfun(mustart), no offset
    const Family& f = *at.family;
    Eigen::ArrayXd mu(m);
    for (Eigen::Index i = 0; i < m; ++i) {
      const size_t r = begin + static_cast<size_t>(i);
      mu[i] = f.start_mu((*d.y)[static_cast<Eigen::Index>(r)], d.weight(r));
    }
    // The hot links' logarithms vectorised (Eigen), the others row by row.
    if (f.link() == Link::Logit) {
      eta = (mu / (1 - mu)).log().matrix();
    } else if (f.link() == Link::Log) {
      eta = mu.log().matrix();
    } else {
      for (Eigen::Index i = 0; i < m; ++i) eta[i] = f.linkfun(mu[i]);
    }
  }
  return eta;
}

Pass irls_pass(const GlmData& d, const Family& f, const Point& at, size_t block_rows, bool cross_products) {
  const auto p = d.x->cols();
  Pass identity;
  identity.cross_products = cross_products;
  identity.xtwx = Eigen::MatrixXd::Zero(p, p);
  identity.xtwz = Eigen::VectorXd::Zero(p);
  // Each reduction block is walked in sub-blocks small enough that the rows
  // read for the linear predictor are still in cache for the weighted
  // cross-product; sub-blocks accumulate in order, so the sums stay
  // independent of the thread count.
  constexpr auto kSubBlock = static_cast<size_t>(kCrossprodScratchRows);
  return deterministic_reduce(
      d.rows(), block_rows, identity,
      [&](size_t block_begin, size_t block_end) {
        Pass out;
        out.cross_products = cross_products;
        out.xtwx = Eigen::MatrixXd::Zero(p, p);
        out.xtwz = Eigen::VectorXd::Zero(p);
        std::vector<double> scratch(cross_products ? 4 * kSubBlock : 0);
        for (size_t begin = block_begin; begin < block_end; begin += kSubBlock) {
          const size_t end = std::min(block_end, begin + kSubBlock);
          const auto m = static_cast<Eigen::Index>(end - begin);
          const auto b = static_cast<Eigen::Index>(begin);
          const Eigen::ArrayXd eta = linear_predictor_block(d, at, begin, end).array();
          const Eigen::ArrayXd y = d.y->segment(b, m).array();
          const Eigen::ArrayXd wt = with_weights_block(d, begin, end, [](const auto& w) { return Eigen::ArrayXd(w); });
          const Eigen::ArrayXd off =
              d.offset.size() ? Eigen::ArrayXd(d.offset.segment(b, m).array()) : Eigen::ArrayXd::Zero(m);
          const WorkingBlock wb = working_block(f, eta, y, wt, off);
          out.deviance += wb.deviance;
          out.valid = out.valid && wb.valid;
          out.mu_min = std::min(out.mu_min, wb.mu.minCoeff());
          out.mu_max = std::max(out.mu_max, wb.mu.maxCoeff());
          out.bad_variance = out.bad_variance || wb.bad_variance;
          if (!cross_products) continue;
          // The kernel fetches the next sub-block while it computes.
          const size_t next_end = std::min(block_end, end + kSubBlock);
          const CrossprodBlock block{d.x->data() + b, d.x->rows(), m, p, wb.w.data()};
          add_weighted_crossprod_lower(block, next_end > end ? d.x->data() + end : nullptr,
                                       static_cast<Eigen::Index>(next_end - end), scratch.data(), out.xtwx);
          out.xtwz.noalias() += d.x->middleRows(b, m).transpose() * wb.wz.matrix();
        }
        return out;
      },
      [](Pass& acc, const Pass& b) {
        acc.xtwx += b.xtwx;
        acc.xtwz += b.xtwz;
        acc.deviance += b.deviance;
        acc.valid = acc.valid && b.valid;
        acc.bad_variance = acc.bad_variance || b.bad_variance;
        acc.mu_min = std::min(acc.mu_min, b.mu_min);
        acc.mu_max = std::max(acc.mu_max, b.mu_max);
      });
}

Solution solve_normal_equations(const Eigen::MatrixXd& lower, const Eigen::VectorXd& rhs, double tolerance) {
  const Eigen::Index p = lower.rows();
  const Eigen::MatrixXd a = lower.selfadjointView<Eigen::Lower>();
  // In-order Cholesky pivots decide aliasing, as R's pivoted QR (dqrdc2)
  // moves a column to the end when it is a combination of those before it.
  Solution s;
  s.aliased.assign(static_cast<size_t>(p), false);
  Eigen::MatrixXd l = Eigen::MatrixXd::Zero(p, p);
  for (Eigen::Index j = 0; j < p; ++j) {
    double d = a(j, j);
    for (Eigen::Index k = 0; k < j; ++k) {
      if (!s.aliased[static_cast<size_t>(k)]) d -= l(j, k) * l(j, k);
    }
    if (!(a(j, j) > 0) || d <= tolerance * a(j, j)) {
      s.aliased[static_cast<size_t>(j)] = true;
      continue;
    }
    l(j, j) = std::sqrt(d);
    for (Eigen::Index i = j + 1; i < p; ++i) {
      double v = a(i, j);
      for (Eigen::Index k = 0; k < j; ++k) {
        if (!s.aliased[static_cast<size_t>(k)]) v -= l(i, k) * l(j, k);
      }
      l(i, j) = v / l(j, j);
    }
  }
  for (size_t j = 0; j < s.aliased.size(); ++j) {
    if (!s.aliased[j]) s.estimable.push_back(static_cast<Eigen::Index>(j));
  }
  const auto r = static_cast<Eigen::Index>(s.estimable.size());
  Eigen::MatrixXd ar(r, r);
  Eigen::VectorXd br(r);
  for (Eigen::Index i = 0; i < r; ++i) {
    br[i] = rhs[s.estimable[static_cast<size_t>(i)]];
    for (Eigen::Index j = 0; j < r; ++j) ar(i, j) = a(s.estimable[static_cast<size_t>(i)], s.estimable[static_cast<size_t>(j)]);
  }
  Eigen::LLT<Eigen::MatrixXd> llt(ar);
  s.beta = Eigen::VectorXd::Zero(p);
  if (r > 0) {
    const Eigen::VectorXd br_solved = llt.solve(br);
    for (Eigen::Index i = 0; i < r; ++i) s.beta[s.estimable[static_cast<size_t>(i)]] = br_solved[i];
    s.inverse = llt.solve(Eigen::MatrixXd::Identity(r, r));
  }
  s.ok = llt.info() == Eigen::Success;
  return s;
}

bool converged(double dev, double dev_old, double epsilon) {
  return std::abs(dev - dev_old) / (std::abs(dev) + 0.1) < epsilon;
}

IrlsResult irls(const GlmData& d, const Family& f, const Point& start, const GlmOptions& opt) {
  IrlsResult res;
  Pass cur = irls_pass(d, f, start, opt.block_rows);
  if (!std::isfinite(cur.deviance) || !cur.valid) {
    throw InputError("cannot find valid starting values for the " + f.name() + " family with the " +
                     std::string(to_string(f.link())) + " link; check the response");
  }
  double dev_old = cur.deviance;
  Eigen::VectorXd coef_old;  // R's coefold: none before the first step
  res.previous = start;
  // IRLS converges quadratically: a step's relative change of the deviance
  // is about the square of the last one's (seen: 1.7e-6 then 9e-13, 3.4e-5
  // then 6.5e-10, 1.1e-4 then 2.2e-8). Below kLikelyLast the step is almost
  // surely the last, and its pass skips X'WX and X'Wz, which a converged fit
  // does not use: the last pass only reads X for the deviance. Should the
  // fit go on, the pass is redone in full (one more read of X).
  constexpr double kLikelyLast = 5e-5;
  double last_change = HUGE_VAL;
  for (res.iterations = 1; res.iterations <= opt.max_iterations; ++res.iterations) {
    if (cur.bad_variance) throw InputError("the variance function is zero or not finite at the current fit (R: \"0s in V(mu)\")");
    Solution s = solve_normal_equations(cur.xtwx, cur.xtwz, opt.alias_tolerance);
    if (!s.ok) throw InputError("the weighted normal equations are singular; the model cannot be fitted");
    Eigen::VectorXd beta = s.beta;
    Pass next = irls_pass(d, f, Point{&beta, nullptr, &f}, opt.block_rows, last_change >= kLikelyLast);
    // Step halving when the deviance is not finite or the fit leaves the
    // family's domain (R glm.fit).
    for (int half = 0; !std::isfinite(next.deviance) || !next.valid; ++half) {
      if (coef_old.size() == 0) {
        throw InputError("no valid set of coefficients has been found (the first step leaves the " + f.name() +
                         " family's domain); try another link or check the data");
      }
      if (half >= opt.max_iterations) throw InputError("inner loop of step halving did not converge; the fit cannot continue");
      beta = (beta + coef_old) / 2;
      next = irls_pass(d, f, Point{&beta, nullptr, &f}, opt.block_rows);
      res.boundary = true;
    }
    res.solution = std::move(s);
    res.beta = beta;
    res.last = next;
    if (res.iterations > 1 || coef_old.size() > 0) res.previous_beta = coef_old;
    if (converged(next.deviance, dev_old, opt.epsilon)) {
      res.converged = true;
      break;
    }
    last_change = std::abs(next.deviance - dev_old) / (std::abs(next.deviance) + 0.1);
    if (!next.cross_products) next = irls_pass(d, f, Point{&beta, nullptr, &f}, opt.block_rows);
    dev_old = next.deviance;
    coef_old = beta;
    cur = std::move(next);
  }
  if (res.iterations > opt.max_iterations) res.iterations = opt.max_iterations;
  return res;
}

}  // namespace glm_detail

namespace {

using namespace glm_detail;

// Walks rows [begin, end) one by one and throws at the first value the
// family cannot model, naming its row.
void check_rows(const GlmData& d, const Family& f, size_t begin, size_t end) {
  for (size_t i = begin; i < end; ++i) {
    const double w = d.weight(i);
    if (!(w >= 0) || !std::isfinite(w)) {
      throw InputError("weight " + std::to_string(w) + " at model row " + std::to_string(i + 1) +
                       ": weights must be finite and non-negative");
    }
    if (d.offset.size() && !std::isfinite(d.offset[static_cast<Eigen::Index>(i)])) {
      throw InputError("offset is not finite at model row " + std::to_string(i + 1));
    }
    const double y = (*d.y)[static_cast<Eigen::Index>(i)];
    switch (f.kind()) {
      case FamilyKind::Binomial:
        if (w > 0 && (y < 0 || y > 1)) {
          throw InputError("binomial response must lie in [0, 1] (0/1 outcomes, or proportions with their counts as "
                           "weights); model row " + std::to_string(i + 1) + " has " + format_r_number(y));
        }
        break;
      case FamilyKind::Poisson:
      case FamilyKind::NegativeBinomial:
        if (y < 0) {
          throw InputError("negative count " + format_r_number(y) + " at model row " + std::to_string(i + 1) +
                           ": the " + std::string(to_string(f.kind())) + " family needs counts >= 0");
        }
        break;
      case FamilyKind::Gamma:
        if (!(y > 0)) {
          throw InputError("non-positive value " + format_r_number(y) + " at model row " + std::to_string(i + 1) +
                           ": the Gamma family needs a response > 0 (model spending > 0, or use a two-part model)");
        }
        break;
      case FamilyKind::Gaussian:
        if (f.link() == Link::Log && !(y > 0)) {
          throw InputError("cannot find valid starting values: the gaussian family with log link needs y > 0 (row " +
                           std::to_string(i + 1) + ")");
        }
        if (f.link() == Link::Inverse && y == 0) {
          throw InputError("cannot find valid starting values: the gaussian family with inverse link needs y != 0 (row " +
                           std::to_string(i + 1) + ")");
        }
        break;
    }
  }
}

// Throws for values the family cannot model; returns R's warnings. The
// blocks are tested in parallel, vectorised, with the same conditions as
// check_rows; the first block that fails is walked row by row for the
// message.
std::vector<std::string> check_data(const GlmData& d, const Family& f, size_t block_rows) {
  const size_t n = d.rows();
  if (n == 0) throw InputError("no rows to fit");
  struct Scan {
    size_t first_bad = SIZE_MAX;
    bool non_integer_successes = false;
  };
  const Scan scan = deterministic_reduce(
      n, block_rows, Scan{},
      [&](size_t begin, size_t end) {
        return with_weights_block(d, begin, end, [&](const auto& wt) {
          const auto b = static_cast<Eigen::Index>(begin), m = static_cast<Eigen::Index>(end - begin);
          const auto y = d.y->segment(b, m).array();
          bool ok = (wt >= 0).all() && wt.isFinite().all();  // NaN fails wt >= 0
          if (d.offset.size()) ok = ok && d.offset.segment(b, m).array().isFinite().all();
          Scan out;
          switch (f.kind()) {
            case FamilyKind::Binomial: {
              ok = ok && !(wt > 0 && (y < 0 || y > 1)).any();
              // |s - round(s)| > 1e-3 with the fraction s - floor(s), which
              // vectorises (Eigen 3.4's round() is a scalar call per row).
              const Eigen::ArrayXd successes = wt * y;
              const Eigen::ArrayXd fraction = successes - successes.floor();
              out.non_integer_successes = (fraction > 1e-3 && fraction < 1 - 1e-3).any();
              break;
            }
            case FamilyKind::Poisson:
            case FamilyKind::NegativeBinomial: ok = ok && !(y < 0).any(); break;
            case FamilyKind::Gamma: ok = ok && (y > 0).all(); break;
            case FamilyKind::Gaussian:
              if (f.link() == Link::Log) ok = ok && (y > 0).all();
              if (f.link() == Link::Inverse) ok = ok && !(y == 0).any();
              break;
          }
          if (!ok) out.first_bad = begin;
          return out;
        });
      },
      [](Scan& a, const Scan& b) {
        a.first_bad = std::min(a.first_bad, b.first_bad);
        a.non_integer_successes = a.non_integer_successes || b.non_integer_successes;
      });
  if (scan.first_bad != SIZE_MAX) check_rows(d, f, scan.first_bad, n);
  std::vector<std::string> warnings;
  if (scan.non_integer_successes) {
    warnings.push_back("non-integer #successes in a binomial glm! (proportions need their counts as weights)");
  }
  return warnings;
}

// Under (quasi-)complete separation the likelihood has no maximum and IRLS
// walks off along some coefficients. Run it further: those still moving by
// more than a unit of log-odds between 10 and 20 iterations are named.
std::vector<std::string> diverging_terms(const GlmData& d, const GlmOptions& opt) {
  GlmOptions o = opt;
  o.epsilon = 0;  // never "converge": follow the trajectory
  o.max_iterations = 10;
  const Eigen::VectorXd b10 = irls(d, opt.family, Point{nullptr, nullptr, &opt.family}, o).beta;
  o.max_iterations = 20;
  const Eigen::VectorXd b20 = irls(d, opt.family, Point{nullptr, nullptr, &opt.family}, o).beta;
  std::vector<std::string> out;
  for (Eigen::Index j = 0; j < b20.size(); ++j) {
    if (std::abs(b20[j] - b10[j]) > 1 && std::abs(b20[j]) > 5) out.push_back(d.names[static_cast<size_t>(j)]);
  }
  return out;
}

}  // namespace

GlmFit glm_detail::finish(const GlmData& d, const Family& f, const IrlsResult& r, const GlmOptions& opt) {
  GlmFit fit;
  fit.family = f;
  fit.working_family = f;
  fit.names = d.names;
  fit.aliased = r.solution.aliased;
  fit.rank = r.solution.estimable.size();
  fit.cov_unscaled = r.solution.inverse;
  fit.coefficients = r.beta;
  for (size_t j = 0; j < fit.aliased.size(); ++j) {
    if (fit.aliased[j]) fit.coefficients[static_cast<Eigen::Index>(j)] = NAN;
  }
  fit.previous_coefficients = r.previous_beta;
  fit.iterations = r.iterations;
  fit.converged = r.converged;
  fit.boundary = r.boundary;
  fit.deviance = r.last.deviance;
  fit.dispersion_estimated = !f.fixed_dispersion();

  // One more pass at the final coefficients: counts, null deviance, AIC and
  // the Pearson dispersion as R's summary.glm computes it (working weights
  // of the last iteration, residuals at the final fit).
  const Point final_point{&r.beta, nullptr, &f};
  const Point weights_point = r.previous_beta.size() ? Point{&r.previous_beta, nullptr, &f} : r.previous;
  using Totals = RowTotals;
  auto combine = [](Totals& a, const Totals& b) {
    a.sum_w += b.sum_w;
    a.sum_wy += b.sum_wy;
    a.pearson += b.pearson;
    a.aic += b.aic;
    a.sum_log_w += b.sum_log_w;
    a.n_ok += b.n_ok;
    a.whole_counts = a.whole_counts && b.whole_counts;
    a.zero_one = a.zero_one && b.zero_one;
  };
  // Binomial (whole successes and trials) and Poisson: -2 log-likelihood and
  // deviance differ by a term that does not depend on the means (the
  // saturated model's), so AIC = deviance + that term, and the totals need
  // no pass over X.
  if (f.kind() == FamilyKind::Binomial || f.kind() == FamilyKind::Poisson) {
    Totals identity;
    identity.zero_one = f.kind() == FamilyKind::Binomial;
    Totals t = deterministic_reduce(
        d.rows(), opt.block_rows, identity,
        [&](size_t begin, size_t end) {
          return with_weights_block(d, begin, end, [&](const auto& wt) {
            Totals t;
            const auto b = static_cast<Eigen::Index>(begin), m = static_cast<Eigen::Index>(end - begin);
            const auto y = d.y->segment(b, m).array();
            const auto wy = wt * y;
            t.sum_w = wt.sum();
            t.sum_wy = wy.sum();
            t.n_ok = static_cast<size_t>((wt > 0).count());
            const bool binomial = f.kind() == FamilyKind::Binomial;
            if (binomial) {
              t.whole_counts = (wy.floor() == wy).all() && (wt.floor() == wt).all();
              t.zero_one = (y == 0 || y == 1).all();
            }
            // A 0/1 outcome of one trial has a saturated log-likelihood of
            // log 1 = 0: its term is 0 exactly, with no logarithm to take.
            if (binomial && t.zero_one && (wt == 1).all()) return t;
            for (Eigen::Index i = 0; i < m; ++i) {
              if (binomial && wt[i] == 1 && (y[i] == 0 || y[i] == 1)) continue;
              const double mu0 = f.start_mu(y[i], wt[i]);  // any valid mean gives the same difference
              t.aic += f.aic_term(y[i], mu0, wt[i]) - f.deviance_residual(y[i], mu0, wt[i]);
            }
            return t;
          });
        },
        combine);
    if (t.whole_counts) {
      t.aic += fit.deviance;
      return complete(std::move(fit), d, f, r, opt, t);
    }
  }
  auto totals_at = [&](double gamma_dispersion) {
    return deterministic_reduce(
        d.rows(), opt.block_rows, Totals{},
        [&](size_t begin, size_t end) {
          Totals t;
          const Eigen::VectorXd eta = linear_predictor_block(d, final_point, begin, end);
          // The Pearson dispersion needs the working weights of the last
          // iteration; families with dispersion 1 skip that product.
          const Eigen::VectorXd eta_w =
              fit.dispersion_estimated ? linear_predictor_block(d, weights_point, begin, end) : Eigen::VectorXd();
          for (size_t r = begin; r < end; ++r) {
            const auto i = static_cast<Eigen::Index>(r - begin);
            const double y = (*d.y)[static_cast<Eigen::Index>(r)];
            const double wt = d.weight(r);
            const double mu = f.linkinv(eta[i]);
            t.sum_w += wt;
            t.sum_wy += wt * y;
            t.aic += f.aic_term(y, mu, wt, gamma_dispersion);
            if (wt > 0) {
              ++t.n_ok;
              t.sum_log_w += std::log(wt);
              if (!fit.dispersion_estimated) continue;
              const double me_w = f.mu_eta(eta_w[i]);
              const double mu_w = f.linkinv(eta_w[i]);
              const double working_weight = wt * me_w * me_w / f.variance(mu_w);
              const double resid = (y - mu) / f.mu_eta(eta[i]);
              if (me_w != 0) t.pearson += working_weight * resid * resid;
            }
          }
          return t;
        },
        combine);
  };
  Totals t = totals_at(1.0);
  if (f.kind() == FamilyKind::Gamma) t = totals_at(fit.deviance / t.sum_w);  // Gamma's aic needs dev / sum(w)
  return complete(std::move(fit), d, f, r, opt, t);
}

// The rest of the fit's numbers from the totals.
GlmFit glm_detail::complete(GlmFit fit, const GlmData& d, const Family& f, const IrlsResult& r, const GlmOptions& opt,
                            const RowTotals& t) {
  const size_t n_ok = t.n_ok;
  fit.n_obs = n_ok;
  fit.df_residual = static_cast<double>(n_ok) - static_cast<double>(fit.rank);
  fit.df_null = static_cast<double>(n_ok) - (d.has_intercept ? 1.0 : 0.0);
  if (fit.dispersion_estimated) {
    fit.dispersion = fit.df_residual > 0 ? t.pearson / fit.df_residual : NAN;
  }
  double aic = t.aic;
  if (f.kind() == FamilyKind::Gaussian) {
    const double nobs = static_cast<double>(n_ok);
    aic = nobs * (std::log(fit.deviance / nobs * 2 * M_PI) + 1) + 2 - t.sum_log_w;
  } else if (f.kind() == FamilyKind::Gamma) {
    aic += 2;
  }
  fit.aic = aic + 2 * static_cast<double>(fit.rank);
  const double extra = (f.kind() == FamilyKind::Gaussian || f.kind() == FamilyKind::Gamma) ? 1.0 : 0.0;
  fit.log_likelihood = static_cast<double>(fit.rank) + extra - fit.aic / 2;

  // Null deviance: the weighted mean with an intercept, linkinv(offset)
  // without one; with both an intercept and an offset R refits the
  // intercept-only model (see fit_glm).
  const double wtdmu = t.sum_w > 0 ? t.sum_wy / t.sum_w : 0;
  // With an intercept the mean is one number; for a valid binomial or
  // Poisson mean the deviance residuals vectorise.
  const bool constant_valid_mean = d.has_intercept && ((f.kind() == FamilyKind::Binomial && wtdmu > 0 && wtdmu < 1) ||
                                                       (f.kind() == FamilyKind::Poisson && wtdmu > 0));
  if (constant_valid_mean && t.zero_one) {
    // 0/1 outcomes: a row adds 2 wt log(1 / mu) if y = 1, 2 wt log(1 / (1 -
    // mu)) if y = 0, so the sum needs only the totals (no pass).
    fit.null_deviance = 2 * (t.sum_wy * std::log(1 / wtdmu) + (t.sum_w - t.sum_wy) * std::log(1 / (1 - wtdmu)));
  } else {
    fit.null_deviance = deterministic_reduce(
        d.rows(), opt.block_rows, 0.0,
        [&](size_t begin, size_t end) {
          if (constant_valid_mean) {
            return with_weights_block(d, begin, end, [&](const auto& wt) {
              const auto b = static_cast<Eigen::Index>(begin), m = static_cast<Eigen::Index>(end - begin);
              const auto y = d.y->segment(b, m).array();
              if (f.kind() == FamilyKind::Binomial) {
                return (2 * wt * (y_log_y(y, wtdmu) + y_log_y(1 - y, 1 - wtdmu))).sum();
              }
              return (2 * wt * (y_log_y(y, wtdmu) - (y - wtdmu))).sum();
            });
          }
          double dev = 0;
          for (size_t r = begin; r < end; ++r) {
            const double mu0 = d.has_intercept ? wtdmu : f.linkinv(d.offset_at(r));
            dev += f.deviance_residual((*d.y)[static_cast<Eigen::Index>(r)], mu0, d.weight(r));
          }
          return dev;
        },
        [](double& a, double b) { a += b; });
  }

  if (!fit.converged) fit.warnings.push_back("glm.fit: algorithm did not converge");
  if (fit.boundary) fit.warnings.push_back("glm.fit: algorithm stopped at boundary value");
  const double eps = 10 * DBL_EPSILON;
  if (f.kind() == FamilyKind::Binomial && (r.last.mu_max > 1 - eps || r.last.mu_min < eps)) {
    fit.warnings.push_back("glm.fit: fitted probabilities numerically 0 or 1 occurred");
  }
  if ((f.kind() == FamilyKind::Poisson || f.kind() == FamilyKind::NegativeBinomial) && r.last.mu_min < eps) {
    fit.warnings.push_back("glm.fit: fitted rates numerically 0 occurred");
  }
  for (size_t j = 0; j < fit.aliased.size(); ++j) {
    if (fit.aliased[j]) {
      fit.warnings.push_back("coefficient \"" + fit.names[j] +
                             "\" not defined because of singularities (a combination of the columns before it)");
    }
  }
  return fit;
}

double glm_detail::intercept_only_deviance(const GlmData& d, const Family& f, const Eigen::VectorXd* eta_start,
                                           const GlmOptions& opt) {
  const Eigen::MatrixXd ones = Eigen::MatrixXd::Ones(d.x->rows(), 1);
  GlmData d0;
  d0.x = &ones;
  d0.y = d.y;
  d0.weights = d.weights;
  d0.offset = d.offset;
  d0.names = {"(Intercept)"};
  d0.has_intercept = true;
  const IrlsResult r = irls(d0, f, Point{nullptr, eta_start, &f}, opt);
  return r.last.deviance;
}

GlmFit fit_glm(const GlmData& d, const GlmOptions& opt) {
  const Family& f = opt.family;
  const std::vector<std::string> data_warnings = check_data(d, f, opt.block_rows);
  GlmFit fit;
  if (f.kind() == FamilyKind::NegativeBinomial) {
    fit = glm_detail::fit_negative_binomial(d, opt);
  } else if (opt.firth) {
    fit = glm_detail::fit_firth(d, opt);
  } else {
    fit = fit_ml(d, opt);
  }
  fit.warnings.insert(fit.warnings.begin(), data_warnings.begin(), data_warnings.end());
  return fit;
}

GlmFit fit_ml(const GlmData& d, const GlmOptions& opt) {
  const Family& f = opt.family;
  const IrlsResult r = irls(d, f, Point{nullptr, nullptr, &f}, opt);
  GlmFit fit = finish(d, f, r, opt);
  const bool extreme = std::any_of(fit.warnings.begin(), fit.warnings.end(), [](const std::string& w) {
    return w.find("numerically 0 or 1") != std::string::npos || w.find("did not converge") != std::string::npos;
  });
  // Slow convergence is the other sign: R stops once the deviance creeps by
  // less than epsilon, with the offending coefficients still growing.
  if (f.kind() == FamilyKind::Binomial && (extreme || fit.iterations > 10)) {
    const auto terms = diverging_terms(d, opt);
    if (!terms.empty()) {
      std::string list;
      for (const auto& t : terms) list += (list.empty() ? "\"" : ", \"") + t + "\"";
      fit.warnings.push_back("(quasi-)complete separation: the likelihood has no maximum and the estimates of " + list +
                             " grow without bound; their standard errors are meaningless. Use --firth (Firth's "
                             "penalised likelihood) for finite estimates");
      fit.separated_terms = terms;
    }
  }
  if (d.has_intercept && d.offset.size()) {
    // R: the null deviance refits the intercept-only model, started at the fit.
    Eigen::VectorXd eta(d.x->rows());
    parallel_for_blocks(d.rows(), opt.block_rows, [&](size_t, size_t b, size_t e) {
      const Eigen::VectorXd blk = linear_predictor_block(d, Point{&r.beta, nullptr, &f}, b, e);
      eta.segment(static_cast<Eigen::Index>(b), static_cast<Eigen::Index>(e - b)) = blk;
    });
    // R passes mustart = fitted values; eta = linkfun(linkinv(eta)).
    for (Eigen::Index i = 0; i < eta.size(); ++i) eta[i] = f.linkfun(f.linkinv(eta[i]));
    fit.null_deviance = intercept_only_deviance(d, f, &eta, opt);
  }
  return fit;
}

}  // namespace impactsim
