// Empirical calibration with negative controls (OHDSI's EmpiricalCalibration).
//
// Negative controls are outcomes the treatment cannot change: their true log
// ratio is 0, so their estimates show the design's systematic error. Each
// control's log ratio is taken as drawn from N(mu, sigma^2 + se_i^2): the
// empirical null N(mu, sigma^2) plus the estimate's own sampling error
// (Schuemie et al. 2014, Stat Med 33:209). mu and sigma are fitted by
// maximum likelihood, as EmpiricalCalibration::fitNull's likelihood
// (fitNull drops estimates that are not finite or whose |log ratio| exceeds
// log(100); so does this). For a given sigma the likelihood's mu is the
// precision-weighted mean, so the fit is a one-dimensional search over
// sigma >= 0 (a grid, then Brent's method around its best point), which
// also finds the boundary sigma = 0 that Nelder-Mead only approaches.
//
// Calibrated p-value (calibrateP): two-sided, against N(mu, sigma^2 + se^2).
// Calibrated interval (Schuemie et al. 2018, PNAS 115:2571;
// calibrateConfidenceInterval with convertNullToErrorModel, i.e. the
// systematic error of every true effect taken as that of the null): the true
// log ratios b at which the observation is the interval's quantile,
//   b = log ratio - mu -/+ z sqrt(sigma^2 + se^2).
// Expected absolute systematic error (computeExpectedAbsoluteSystematicError):
// E|X| for X ~ N(mu, sigma^2).
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

namespace impactsim {

struct EmpiricalNull {
  double mean = NAN, sd = NAN;
  size_t estimates = 0;        // negative-control estimates used
  double log_likelihood = NAN;
  bool fitted() const { return estimates > 0 && std::isfinite(mean); }
};

// Fits the null from negative controls' log ratios and their standard errors.
// An InputError when the vectors differ in length; an unfitted null (NaN)
// when no estimate is usable.
EmpiricalNull fit_empirical_null(const std::vector<double>& log_ratio, const std::vector<double>& std_error);

// The log-likelihood of (mean, sd) given the controls (for tests).
double empirical_null_log_likelihood(double mean, double sd, const std::vector<double>& log_ratio,
                                     const std::vector<double>& std_error);

struct CalibratedEstimate {
  double log_ratio = NAN, lower = NAN, upper = NAN;  // calibrated, on the log scale
  double std_error = NAN;                            // of the calibrated interval (its width / 2z)
  double p_value = NAN;
};

// A log ratio and its standard error calibrated against the null, with the
// interval at `level`.
CalibratedEstimate calibrate(const EmpiricalNull& null, double log_ratio, double std_error, double level);

double expected_absolute_systematic_error(const EmpiricalNull& null);

}  // namespace impactsim
