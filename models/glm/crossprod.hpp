// The weighted cross-product at the heart of IRLS: out += lower(X' W X) for
// a block of rows of a column-major X (rows x p, leading dimension ld) and
// diagonal weights w, read in place (no weighted copy of X).
//
// Written by hand because Eigen's rank update, tuned for large square
// products, reaches about a fifth of this processor's FMA throughput on a
// tall, 30-column block (bench/RESULTS.md). This kernel walks the lower
// triangle in tiles of up to 3 x 3 column pairs (no padding columns), nine
// AVX2 accumulators each, weighting one side as it loads it. Without AVX2 it
// falls back to Eigen. The summation order is fixed, so results do not
// depend on threads.
#pragma once

#include <Eigen/Core>

namespace impactsim::glm_detail {

void add_weighted_crossprod_lower(const double* x, Eigen::Index ld, Eigen::Index rows, Eigen::Index p, const double* w,
                                  Eigen::MatrixXd& out);

}  // namespace impactsim::glm_detail
