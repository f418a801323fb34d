#include "models/balance/balance.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "engine/parallel.hpp"

namespace impactsim {
namespace {

const double kSqrtEps = std::sqrt(std::numeric_limits<double>::epsilon());
const double kNaN = std::numeric_limits<double>::quiet_NaN();

// MatchIt's wvar over the rows of one group.
double weighted_variance(std::span<const double> x, const std::vector<size_t>& rows, std::span<const double> w,
                         bool binary) {
  double sw = 0;
  for (size_t i : rows) sw += w.empty() ? 1.0 : w[i];
  double mx = 0, sw2 = 0;
  for (size_t i : rows) {
    const double wi = (w.empty() ? 1.0 : w[i]) / sw;
    mx += wi * x[i];
    sw2 += wi * wi;
  }
  if (binary) return mx * (1 - mx);
  double ss = 0;
  for (size_t i : rows) {
    const double wi = (w.empty() ? 1.0 : w[i]) / sw;
    ss += wi * (x[i] - mx) * (x[i] - mx);
  }
  return ss / (1 - sw2);
}

double weighted_mean(std::span<const double> x, const std::vector<size_t>& rows, std::span<const double> w) {
  double s = 0, sw = 0;
  for (size_t i : rows) {
    const double wi = w.empty() ? 1.0 : w[i];
    s += x[i] * wi;
    sw += wi;
  }
  return s / sw;
}

// Largest and mean absolute difference of the groups' weighted eCDFs, at the
// last of each run of equal values in sorted order (MatchIt's qqsum with
// standardize = TRUE).
std::pair<double, double> ecdf_differences(std::span<const double> x, std::span<const uint8_t> treated,
                                           std::span<const double> w, double sw1, double sw0) {
  const size_t n = x.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
  double cum = 0, sum = 0, max = 0;
  size_t count = 0;
  for (size_t k = 0; k < n; ++k) {
    const size_t i = order[k];
    const double wi = w.empty() ? 1.0 : w[i];
    cum += treated[i] ? -wi / sw1 : wi / sw0;
    if (k + 1 == n || x[order[k + 1]] != x[i]) {
      const double d = std::abs(cum);
      sum += d;
      max = std::max(max, d);
      ++count;
    }
  }
  return {count ? sum / static_cast<double>(count) : 0.0, max};
}

BalanceRow balance_row(const std::string& name, std::span<const double> x, std::span<const uint8_t> treated,
                       const std::vector<size_t>& rows1, const std::vector<size_t>& rows0, std::span<const double> w,
                       double sd_treated_all, double threshold) {
  BalanceRow r;
  r.name = name;
  r.binary = std::all_of(x.begin(), x.end(), [](double v) { return v == 0.0 || v == 1.0; });
  size_t pos1 = 0, pos0 = 0;
  double sw1 = 0, sw0 = 0;
  for (size_t i : rows1) {
    const double wi = w.empty() ? 1.0 : w[i];
    pos1 += wi != 0;
    sw1 += wi;
  }
  for (size_t i : rows0) {
    const double wi = w.empty() ? 1.0 : w[i];
    pos0 += wi != 0;
    sw0 += wi;
  }
  const bool too_small = pos1 < 2 && pos0 < 2;
  r.mean_treated = weighted_mean(x, rows1, w);
  r.mean_control = weighted_mean(x, rows0, w);
  const double diff = r.mean_treated - r.mean_control;
  if (std::abs(diff) > kSqrtEps) {
    r.std_mean_diff = too_small ? kNaN : diff / sd_treated_all;
  } else {
    r.std_mean_diff = diff;
  }
  r.var_ratio = kNaN;
  if (r.binary) {
    r.ecdf_mean = r.ecdf_max = std::abs(diff);
  } else if (!too_small) {
    r.var_ratio = weighted_variance(x, rows1, w, false) / weighted_variance(x, rows0, w, false);
    std::tie(r.ecdf_mean, r.ecdf_max) = ecdf_differences(x, treated, w, sw1, sw0);
  } else {
    r.ecdf_mean = r.ecdf_max = kNaN;
  }
  r.balance_stat = r.binary ? diff : r.std_mean_diff;
  r.flagged = std::abs(r.balance_stat) > threshold;
  return r;
}

}  // namespace

DesignMatrix balance_covariates(const Table& data, const std::string& formula) {
  const size_t tilde = formula.find('~');
  const Formula f = Formula::parse(tilde == std::string::npos ? formula : "~" + formula.substr(tilde + 1));
  DesignOptions o;
  o.all_factor_levels = true;
  DesignMatrix dm = build_design_matrix(data, f, o);
  if (dm.has_intercept) {
    const Eigen::Index k = dm.x.cols() - 1;
    Eigen::MatrixXd x = dm.x.rightCols(k);
    dm.x = std::move(x);
    dm.column_names.erase(dm.column_names.begin());
    dm.assign.erase(dm.assign.begin());
    dm.has_intercept = false;
  }
  return dm;
}

BalanceReport compute_balance(const Eigen::MatrixXd& x, const std::vector<std::string>& names,
                              std::span<const double> distance, std::span<const uint8_t> treated,
                              std::span<const double> weights, std::span<const uint8_t> discarded,
                              const BalanceOptions& options) {
  const size_t n = treated.size();
  BalanceReport rep;
  rep.threshold = options.threshold;
  std::vector<size_t> rows1, rows0;
  for (size_t i = 0; i < n; ++i) (treated[i] ? rows1 : rows0).push_back(i);

  // Columns: distance first, then the covariates.
  std::vector<std::span<const double>> cols;
  std::vector<std::string> col_names;
  if (!distance.empty()) {
    cols.push_back(distance);
    col_names.push_back("distance");
  }
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    cols.push_back(std::span<const double>(x.col(j).data(), n));
    col_names.push_back(names[static_cast<size_t>(j)]);
  }
  rep.before.resize(cols.size());
  if (!weights.empty()) rep.after.resize(cols.size());
  parallel_for_blocks(cols.size(), 1, [&](size_t j, size_t, size_t) {
    const auto c = cols[j];
    const bool binary = std::all_of(c.begin(), c.end(), [](double v) { return v == 0.0 || v == 1.0; });
    // The treated group's SD over all units (MatchIt: s.weights only); when
    // it is zero, the mean of both groups' variances (MatchIt's pooled SD
    // with equal contributions).
    double sd = std::sqrt(weighted_variance(c, rows1, {}, binary));
    if (!std::isfinite(sd) || sd < kSqrtEps) {
      sd = std::sqrt((weighted_variance(c, rows1, {}, binary) + weighted_variance(c, rows0, {}, binary)) / 2);
    }
    rep.before[j] = balance_row(col_names[j], c, treated, rows1, rows0, {}, sd, options.threshold);
    if (!weights.empty()) rep.after[j] = balance_row(col_names[j], c, treated, rows1, rows0, weights, sd, options.threshold);
  });

  SampleSizes& s = rep.sizes;
  for (size_t i = 0; i < n; ++i) {
    const int g = treated[i] ? 1 : 0;
    const bool disc = !discarded.empty() && discarded[i];
    s.all[g] += 1;
    if (disc) s.discarded[g] += 1;
    if (!weights.empty()) {
      if (weights[i] > 0) s.matched[g] += 1;
      if (weights[i] == 0 && !disc) s.unmatched[g] += 1;
    }
  }
  for (int g = 0; g < 2; ++g) {
    s.all_ess[g] = s.all[g];
    double sw = 0, sw2 = 0;
    for (size_t i = 0; i < n; ++i) {
      if ((treated[i] ? 1 : 0) != g) continue;
      const double wi = weights.empty() ? 1.0 : weights[i];
      sw += wi;
      sw2 += wi * wi;
    }
    s.matched_ess[g] = sw2 > 0 ? sw * sw / sw2 : 0;
  }
  return rep;
}

}  // namespace impactsim
