// The Cox benchmark problem, shared by cox_bench and export_problem (which
// writes it for the peer comparison): 10 covariates (6 standard normal, 4
// binary with p = 0.3), exponential event times from known log hazard
// ratios, uniform censoring, times rounded up to whole days of a 5-year
// follow-up (many ties, as claims data have). Every row is drawn from its
// own random stream, so the data are the same whatever the thread count.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <vector>

#include "engine/parallel.hpp"
#include "engine/random_stream.hpp"

namespace impactsim {

struct CoxProblem {
  Eigen::MatrixXd x;
  std::vector<double> time;
  std::vector<uint8_t> status;
};

inline CoxProblem make_cox_problem(size_t n) {
  const Eigen::Index p = 10;
  CoxProblem pr;
  pr.x.resize(static_cast<Eigen::Index>(n), p);
  pr.time.resize(n);
  pr.status.resize(n);
  parallel_for_blocks(n, 1 << 14, [&](size_t, size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) {
      RandomStream r(11, i, streams::kTestData.id());
      const auto row = static_cast<Eigen::Index>(i);
      double eta = 0;
      for (Eigen::Index j = 0; j < p; ++j) {
        const double v = j < 6 ? r.normal() : (r.bernoulli(0.3) ? 1.0 : 0.0);
        pr.x(row, j) = v;
        eta += (j % 2 ? 0.2 : -0.15) * v;
      }
      const double event = -std::log(r.uniform()) / (0.1 * std::exp(eta));  // years
      const double censor = r.uniform(1.0, 5.0);
      pr.status[i] = event <= censor;
      pr.time[i] = std::ceil(std::min(event, censor) * 365.0);
    }
  });
  return pr;
}

}  // namespace impactsim
