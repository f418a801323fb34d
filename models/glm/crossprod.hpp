// The weighted cross-product at the heart of IRLS: out += lower(X' W X) for
// a block of rows of a column-major X (rows x p, leading dimension ld) and
// diagonal weights w, read in place (no weighted copy of X, only of one
// group of 4 columns at a time).
//
// Written by hand because Eigen's rank update, tuned for large square
// products, reaches about a fifth of this processor's FMA throughput on a
// tall, 30-column block (bench/RESULTS.md). The kernel walks the lower
// triangle in groups of up to 4 columns: the group's diagonal tile weights
// its columns once, into a small scratch that stays in L1, and the tiles
// left of it (4 x 3 column pairs, twelve AVX2 accumulators) read the
// weighted group against plain columns. Without AVX2 it falls back to
// Eigen. The summation order is fixed, so results do not depend on threads.
#pragma once

#include <Eigen/Core>

namespace impactsim::glm_detail {

// Rows the kernel takes at a time, at most: the caller's sub-blocks, sized
// so that a 30-column block read for X b is still in L2 for X' W X.
inline constexpr Eigen::Index kCrossprodScratchRows = 512;

struct CrossprodBlock {
  const double* x = nullptr;  // first row of the block in column 0
  Eigen::Index ld = 0;        // X's leading dimension (its row count)
  Eigen::Index rows = 0;      // <= kCrossprodScratchRows
  Eigen::Index p = 0;
  const double* w = nullptr;  // rows weights
};

// out += lower(X' W X) over the block. While it computes, the kernel asks
// the memory system for next_rows rows starting at next_x (the caller's next
// block; nullptr for none), so that reading them overlaps the arithmetic: a
// pass over a tall X is then bound by the larger of the two, not their sum
// (bench/RESULTS.md). scratch holds 4 x kCrossprodScratchRows doubles.
void add_weighted_crossprod_lower(const CrossprodBlock& block, const double* next_x, Eigen::Index next_rows,
                                  double* scratch, Eigen::MatrixXd& out);

}  // namespace impactsim::glm_detail
