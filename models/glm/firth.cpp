// Firth's bias-reduced logistic regression (Firth 1993; Heinze & Schemper
// 2002): the score is modified by the hat values,
//   U*(b) = sum_i x_i [w_i (y_i - mu_i) + h_i (1/2 - mu_i)],
// h_i the diagonal of W^1/2 X (X'WX)^-1 X' W^1/2, which keeps estimates
// finite under separation. Solved by Newton steps b += (X'WX)^-1 U*(b), with
// step halving on the penalised log-likelihood, to a tight tolerance so the
// estimates match logistf / brglm2 (type "AS_mean") whatever their stopping
// rules. Standard errors from (X'WX)^-1 at the estimate, as both report.
#include <Eigen/Cholesky>
#include <cmath>

#include "engine/error.hpp"
#include "engine/parallel.hpp"
#include "models/glm/glm_internal.hpp"

namespace impactsim::glm_detail {
namespace {

struct Score {
  Eigen::VectorXd u;
  double loglik = 0;
};

// Modified score and log-likelihood at b, given C = (X'WX)^-1 at b over the
// estimable columns.
Score firth_score(const GlmData& d, const Family& f, const Eigen::VectorXd& b, const Solution& s, size_t block_rows) {
  const auto p = d.x->cols();
  Score identity;
  identity.u = Eigen::VectorXd::Zero(p);
  return deterministic_reduce(
      d.rows(), block_rows, identity,
      [&](size_t begin, size_t end) {
        const auto m = static_cast<Eigen::Index>(end - begin);
        const Eigen::VectorXd eta = linear_predictor_block(d, Point{&b, nullptr, &f}, begin, end);
        const auto xb = d.x->middleRows(static_cast<Eigen::Index>(begin), m);
        Eigen::MatrixXd xe(m, static_cast<Eigen::Index>(s.estimable.size()));
        for (size_t k = 0; k < s.estimable.size(); ++k) xe.col(static_cast<Eigen::Index>(k)) = xb.col(s.estimable[k]);
        const Eigen::MatrixXd xc = xe * s.inverse;
        Score out;
        Eigen::VectorXd r(m);
        for (Eigen::Index i = 0; i < m; ++i) {
          const size_t row = begin + static_cast<size_t>(i);
          const double y = (*d.y)[static_cast<Eigen::Index>(row)], wt = d.weight(row);
          const double mu = f.linkinv(eta[i]);
          const double w = wt * mu * (1 - mu);
          const double h = w * xc.row(i).dot(xe.row(i));
          r[i] = wt * (y - mu) + h * (0.5 - mu);
          if (wt > 0) out.loglik += wt * (y * std::log(mu) + (1 - y) * std::log1p(-mu));
        }
        out.u.noalias() = xb.transpose() * r;
        return out;
      },
      [](Score& a, const Score& c) {
        a.u += c.u;
        a.loglik += c.loglik;
      });
}

double penalised(double loglik, const Solution& s) {
  // log det(X'WX)^1/2 = -1/2 log det C
  Eigen::LLT<Eigen::MatrixXd> llt(s.inverse);
  double logdet_c = 0;
  for (Eigen::Index i = 0; i < s.inverse.rows(); ++i) logdet_c += 2 * std::log(llt.matrixL()(i, i));
  return loglik - 0.5 * logdet_c;
}

}  // namespace

GlmFit fit_firth(const GlmData& d, const GlmOptions& opt) {
  const Family& f = opt.family;
  if (f.kind() != FamilyKind::Binomial || f.link() != Link::Logit) {
    throw InputError("Firth's correction (--firth) is for logistic regression: binomial family, logit link");
  }
  const auto p = d.x->cols();
  Eigen::VectorXd b = Eigen::VectorXd::Zero(p);
  IrlsResult r;
  Pass pass = irls_pass(d, f, Point{&b, nullptr, &f}, opt.block_rows);
  Solution s = solve_normal_equations(pass.xtwx, pass.xtwz, opt.alias_tolerance);
  Score sc = firth_score(d, f, b, s, opt.block_rows);
  double pl = penalised(sc.loglik, s);
  const int max_iterations = std::max(opt.max_iterations, 100);
  for (r.iterations = 1; r.iterations <= max_iterations; ++r.iterations) {
    Eigen::VectorXd u(static_cast<Eigen::Index>(s.estimable.size()));
    for (size_t k = 0; k < s.estimable.size(); ++k) u[static_cast<Eigen::Index>(k)] = sc.u[s.estimable[k]];
    const Eigen::VectorXd step_e = s.inverse * u;
    Eigen::VectorXd step = Eigen::VectorXd::Zero(p);
    for (size_t k = 0; k < s.estimable.size(); ++k) step[s.estimable[k]] = step_e[static_cast<Eigen::Index>(k)];
    // Step halving while the penalised log-likelihood falls (logistf's rule).
    Eigen::VectorXd nb;
    Pass np;
    Solution ns;
    Score nsc;
    double npl = 0;
    for (int half = 0; half < 30; ++half) {
      nb = b + step;
      np = irls_pass(d, f, Point{&nb, nullptr, &f}, opt.block_rows);
      ns = solve_normal_equations(np.xtwx, np.xtwz, opt.alias_tolerance);
      nsc = firth_score(d, f, nb, ns, opt.block_rows);
      npl = penalised(nsc.loglik, ns);
      if (npl >= pl - 1e-12 * std::abs(pl)) break;
      step /= 2;
    }
    const double change = step.cwiseAbs().maxCoeff();
    b = nb;
    pass = np;
    s = ns;
    sc = nsc;
    pl = npl;
    if (change < 1e-10 * (1 + b.cwiseAbs().maxCoeff())) {
      r.converged = true;
      break;
    }
  }
  if (r.iterations > max_iterations) r.iterations = max_iterations;
  r.beta = b;
  r.previous_beta = b;  // standard errors and weights at the estimate
  r.solution = s;
  r.last = pass;
  GlmFit fit = finish(d, f, r, opt);
  fit.firth = true;
  // finish() words non-convergence as R's IRLS does; say it of the penalised
  // fit instead.
  std::erase_if(fit.warnings, [](const std::string& w) { return w.find("algorithm did not converge") != std::string::npos; });
  if (!r.converged) fit.warnings.push_back("Firth: the penalised fit did not converge");
  return fit;
}

}  // namespace impactsim::glm_detail
