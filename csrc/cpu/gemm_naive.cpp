// The reference gemm (gemm.h: gemm_naive): the plain triple loop with float64 accumulation,
// which the fast path is tested against.
#include <cstdint>

#include "cpu/gemm.h"

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

template void gemm_naive<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                                const float*, int64_t, float, float*, int64_t);
template void gemm_naive<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*,
                                 int64_t, const double*, int64_t, double, double*, int64_t);

}  // namespace dlcore::cpu
