// The GLM benchmark problem, shared by glm_bench and export_glm_problem (which
// writes it for the peer comparison): an intercept and 30 covariates (20
// standard normal, 10 binary with p = 0.3), a binary response from known
// coefficients, or Poisson counts with a log person-years offset. Every row
// is drawn from its own random stream, so the data are the same whatever the
// thread count.
#pragma once

#include <Eigen/Core>
#include <cmath>

#include "engine/parallel.hpp"
#include "engine/random_stream.hpp"
#include "models/glm/glm.hpp"

namespace impactsim {

struct GlmProblem {
  Eigen::MatrixXd x;
  Eigen::VectorXd y, offset;
};

inline GlmProblem make_glm_problem(size_t n, FamilyKind kind) {
  const Eigen::Index p = 31;
  GlmProblem pr;
  pr.x.resize(static_cast<Eigen::Index>(n), p);
  pr.y.resize(static_cast<Eigen::Index>(n));
  if (kind == FamilyKind::Poisson) pr.offset.resize(static_cast<Eigen::Index>(n));
  parallel_for_blocks(n, 1 << 14, [&](size_t, size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) {
      RandomStream r(7, i, streams::kTestData.id());
      const auto row = static_cast<Eigen::Index>(i);
      pr.x(row, 0) = 1;
      double eta = -1.0;
      for (Eigen::Index j = 1; j < p; ++j) {
        const double v = j <= 20 ? r.normal() : (r.bernoulli(0.3) ? 1.0 : 0.0);
        pr.x(row, j) = v;
        eta += (j % 2 ? 0.05 : -0.04) * v;
      }
      if (kind == FamilyKind::Binomial) {
        pr.y[row] = r.bernoulli(1 / (1 + std::exp(-eta))) ? 1 : 0;
      } else {
        const double log_py = std::log(r.uniform(0.5, 3.0));
        pr.offset[row] = log_py;
        pr.y[row] = static_cast<double>(r.poisson(std::exp(eta + log_py)));
      }
    }
  });
  return pr;
}

}  // namespace impactsim
