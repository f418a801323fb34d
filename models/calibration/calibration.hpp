// Calibration of the microsimulation (Ceres Solver): shifts of selected
// models' intercepts so that the status quo reproduces target aggregates.
//
// The target of a process is its expected rate in the first simulated year
// over the population: the mean probability (death, exams) or the mean
// number of stays per person-year. Expected rather than simulated events keep
// the residuals smooth in the shifts (simulated events with common random
// numbers are step functions of them), so Ceres can use exact derivatives.
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

#include "models/microsim/transition_models.hpp"

namespace impactsim {

struct CalibrationTarget {
  Process process = Process::Death;  // Death, Fundus, RenalCheck, Dental or HospStays
  double rate = 0;
};

struct CalibrationResult {
  std::vector<double> shifts;       // added to each target's intercept
  std::vector<double> before, after;  // expected rates before and after calibration
  std::string report;               // Ceres' brief report
  bool converged = false;
};

// Calibrates in place: the intercepts of the targets' models are shifted.
CalibrationResult calibrate_intercepts(TransitionModels& models, const Eigen::MatrixXd& state,
                                       const std::vector<CalibrationTarget>& targets);

// The expected rate of a process in year 1 over the population (what calibration matches).
double expected_first_year_rate(const TransitionModels& models, const Eigen::MatrixXd& state, Process process,
                                 double shift = 0);

}  // namespace impactsim
