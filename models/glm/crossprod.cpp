#include "models/glm/crossprod.hpp"

#include <algorithm>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

namespace impactsim::glm_detail {

#if defined(__AVX2__) && defined(__FMA__)

namespace {

inline double horizontal_sum(__m256d v) {
  const __m128d lo = _mm256_castpd256_pd128(v);
  const __m128d hi = _mm256_extractf128_pd(v, 1);
  const __m128d s = _mm_add_pd(lo, hi);
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

// Asks for the caller's next block a few cache lines at a time, between
// tiles, so that the reads spread over the arithmetic. The T1 hint (to L2)
// matters: on this machine T0 and T2 prefetches gave no overlap
// (bench/RESULTS.md).
class NextBlockPrefetch {
 public:
  NextBlockPrefetch(const double* x, Eigen::Index ld, Eigen::Index rows, Eigen::Index p, Eigen::Index calls)
      : x_(x), ld_(ld), lines_per_column_((rows * Eigen::Index{sizeof(double)} + 63) / 64), p_(x ? p : 0) {
    per_call_ = calls > 0 ? (p_ * lines_per_column_ + calls - 1) / calls : 0;
  }
  void step() {
    for (Eigen::Index k = 0; k < per_call_ && column_ < p_; ++k) {
      _mm_prefetch(reinterpret_cast<const char*>(x_ + column_ * ld_) + line_ * 64, _MM_HINT_T1);
      if (++line_ == lines_per_column_) {
        line_ = 0;
        ++column_;
      }
    }
  }

 private:
  const double* x_;
  Eigen::Index ld_, lines_per_column_, p_, per_call_ = 0, column_ = 0, line_ = 0;
};

// The weighted group: columns jb.. jb+J-1 of W X, in scratch (stride rows).
struct Group {
  const CrossprodBlock& b;
  Eigen::Index jb;
  double* weighted;
};

// J x K tile of column pairs (J <= 4, K <= 3) left of the diagonal: the
// weighted group against plain columns kb.. kb+K-1. Twelve accumulators, the
// K plain columns in registers, the weighted ones streamed from L1. noinline
// so that GCC allocates registers for the tile alone (inlined, it spilled
// the accumulators).
template <int J, int K>
__attribute__((noinline)) void tile(const Group& g, Eigen::Index kb, Eigen::MatrixXd& out) {
  const Eigen::Index m = g.b.rows;
  const Eigen::Index m4 = m & ~Eigen::Index{3};
  const double* cj[J];
  const double* ck[K];
  for (int t = 0; t < J; ++t) cj[t] = g.weighted + t * m;
  for (int t = 0; t < K; ++t) ck[t] = g.b.x + (kb + t) * g.b.ld;
  __m256d acc[J][K];
  for (int x = 0; x < J; ++x) {
    for (int y = 0; y < K; ++y) acc[x][y] = _mm256_setzero_pd();
  }
  for (Eigen::Index i = 0; i < m4; i += 4) {
    __m256d vk[K];
    for (int y = 0; y < K; ++y) vk[y] = _mm256_loadu_pd(ck[y] + i);
    for (int x = 0; x < J; ++x) {
      const __m256d vj = _mm256_loadu_pd(cj[x] + i);
      for (int y = 0; y < K; ++y) acc[x][y] = _mm256_fmadd_pd(vj, vk[y], acc[x][y]);
    }
  }
  for (int x = 0; x < J; ++x) {
    for (int y = 0; y < K; ++y) {
      double s = horizontal_sum(acc[x][y]);
      for (Eigen::Index i = m4; i < m; ++i) s += cj[x][i] * ck[y][i];
      out(g.jb + x, kb + y) += s;
    }
  }
}

// The group's diagonal tile (its lower triangle): weights the J columns as
// it loads them, stores them to scratch for the tiles to its left, and
// accumulates the J (J + 1) / 2 pairs.
template <int J>
__attribute__((noinline)) void diagonal_tile(const Group& g, Eigen::MatrixXd& out) {
  const Eigen::Index m = g.b.rows;
  const Eigen::Index m4 = m & ~Eigen::Index{3};
  const double* ck[J];
  double* cj[J];
  for (int t = 0; t < J; ++t) {
    ck[t] = g.b.x + (g.jb + t) * g.b.ld;
    cj[t] = g.weighted + t * m;
  }
  __m256d acc[J][J];
  for (int x = 0; x < J; ++x) {
    for (int y = 0; y <= x; ++y) acc[x][y] = _mm256_setzero_pd();
  }
  for (Eigen::Index i = 0; i < m4; i += 4) {
    __m256d vk[J];
    for (int y = 0; y < J; ++y) vk[y] = _mm256_loadu_pd(ck[y] + i);
    const __m256d vw = _mm256_loadu_pd(g.b.w + i);
    for (int x = 0; x < J; ++x) {
      const __m256d vj = _mm256_mul_pd(vk[x], vw);
      _mm256_storeu_pd(cj[x] + i, vj);
      for (int y = 0; y <= x; ++y) acc[x][y] = _mm256_fmadd_pd(vj, vk[y], acc[x][y]);
    }
  }
  for (Eigen::Index i = m4; i < m; ++i) {
    for (int x = 0; x < J; ++x) cj[x][i] = ck[x][i] * g.b.w[i];
  }
  for (int x = 0; x < J; ++x) {
    for (int y = 0; y <= x; ++y) {
      double s = horizontal_sum(acc[x][y]);
      for (Eigen::Index i = m4; i < m; ++i) s += cj[x][i] * ck[y][i];
      out(g.jb + x, g.jb + y) += s;
    }
  }
}

template <int J>
void group_row(const Group& g, NextBlockPrefetch& prefetch, Eigen::MatrixXd& out) {
  prefetch.step();
  diagonal_tile<J>(g, out);
  Eigen::Index kb = 0;
  for (; kb + 3 <= g.jb; kb += 3) {
    prefetch.step();
    tile<J, 3>(g, kb, out);
  }
  if (g.jb - kb == 2) tile<J, 2>(g, kb, out);
  if (g.jb - kb == 1) tile<J, 1>(g, kb, out);
}

}  // namespace

void add_weighted_crossprod_lower(const CrossprodBlock& block, const double* next_x, Eigen::Index next_rows,
                                  double* scratch, Eigen::MatrixXd& out) {
  const Eigen::Index p = block.p;
  // Prefetch steps: one per group and one per full tile left of it.
  Eigen::Index calls = 0;
  for (Eigen::Index jb = 0; jb < p; jb += 4) calls += 1 + jb / 3;
  NextBlockPrefetch prefetch(next_x, block.ld, next_rows, p, calls);
  for (Eigen::Index jb = 0; jb < p; jb += 4) {
    const Group g{block, jb, scratch};
    switch (std::min<Eigen::Index>(4, p - jb)) {
      case 1: group_row<1>(g, prefetch, out); break;
      case 2: group_row<2>(g, prefetch, out); break;
      case 3: group_row<3>(g, prefetch, out); break;
      default: group_row<4>(g, prefetch, out); break;
    }
  }
}

#else

void add_weighted_crossprod_lower(const CrossprodBlock& block, const double*, Eigen::Index, double*,
                                  Eigen::MatrixXd& out) {
  const Eigen::Map<const Eigen::MatrixXd, 0, Eigen::OuterStride<>> x(block.x, block.rows, block.p,
                                                                      Eigen::OuterStride<>(block.ld));
  const Eigen::Map<const Eigen::VectorXd> weights(block.w, block.rows);
  const Eigen::MatrixXd scaled = x.array().colwise() * weights.array().sqrt();
  out.selfadjointView<Eigen::Lower>().rankUpdate(scaled.transpose());
}

#endif

}  // namespace impactsim::glm_detail
