#include "models/glm/inference.hpp"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>

#include "engine/error.hpp"
#include "engine/parallel.hpp"
#include "models/glm/glm_internal.hpp"

namespace impactsim {

using glm_detail::linear_predictor_block;
using glm_detail::Point;

std::string_view to_string(VcovType type) {
  switch (type) {
    case VcovType::Model: return "model";
    case VcovType::HC0: return "HC0";
    case VcovType::HC1: return "HC1";
    case VcovType::Cluster: return "CL";
  }
  return "?";
}

namespace {

Eigen::VectorXd zeroed(const Eigen::VectorXd& beta) {
  Eigen::VectorXd b = beta;
  for (Eigen::Index i = 0; i < b.size(); ++i) {
    if (std::isnan(b[i])) b[i] = 0;
  }
  return b;
}

// Working residual times working weight of each row (sandwich's estfun for
// a glm, before multiplying by x): residuals at the final fit, weights of the
// last IRLS iteration.
Eigen::VectorXd working_scores(const GlmFit& fit, const GlmData& d, size_t block_rows) {
  const Eigen::VectorXd beta = zeroed(fit.coefficients);
  const Family& ff = fit.working_family;
  const Point final_point{&beta, nullptr, &ff};
  const Point weight_point = fit.previous_coefficients.size() ? Point{&fit.previous_coefficients, nullptr, &ff}
                                                              : Point{nullptr, nullptr, &ff};
  Eigen::VectorXd s(d.x->rows());
  parallel_for_blocks(d.rows(), block_rows, [&](size_t, size_t b, size_t e) {
    const Eigen::VectorXd eta = linear_predictor_block(d, final_point, b, e);
    const Eigen::VectorXd eta_w = linear_predictor_block(d, weight_point, b, e);
    for (size_t r = b; r < e; ++r) {
      const auto i = static_cast<Eigen::Index>(r - b);
      const double y = (*d.y)[static_cast<Eigen::Index>(r)], wt = d.weight(r);
      const double me_w = ff.mu_eta(eta_w[i]);
      const double ww = wt > 0 && me_w != 0 ? wt * me_w * me_w / ff.variance(ff.linkinv(eta_w[i])) : 0.0;
      s[static_cast<Eigen::Index>(r)] = ww == 0 ? 0.0 : ww * (y - ff.linkinv(eta[i])) / ff.mu_eta(eta[i]);
    }
  });
  return s;
}

}  // namespace

Vcov glm_vcov(const GlmFit& fit, const GlmData& d, const VcovOptions& o) {
  Vcov v;
  v.type = o.type;
  const Eigen::MatrixXd& c = fit.cov_unscaled;
  if (o.type == VcovType::Model) {
    v.matrix = c * (fit.dispersion_estimated ? fit.dispersion : 1.0);
    return v;
  }
  const std::vector<size_t> est = fit.estimable();
  const auto k = static_cast<Eigen::Index>(est.size());
  const size_t n = d.rows();
  const Eigen::VectorXd s = working_scores(fit, d, o.block_rows);
  // Rows of estfun restricted to the estimable columns.
  auto score_rows = [&](size_t b, size_t e) {
    const auto m = static_cast<Eigen::Index>(e - b);
    Eigen::MatrixXd out(m, k);
    for (Eigen::Index j = 0; j < k; ++j) {
      out.col(j) = d.x->col(static_cast<Eigen::Index>(est[static_cast<size_t>(j)])).segment(static_cast<Eigen::Index>(b), m).cwiseProduct(
          s.segment(static_cast<Eigen::Index>(b), m));
    }
    return out;
  };
  Eigen::MatrixXd meat;
  double adj = 1;
  const double nd = static_cast<double>(n), kd = static_cast<double>(k);
  auto crossprod = [&](size_t rows, auto&& block) {
    return deterministic_reduce(
        rows, o.block_rows, Eigen::MatrixXd(Eigen::MatrixXd::Zero(k, k)),
        [&](size_t b, size_t e) {
          const Eigen::MatrixXd sc = block(b, e);
          Eigen::MatrixXd m = Eigen::MatrixXd::Zero(k, k);
          m.selfadjointView<Eigen::Lower>().rankUpdate(sc.transpose());
          return m;
        },
        [](Eigen::MatrixXd& a, const Eigen::MatrixXd& b) { a += b; });
  };
  if (o.type == VcovType::HC0 || o.type == VcovType::HC1) {
    meat = crossprod(n, score_rows);
    if (o.type == VcovType::HC1) adj = nd / (nd - kd);
  } else {
    if (o.cluster.size() != n) {
      throw InputError("cluster-robust variance: " + std::to_string(o.cluster.size()) + " cluster ids for " +
                       std::to_string(n) + " model rows");
    }
    // Dense cluster indices, in order of the sorted ids.
    std::vector<int64_t> ids(o.cluster);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    const size_t g = ids.size();
    if (g < 2) throw InputError("cluster-robust variance needs at least 2 clusters; found " + std::to_string(g));
    Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(g), k);
    for (size_t r = 0; r < n; ++r) {  // ordered accumulation: deterministic
      const auto gi = static_cast<Eigen::Index>(std::lower_bound(ids.begin(), ids.end(), o.cluster[r]) - ids.begin());
      const double sr = s[static_cast<Eigen::Index>(r)];
      if (sr == 0) continue;
      for (Eigen::Index j = 0; j < k; ++j) sums(gi, j) += sr * (*d.x)(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(est[static_cast<size_t>(j)]));
    }
    meat = crossprod(g, [&](size_t b, size_t e) {
      return Eigen::MatrixXd(sums.middleRows(static_cast<Eigen::Index>(b), static_cast<Eigen::Index>(e - b)));
    });
    const double gd = static_cast<double>(g);
    adj = gd / (gd - 1);
    if (o.cluster_hc1) adj *= (nd - 1) / (nd - kd);
    v.clusters = g;
  }
  const Eigen::MatrixXd full_meat = meat.selfadjointView<Eigen::Lower>();
  const double scale = static_cast<double>(fit.n_obs) / nd;
  v.matrix = scale * scale * adj * (c * full_meat * c);
  return v;
}

GlmSummary summarize_glm(const GlmFit& fit, const Vcov& vcov, double level, const std::optional<Eigen::MatrixXd>& profile) {
  GlmSummary s;
  s.level = level;
  s.vcov = vcov.type;
  s.clusters = vcov.clusters;
  s.t_statistics = fit.dispersion_estimated;
  s.profile_intervals = profile.has_value();
  const boost::math::normal normal;
  const double q = boost::math::quantile(normal, (1 + level) / 2);
  size_t e = 0;
  for (size_t j = 0; j < fit.names.size(); ++j) {
    CoefficientRow row;
    row.name = fit.names[j];
    row.aliased = fit.aliased[j];
    if (!row.aliased) {
      const auto ie = static_cast<Eigen::Index>(e);
      row.estimate = fit.coefficients[static_cast<Eigen::Index>(j)];
      row.std_error = std::sqrt(vcov.matrix(ie, ie));
      row.statistic = row.estimate / row.std_error;
      const double a = std::abs(row.statistic);
      if (s.t_statistics && fit.df_residual > 0) {
        row.p_value = 2 * boost::math::cdf(boost::math::complement(boost::math::students_t(fit.df_residual), a));
      } else if (std::isfinite(a)) {
        row.p_value = 2 * boost::math::cdf(boost::math::complement(normal, a));
      }
      if (profile) {
        row.ci_low = (*profile)(ie, 0);
        row.ci_high = (*profile)(ie, 1);
      } else {
        row.ci_low = row.estimate - q * row.std_error;
        row.ci_high = row.estimate + q * row.std_error;
      }
      row.exp_estimate = std::exp(row.estimate);
      row.exp_ci_low = std::exp(row.ci_low);
      row.exp_ci_high = std::exp(row.ci_high);
      ++e;
    }
    s.rows.push_back(row);
  }
  return s;
}

// ---- profile likelihood --------------------------------------------------

Eigen::MatrixXd profile_intervals(const GlmFit& fit, const GlmData& d, const GlmOptions& options, double level) {
  if (fit.firth) {
    throw InputError("profile-likelihood intervals of Firth fits (penalised profile, as logistf) are not available; "
                     "use the Wald intervals");
  }
  const std::vector<size_t> est = fit.estimable();
  const auto r = static_cast<Eigen::Index>(est.size());
  const double q = boost::math::quantile(boost::math::normal(), (1 + level) / 2);
  const double disp = fit.dispersion_estimated ? fit.dispersion : 1.0;
  const double dev0 = fit.deviance;
  GlmOptions o = options;
  o.family = fit.working_family;
  if (fit.family.kind() == FamilyKind::NegativeBinomial) o.family = fit.family;  // theta held at its estimate
  Eigen::MatrixXd out(r, 2);
  const Eigen::VectorXd beta = zeroed(fit.coefficients);
  // Every refit starts from the full fit's linear predictor.
  Eigen::VectorXd eta_start = (*d.x) * beta;
  if (d.offset.size()) eta_start += d.offset;
  for (Eigen::Index k = 0; k < r; ++k) {
    const auto j = static_cast<Eigen::Index>(est[static_cast<size_t>(k)]);
    // The model without column j, its contribution moved into the offset.
    std::vector<Eigen::Index> keep;
    for (size_t m = 0; m < est.size(); ++m) {
      if (static_cast<Eigen::Index>(est[m]) != j) keep.push_back(static_cast<Eigen::Index>(est[m]));
    }
    Eigen::MatrixXd xr(d.x->rows(), static_cast<Eigen::Index>(keep.size()));
    for (size_t m = 0; m < keep.size(); ++m) xr.col(static_cast<Eigen::Index>(m)) = d.x->col(keep[m]);
    const Eigen::VectorXd xj = d.x->col(j);
    auto signed_root = [&](double b) {
      GlmData dr;
      dr.x = &xr;
      dr.y = d.y;
      dr.weights = d.weights;
      dr.offset = (d.offset.size() ? d.offset : Eigen::VectorXd(Eigen::VectorXd::Zero(d.x->rows()))) + b * xj;
      dr.has_intercept = false;  // the null deviance of the refit is not used
      const auto res = glm_detail::irls(dr, o.family, Point{nullptr, &eta_start, &o.family}, o);
      const double z2 = std::max(0.0, (res.last.deviance - dev0) / disp);
      return (b < beta[j] ? -1.0 : 1.0) * std::sqrt(z2);
    };
    const double b0 = beta[j];
    const double se = std::sqrt(fit.cov_unscaled(k, k) * disp);
    for (int side = 0; side < 2; ++side) {
      const double dir = side == 0 ? -1.0 : 1.0;
      const double target = dir * q;
      // Bracket: walk out in steps of the standard error until past the target.
      double inner = b0, outer = b0 + dir * q * se;
      double z_outer = signed_root(outer);
      int steps = 0;
      while (dir * z_outer < q) {
        inner = outer;
        outer = b0 + dir * (std::abs(outer - b0) * 2);
        z_outer = signed_root(outer);
        if (++steps > 40) {
          throw InputError("profile likelihood of \"" + fit.names[static_cast<size_t>(j)] +
                           "\" does not reach the interval bound (separation?); use Wald intervals or --firth");
        }
      }
      // Bisection on z(b) - target; z is monotone in b.
      for (int it = 0; it < 200 && std::abs(outer - inner) > 1e-10 * (1 + std::abs(b0)); ++it) {
        const double mid = (inner + outer) / 2;
        if (dir * (signed_root(mid) - target) < 0) inner = mid;
        else outer = mid;
      }
      out(k, side) = (inner + outer) / 2;
    }
  }
  return out;
}

}  // namespace impactsim
