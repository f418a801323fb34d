// Kaplan-Meier estimates as R's survival::survfit computes them for
// right-censored data, with case weights: at each event time, the weighted
// number at risk n and of events d; S(t) = prod (1 - d / n); Greenwood's
// variance of log S (the weighted form survfit uses, sum d / (n (n - d));
// with weights that are not whole numbers survfit's default is instead the
// infinitesimal-jackknife variance, robust = TRUE: Greenwood is robust = FALSE);
// "log-log" intervals exp(-exp(log(-log S) -/+ z se / log S)) (survfit's
// conf.type = "log-log"), and the survival at chosen times as
// summary.survfit(times = ) reports it (the last event time at or before t;
// std_error of S itself, S times the standard error of log S).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace impactsim {

struct KmPoint {
  double time = 0;
  double n_risk = 0, n_event = 0, n_censor = 0;  // weighted
  double surv = 1, std_err_log = 0;              // survival and the standard error of -log S
  double lower = 1, upper = 1;
};

struct KmCurve {
  std::string stratum;
  double n = 0, events = 0;      // weighted subjects and events
  std::vector<KmPoint> points;   // every distinct time (events and censorings), increasing

  // summary.survfit at time t: surv, std_error (of S), lower, upper, n_risk.
  struct At {
    double time, surv, std_error, lower, upper, n_risk;
  };
  At at(double t) const;

  // Restricted mean survival time up to tau: the area under S from 0 to tau,
  // and its standard error as survfit's print(rmean = tau) computes it
  // (survmean: sum over times t_i <= tau of A_i^2 d_i / (n_i (n_i - d_i)),
  // A_i the area under S from t_i to tau; Miller 1981), weighted counts.
  struct RestrictedMean {
    double tau, estimate, std_error;
  };
  RestrictedMean restricted_mean(double tau) const;
};

// One curve per stratum code (labels[code]), in code order; status 0/1,
// weights empty = 1. InputError for a time that is not finite and
// non-negative, a status other than 0/1, a weight that is not positive.
std::vector<KmCurve> kaplan_meier(const std::vector<double>& time, const std::vector<uint8_t>& status,
                                  const std::vector<double>& weights, const std::vector<int32_t>& stratum,
                                  const std::vector<std::string>& labels, double level = 0.95);

}  // namespace impactsim
