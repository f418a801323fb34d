// Pair (cluster) bootstrap of a difference of weighted group means, with
// percentile and BCa intervals (Efron & Tibshirani 1993, ch. 14; the
// acceleration from the cluster jackknife).
//
// The statistic is a function of per-cluster sums: for each group, the sum of
// weight × outcome and the sum of weight × denominator (1 for means and
// proportions, exposure for rates). Resampling whole matched sets keeps
// members and their matched controls together. Replicate b draws its
// clusters from the pair-bootstrap stream keyed by (seed, b) and the
// estimate's index as substream (each estimate of a study resamples on its
// own numbers): results are identical whatever the thread count.
#pragma once

#include <cstdint>
#include <vector>

namespace impactsim {

struct ClusterSums {
  double num[2] = {0, 0};  // group 0 control, 1 treated: sum of w * y
  double den[2] = {0, 0};  // sum of w * denominator
};

struct BootstrapOptions {
  int replicates = 1000;  // as R boot's common choice
  uint64_t seed = 1;
  uint64_t estimate_index = 0;  // which estimate of a run: the stream's substream, never added to the seed
  double level = 0.95;
};

struct BootstrapInterval {
  double estimate = 0;
  double percentile_lower = 0, percentile_upper = 0;
  double bca_lower = 0, bca_upper = 0;
  double std_error = 0;  // SD of the replicates
  int replicates = 0;
};

// The difference treated - control of the ratios num/den (times `scale`).
BootstrapInterval bootstrap_difference(const std::vector<ClusterSums>& clusters, const BootstrapOptions& options,
                                       double scale = 1.0);

}  // namespace impactsim
