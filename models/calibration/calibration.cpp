#include "models/calibration/calibration.hpp"

#include <ceres/ceres.h>

#include <cmath>

#include "engine/error.hpp"

namespace impactsim {
namespace {

bool is_binary(Process p) {
  return p == Process::Death || p == Process::Fundus || p == Process::RenalCheck || p == Process::Dental;
}

// Linear predictors of year 1 (age + 1, baseline lags) for one process.
Eigen::VectorXd first_year_lp(const TransitionModels& models, const Eigen::MatrixXd& state, Process p) {
  const Eigen::VectorXd& b = models[p].beta;
  Eigen::VectorXd lp = Eigen::VectorXd::Constant(state.rows(), b[0]) + state * b.tail(b.size() - 1);
  lp.array() += b[1];  // a year older than at baseline
  return lp;
}

// Relative residual (mean rate(lp + shift) / target - 1) and its exact derivative.
class RateResidual final : public ceres::SizedCostFunction<1, 1> {
 public:
  RateResidual(Eigen::VectorXd lp, bool binary, double target) : lp_(std::move(lp)), binary_(binary), target_(target) {}
  bool Evaluate(double const* const* parameters, double* residuals, double** jacobians) const override {
    const double shift = parameters[0][0];
    double mean = 0, slope = 0;
    for (Eigen::Index i = 0; i < lp_.size(); ++i) {
      if (binary_) {
        const double p = 1 / (1 + std::exp(-(lp_[i] + shift)));
        mean += p;
        slope += p * (1 - p);
      } else {
        const double m = std::exp(lp_[i] + shift);
        mean += m;
        slope += m;
      }
    }
    const auto n = static_cast<double>(lp_.size());
    residuals[0] = mean / n / target_ - 1;
    if (jacobians && jacobians[0]) jacobians[0][0] = slope / n / target_;
    return true;
  }

 private:
  Eigen::VectorXd lp_;
  bool binary_;
  double target_;
};

}  // namespace

double expected_first_year_rate(const TransitionModels& models, const Eigen::MatrixXd& state, Process process,
                                double shift) {
  const Eigen::VectorXd lp = first_year_lp(models, state, process);
  double mean = 0;
  for (Eigen::Index i = 0; i < lp.size(); ++i) {
    mean += is_binary(process) ? 1 / (1 + std::exp(-(lp[i] + shift))) : std::exp(lp[i] + shift);
  }
  return mean / static_cast<double>(lp.size());
}

CalibrationResult calibrate_intercepts(TransitionModels& models, const Eigen::MatrixXd& state,
                                       const std::vector<CalibrationTarget>& targets) {
  CalibrationResult r;
  if (state.rows() == 0) throw InputError("calibration: empty population");
  r.shifts.assign(targets.size(), 0.0);
  ceres::Problem problem;
  for (size_t k = 0; k < targets.size(); ++k) {
    const auto& t = targets[k];
    if (!is_binary(t.process) && t.process != Process::HospStays) {
      throw InputError(std::string("calibration: cannot target \"") + to_string(t.process) + "\"");
    }
    if (!(t.rate > 0) || (is_binary(t.process) && !(t.rate < 1))) {
      throw InputError(std::string("calibration: target of \"") + to_string(t.process) + "\" must lie in (0, 1) for a probability, or be positive");
    }
    r.before.push_back(expected_first_year_rate(models, state, t.process));
    problem.AddResidualBlock(new RateResidual(first_year_lp(models, state, t.process), is_binary(t.process), t.rate),
                             nullptr, &r.shifts[k]);
  }
  ceres::Solver::Options options;
  options.linear_solver_type = ceres::DENSE_QR;
  options.function_tolerance = 1e-14;
  options.parameter_tolerance = 1e-12;
  options.num_threads = 1;  // deterministic
  ceres::Solver::Summary summary;
  ceres::Solve(options, &problem, &summary);
  r.report = summary.BriefReport();
  r.converged = summary.IsSolutionUsable();
  for (size_t k = 0; k < targets.size(); ++k) {
    models.models[static_cast<size_t>(targets[k].process)].beta[0] += r.shifts[k];
    r.after.push_back(expected_first_year_rate(models, state, targets[k].process));
  }
  return r;
}

}  // namespace impactsim
