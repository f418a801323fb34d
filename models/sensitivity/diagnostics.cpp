#include "models/sensitivity/diagnostics.hpp"

#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <fmt/format.h>

namespace impactsim {

std::string DiagnosticThresholds::invalid() const {
  if (!(equipoise >= 0 && equipoise <= 1)) return "equipoise is a share: give a number in [0, 1] (default 0.2)";
  if (!(max_smd > 0)) return "max_smd must be positive (default 0.1)";
  if (!(mdrr > 1)) return "mdrr must be above 1 (default 10)";
  if (!(ease > 0)) return "ease must be positive (default 0.25)";
  if (!(equipoise_lower >= 0 && equipoise_lower < equipoise_upper && equipoise_upper <= 1)) {
    return "the preference-score bounds must satisfy 0 <= lower < upper <= 1 (default 0.3, 0.7)";
  }
  if (!(alpha > 0 && alpha < 1) || !(power > 0 && power < 1)) return "alpha and power lie in (0, 1) (default 0.05, 0.8)";
  return "";
}

std::vector<double> preference_scores(const std::vector<double>& ps, double treated_share) {
  std::vector<double> out(ps.size());
  const double shift = std::log(treated_share / (1 - treated_share));
  for (size_t i = 0; i < ps.size(); ++i) {
    const double p = std::min(ps[i], 0.9999999);
    const double x = std::exp(std::log(p / (1 - p)) - shift);
    out[i] = x / (x + 1);
  }
  return out;
}

double equipoise(const std::vector<double>& ps, const std::vector<uint8_t>& treated, const std::vector<uint8_t>& keep,
                 double lower, double upper) {
  double n = 0, t = 0;
  for (size_t i = 0; i < ps.size(); ++i) {
    if (!keep.empty() && !keep[i]) continue;
    n += 1;
    t += treated[i] != 0;
  }
  if (n == 0 || t == 0 || t == n) return NAN;
  const std::vector<double> f = preference_scores(ps, t / n);
  double in = 0;
  for (size_t i = 0; i < ps.size(); ++i) {
    if (!keep.empty() && !keep[i]) continue;
    in += f[i] >= lower && f[i] <= upper;
  }
  return in / n;
}

double minimum_detectable_relative_risk(double treated_share, double events, double subjects, MdrrModel model,
                                        double alpha, double power) {
  if (!(events > 0)) return INFINITY;
  const boost::math::normal norm;
  const double za = boost::math::quantile(norm, 1 - alpha / 2);
  const double zb = -boost::math::quantile(norm, 1 - power);
  if (model == MdrrModel::Cox) {
    return std::exp(std::sqrt((za + zb) * (za + zb) / (events * treated_share * (1 - treated_share))));
  }
  // CohortMethod solves pnorm(z - z_a) = power for z: z = z_a + z_b.
  const double baseline = events / subjects;
  return std::exp((za + zb) * std::sqrt(1 / (events * (1 - baseline))));
}

}  // namespace impactsim
