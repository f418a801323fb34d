#include "models/survival/kaplan_meier.hpp"

#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/error.hpp"

namespace impactsim {
namespace {

// survfit's log-log interval of S from the standard error of log S.
void log_log_interval(KmPoint& p, double z) {
  if (p.surv <= 0 || p.surv >= 1 || !(p.std_err_log > 0)) {
    p.lower = p.upper = p.surv >= 1 ? 1.0 : NAN;
    if (p.surv <= 0) p.lower = p.upper = NAN;
    return;
  }
  const double l = std::log(p.surv);
  p.lower = std::exp(-std::exp(std::log(-l) - z * p.std_err_log / l));
  p.upper = std::exp(-std::exp(std::log(-l) + z * p.std_err_log / l));
  if (p.lower > p.upper) std::swap(p.lower, p.upper);
}

}  // namespace

KmCurve::At KmCurve::at(double t) const {
  At a{t, 1.0, 0.0, 1.0, 1.0, 0.0};
  bool risk_set = false;
  for (const KmPoint& p : points) {
    if (p.time >= t && !risk_set) {  // those still followed at t
      a.n_risk = p.n_risk;
      risk_set = true;
    }
    if (p.time > t) return a;
    a.surv = p.surv;
    a.std_error = p.surv * p.std_err_log;
    a.lower = p.lower;
    a.upper = p.upper;
  }
  return a;
}

KmCurve::RestrictedMean KmCurve::restricted_mean(double tau) const {
  // Rectangles under the step function: from 0 (or the previous time) to each
  // time up to tau at the survival before it, then from the last time to tau.
  std::vector<double> area, hh;  // area[k]: the rectangle ending at the k-th time (or tau); hh[k]: its time's term
  double prev_time = 0, prev_surv = 1;
  for (const KmPoint& p : points) {
    if (p.time > tau) break;
    area.push_back((p.time - prev_time) * prev_surv);
    hh.push_back(p.n_risk - p.n_event == 0 ? 0.0 : p.n_event / (p.n_risk * (p.n_risk - p.n_event)));
    prev_time = p.time;
    prev_surv = p.surv;
  }
  area.push_back((tau - prev_time) * prev_surv);
  double estimate = 0, var = 0, after = 0;
  for (double a : area) estimate += a;
  // A_k = the area after time k: the rectangles that follow it.
  for (size_t k = hh.size(); k-- > 0;) {
    after += area[k + 1];
    var += after * after * hh[k];
  }
  return {tau, estimate, std::sqrt(var)};
}

std::vector<KmCurve> kaplan_meier(const std::vector<double>& time, const std::vector<uint8_t>& status,
                                  const std::vector<double>& weights, const std::vector<int32_t>& stratum,
                                  const std::vector<std::string>& labels, double level) {
  const size_t n = time.size();
  if (status.size() != n || (!weights.empty() && weights.size() != n) || (!stratum.empty() && stratum.size() != n)) {
    throw InputError("km: inputs of different lengths");
  }
  for (size_t i = 0; i < n; ++i) {
    const std::string row = "row " + std::to_string(i + 1);
    if (!(time[i] >= 0) || !std::isfinite(time[i])) throw InputError("km: " + row + ": the time must be finite and not negative");
    if (status[i] > 1) throw InputError("km: " + row + ": the status must be 0 (censored) or 1 (event)");
    if (!weights.empty() && !(weights[i] > 0 && std::isfinite(weights[i]))) throw InputError("km: " + row + ": weights must be positive");
  }
  const double z = boost::math::quantile(boost::math::normal(), 0.5 + level / 2);
  const size_t groups = stratum.empty() ? 1 : labels.size();
  std::vector<KmCurve> curves(groups);
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return time[a] < time[b]; });
  for (size_t g = 0; g < groups; ++g) {
    KmCurve& c = curves[g];
    c.stratum = stratum.empty() ? "all" : labels[g];
    std::vector<size_t> rows;
    for (size_t i : order) {
      if (stratum.empty() || stratum[i] == static_cast<int32_t>(g)) rows.push_back(i);
    }
    auto w = [&](size_t i) { return weights.empty() ? 1.0 : weights[i]; };
    double at_risk = 0;
    for (size_t i : rows) at_risk += w(i);
    c.n = at_risk;
    double surv = 1, var_log = 0;
    for (size_t k = 0; k < rows.size();) {
      KmPoint p;
      p.time = time[rows[k]];
      p.n_risk = at_risk;
      while (k < rows.size() && time[rows[k]] == p.time) {
        (status[rows[k]] ? p.n_event : p.n_censor) += w(rows[k]);
        ++k;
      }
      if (p.n_event > 0) {
        surv *= 1 - p.n_event / p.n_risk;
        // Greenwood, weighted as survfit: d / (n (n - d)); infinite once S reaches 0.
        var_log += p.n_risk > p.n_event ? p.n_event / (p.n_risk * (p.n_risk - p.n_event)) : INFINITY;
      }
      c.events += p.n_event;
      p.surv = surv;
      p.std_err_log = std::sqrt(var_log);
      log_log_interval(p, z);
      at_risk -= p.n_event + p.n_censor;
      c.points.push_back(p);
    }
  }
  return curves;
}

}  // namespace impactsim
