// The weighted cross-product at the heart of IRLS: out += lower(A'A) for a
// column-major block A (rows x p), where A = sqrt(W) X for a sub-block of rows.
//
// Written by hand because Eigen's rank update, tuned for large square
// products, reaches about a fifth of this processor's FMA throughput on a
// tall, 30-column block (bench/RESULTS.md). This kernel walks the lower
// triangle in 3 x 3 tiles of column pairs, nine AVX2 accumulators each, so
// every pair of loads feeds one and a half fused multiply-adds. Without AVX2
// it falls back to Eigen. The summation order is fixed, so results do not
// depend on threads.
#pragma once

#include <Eigen/Core>

namespace impactsim::glm_detail {

void add_crossprod_lower(const Eigen::MatrixXd& a, Eigen::MatrixXd& out);

}  // namespace impactsim::glm_detail
