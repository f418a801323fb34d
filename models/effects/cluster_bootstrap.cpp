#include "models/effects/cluster_bootstrap.hpp"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>

#include "engine/error.hpp"
#include "engine/parallel.hpp"
#include "engine/quantile.hpp"
#include "engine/random_stream.hpp"

namespace impactsim {
namespace {

double statistic(const ClusterSums& s, double scale) {
  return scale * (s.num[1] / s.den[1] - s.num[0] / s.den[0]);
}

}  // namespace

BootstrapInterval bootstrap_difference(const std::vector<ClusterSums>& clusters, const BootstrapOptions& options,
                                       double scale) {
  if (options.replicates < 10) throw InputError("bootstrap: at least 10 replicates");
  const size_t g = clusters.size();
  if (g < 2) throw InputError("bootstrap: needs at least two clusters (matched sets)");
  ClusterSums total;
  for (const auto& c : clusters) {
    for (int k = 0; k < 2; ++k) {
      total.num[k] += c.num[k];
      total.den[k] += c.den[k];
    }
  }
  BootstrapInterval out;
  out.estimate = statistic(total, scale);
  out.replicates = options.replicates;

  std::vector<double> reps(static_cast<size_t>(options.replicates));
  parallel_for_blocks(reps.size(), 8, [&](size_t, size_t begin, size_t end) {
    for (size_t b = begin; b < end; ++b) {
      RandomStream r(options.seed, b, streams::kPairBootstrap.id(), options.estimate_index);
      ClusterSums s;
      for (size_t i = 0; i < g; ++i) {
        const ClusterSums& c = clusters[static_cast<size_t>(r.uniform() * static_cast<double>(g))];
        for (int k = 0; k < 2; ++k) {
          s.num[k] += c.num[k];
          s.den[k] += c.den[k];
        }
      }
      reps[b] = statistic(s, scale);
    }
  });
  // Replicates where a group drew no weight are undefined; drop them.
  std::vector<double> sorted;
  for (double v : reps) {
    if (std::isfinite(v)) sorted.push_back(v);
  }
  std::sort(sorted.begin(), sorted.end());
  const double alpha = (1 - options.level) / 2;
  out.percentile_lower = sorted_quantile(sorted, alpha);
  out.percentile_upper = sorted_quantile(sorted, 1 - alpha);
  double mean = 0;
  for (double v : sorted) mean += v;
  mean /= static_cast<double>(sorted.size());
  double ss = 0;
  for (double v : sorted) ss += (v - mean) * (v - mean);
  out.std_error = std::sqrt(ss / static_cast<double>(sorted.size() - 1));

  // BCa: bias correction from the share of replicates below the estimate,
  // acceleration from the leave-one-cluster-out jackknife.
  const boost::math::normal n01;
  const double below = static_cast<double>(std::lower_bound(sorted.begin(), sorted.end(), out.estimate) - sorted.begin());
  const double share = std::clamp(below / static_cast<double>(sorted.size()), 0.5 / sorted.size(), 1 - 0.5 / sorted.size());
  const double z0 = boost::math::quantile(n01, share);
  std::vector<double> jack(g);
  double jmean = 0;
  for (size_t i = 0; i < g; ++i) {
    ClusterSums s = total;
    for (int k = 0; k < 2; ++k) {
      s.num[k] -= clusters[i].num[k];
      s.den[k] -= clusters[i].den[k];
    }
    jack[i] = statistic(s, scale);
    jmean += jack[i];
  }
  jmean /= static_cast<double>(g);
  double num = 0, den = 0;
  for (double j : jack) {
    const double d = jmean - j;
    num += d * d * d;
    den += d * d;
  }
  const double a = den > 0 ? num / (6 * std::pow(den, 1.5)) : 0;
  auto adjusted = [&](double p) {
    const double z = boost::math::quantile(n01, p);
    return boost::math::cdf(n01, z0 + (z0 + z) / (1 - a * (z0 + z)));
  };
  out.bca_lower = sorted_quantile(sorted, adjusted(alpha));
  out.bca_upper = sorted_quantile(sorted, adjusted(1 - alpha));
  return out;
}

}  // namespace impactsim
