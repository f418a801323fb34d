#include "models/glm/crossprod.hpp"

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

// One J x K tile of column pairs (J, K <= 3): the dot products of columns
// jb.. jb+J-1 with kb..kb+K-1 over all rows, added to out where j >= k.
struct Block {
  const double* x;
  Eigen::Index ld, m;
  const double* w;
};

template <int J, int K>
void tile(const Block& a, Eigen::Index jb, Eigen::Index kb, Eigen::MatrixXd& out) {
  const Eigen::Index m = a.m;
  const Eigen::Index m4 = m & ~Eigen::Index{3};
  const double* cj[J];
  const double* ck[K];
  for (int t = 0; t < J; ++t) cj[t] = a.x + (jb + t) * a.ld;
  for (int t = 0; t < K; ++t) ck[t] = a.x + (kb + t) * a.ld;
  __m256d acc[J][K];
  for (int x = 0; x < J; ++x) {
    for (int y = 0; y < K; ++y) acc[x][y] = _mm256_setzero_pd();
  }
  for (Eigen::Index i = 0; i < m4; i += 4) {
    __m256d vj[J], vk[K];
    const __m256d vw = _mm256_loadu_pd(a.w + i);
    for (int x = 0; x < J; ++x) vj[x] = _mm256_mul_pd(_mm256_loadu_pd(cj[x] + i), vw);
    for (int y = 0; y < K; ++y) vk[y] = _mm256_loadu_pd(ck[y] + i);
    for (int x = 0; x < J; ++x) {
      for (int y = 0; y < K; ++y) acc[x][y] = _mm256_fmadd_pd(vj[x], vk[y], acc[x][y]);
    }
  }
  for (int x = 0; x < J; ++x) {
    for (int y = 0; y < K; ++y) {
      double s = horizontal_sum(acc[x][y]);
      for (Eigen::Index i = m4; i < m; ++i) s += cj[x][i] * a.w[i] * ck[y][i];
      if (jb + x >= kb + y) out(jb + x, kb + y) += s;
    }
  }
}

template <int J>
void tile_row(const Block& a, Eigen::Index jb, Eigen::Index kb, int k, Eigen::MatrixXd& out) {
  switch (k) {
    case 1: tile<J, 1>(a, jb, kb, out); return;
    case 2: tile<J, 2>(a, jb, kb, out); return;
    default: tile<J, 3>(a, jb, kb, out); return;
  }
}

}  // namespace

void add_weighted_crossprod_lower(const double* x, Eigen::Index ld, Eigen::Index rows, Eigen::Index p, const double* w,
                                  Eigen::MatrixXd& out) {
  const Block a{x, ld, rows, w};
  // Column groups of 3; the last may hold 1 or 2, so no tile computes
  // padding. Off-diagonal tiles are J x 3, diagonal ones J x J.
  for (Eigen::Index jb = 0; jb < p; jb += 3) {
    const int j = static_cast<int>(std::min<Eigen::Index>(3, p - jb));
    for (Eigen::Index kb = 0; kb <= jb; kb += 3) {
      const int k = kb == jb ? j : 3;
      switch (j) {
        case 1: tile_row<1>(a, jb, kb, k, out); break;
        case 2: tile_row<2>(a, jb, kb, k, out); break;
        default: tile_row<3>(a, jb, kb, k, out); break;
      }
    }
  }
}

#else

void add_weighted_crossprod_lower(const double* x, Eigen::Index ld, Eigen::Index rows, Eigen::Index p, const double* w,
                                  Eigen::MatrixXd& out) {
  const Eigen::Map<const Eigen::MatrixXd, 0, Eigen::OuterStride<>> block(x, rows, p, Eigen::OuterStride<>(ld));
  const Eigen::Map<const Eigen::VectorXd> weights(w, rows);
  const Eigen::MatrixXd scaled = block.array().colwise() * weights.array().sqrt();
  out.selfadjointView<Eigen::Lower>().rankUpdate(scaled.transpose());
}

#endif

}  // namespace impactsim::glm_detail
