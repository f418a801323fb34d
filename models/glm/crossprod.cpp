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

}  // namespace

void add_crossprod_lower(const Eigen::MatrixXd& a, Eigen::MatrixXd& out) {
  const Eigen::Index m = a.rows(), p = a.cols();
  const Eigen::Index m4 = m & ~Eigen::Index{3};
  for (Eigen::Index jb = 0; jb < p; jb += 3) {
    for (Eigen::Index kb = 0; kb <= jb; kb += 3) {
      // Columns past the end repeat the last one; their sums are discarded.
      const double* cj[3];
      const double* ck[3];
      for (int t = 0; t < 3; ++t) {
        cj[t] = a.col(std::min<Eigen::Index>(jb + t, p - 1)).data();
        ck[t] = a.col(std::min<Eigen::Index>(kb + t, p - 1)).data();
      }
      __m256d acc00 = _mm256_setzero_pd(), acc01 = _mm256_setzero_pd(), acc02 = _mm256_setzero_pd();
      __m256d acc10 = _mm256_setzero_pd(), acc11 = _mm256_setzero_pd(), acc12 = _mm256_setzero_pd();
      __m256d acc20 = _mm256_setzero_pd(), acc21 = _mm256_setzero_pd(), acc22 = _mm256_setzero_pd();
      for (Eigen::Index i = 0; i < m4; i += 4) {
        const __m256d j0 = _mm256_loadu_pd(cj[0] + i), j1 = _mm256_loadu_pd(cj[1] + i), j2 = _mm256_loadu_pd(cj[2] + i);
        const __m256d k0 = _mm256_loadu_pd(ck[0] + i), k1 = _mm256_loadu_pd(ck[1] + i), k2 = _mm256_loadu_pd(ck[2] + i);
        acc00 = _mm256_fmadd_pd(j0, k0, acc00);
        acc01 = _mm256_fmadd_pd(j0, k1, acc01);
        acc02 = _mm256_fmadd_pd(j0, k2, acc02);
        acc10 = _mm256_fmadd_pd(j1, k0, acc10);
        acc11 = _mm256_fmadd_pd(j1, k1, acc11);
        acc12 = _mm256_fmadd_pd(j1, k2, acc12);
        acc20 = _mm256_fmadd_pd(j2, k0, acc20);
        acc21 = _mm256_fmadd_pd(j2, k1, acc21);
        acc22 = _mm256_fmadd_pd(j2, k2, acc22);
      }
      double s[3][3] = {{horizontal_sum(acc00), horizontal_sum(acc01), horizontal_sum(acc02)},
                        {horizontal_sum(acc10), horizontal_sum(acc11), horizontal_sum(acc12)},
                        {horizontal_sum(acc20), horizontal_sum(acc21), horizontal_sum(acc22)}};
      for (Eigen::Index i = m4; i < m; ++i) {
        for (int x = 0; x < 3; ++x) {
          for (int y = 0; y < 3; ++y) s[x][y] += cj[x][i] * ck[y][i];
        }
      }
      for (int x = 0; x < 3; ++x) {
        for (int y = 0; y < 3; ++y) {
          const Eigen::Index j = jb + x, k = kb + y;
          if (j < p && k < p && j >= k) out(j, k) += s[x][y];
        }
      }
    }
  }
}

#else

void add_crossprod_lower(const Eigen::MatrixXd& a, Eigen::MatrixXd& out) {
  out.selfadjointView<Eigen::Lower>().rankUpdate(a.transpose());
}

#endif

}  // namespace impactsim::glm_detail
