// First gemm: a cache-blocked loop nest over row blocks, threaded with OpenMP, relying on the
// compiler to vectorise the inner loop. Correct for every transpose/stride; not yet fast.
#include "cpu/gemm.h"

#include <algorithm>
#include <vector>

namespace dlcore::cpu {

template <typename T>
void gemm_naive(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
                int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p) {
        const double x = trans_a ? a[p * lda + i] : a[i * lda + p];
        const double y = trans_b ? b[j * ldb + p] : b[p * ldb + j];
        acc += x * y;
      }
      const double prev = beta == T(0) ? 0.0 : double(beta) * double(c[i * ldc + j]);
      c[i * ldc + j] = static_cast<T>(double(alpha) * acc + prev);
    }
}

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
          int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  constexpr int64_t MB = 32;
  const int64_t nblocks = (m + MB - 1) / MB;
#pragma omp parallel for schedule(static) if (m * n * k > 200000)
  for (int64_t blk = 0; blk < nblocks; ++blk) {
    std::vector<T> arow(k), acc(n);
    const int64_t i0 = blk * MB, i1 = std::min(m, i0 + MB);
    for (int64_t i = i0; i < i1; ++i) {
      for (int64_t p = 0; p < k; ++p) arow[p] = trans_a ? a[p * lda + i] : a[i * lda + p];
      std::fill(acc.begin(), acc.end(), T(0));
      if (!trans_b) {
        for (int64_t p = 0; p < k; ++p) {
          const T x = arow[p];
          const T* brow = b + p * ldb;
          for (int64_t j = 0; j < n; ++j) acc[j] += x * brow[j];
        }
      } else {
        for (int64_t j = 0; j < n; ++j) {
          const T* bcol = b + j * ldb;
          T s = 0;
          for (int64_t p = 0; p < k; ++p) s += arow[p] * bcol[p];
          acc[j] = s;
        }
      }
      T* crow = c + i * ldc;
      if (beta == T(0))
        for (int64_t j = 0; j < n; ++j) crow[j] = alpha * acc[j];
      else
        for (int64_t j = 0; j < n; ++j) crow[j] = alpha * acc[j] + beta * crow[j];
    }
  }
}

template <typename T>
void gemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                  T alpha, const T* a, int64_t lda, int64_t stride_a, const T* b, int64_t ldb,
                  int64_t stride_b, T beta, T* c, int64_t ldc, int64_t stride_c) {
  for (int64_t i = 0; i < batch; ++i)
    gemm(trans_a, trans_b, m, n, k, alpha, a + i * stride_a, lda, b + i * stride_b, ldb, beta,
         c + i * stride_c, ldc);
}

#define DLCORE_INSTANTIATE(T)                                                                  \
  template void gemm<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*, \
                        int64_t, T, T*, int64_t);                                              \
  template void gemm_naive<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t,     \
                              const T*, int64_t, T, T*, int64_t);                              \
  template void gemm_batched<T>(int64_t, bool, bool, int64_t, int64_t, int64_t, T, const T*,   \
                                int64_t, int64_t, const T*, int64_t, int64_t, T, T*, int64_t,  \
                                int64_t);
DLCORE_INSTANTIATE(float)
DLCORE_INSTANTIATE(double)
#undef DLCORE_INSTANTIATE

}  // namespace dlcore::cpu
