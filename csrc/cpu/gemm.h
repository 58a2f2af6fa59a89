// General matrix multiply on the CPU: C = alpha * op(A) * op(B) + beta * C.
//
// Row-major. op(A) is (m, k): A is stored (m, k) with leading dimension lda, or (k, m) when
// trans_a. op(B) is (k, n): B is stored (k, n) with ldb, or (n, k) when trans_b. C is (m, n)
// with ldc. beta == 0 overwrites C without reading it (NaNs in C do not propagate).
// Deterministic: the same inputs and thread count give bit-identical C.
#pragma once
#include <cstdint>

namespace dlcore::cpu {

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
          int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc);

// batch independent products; matrix i of each operand starts at base + i * stride_x.
template <typename T>
void gemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                  T alpha, const T* a, int64_t lda, int64_t stride_a, const T* b, int64_t ldb,
                  int64_t stride_b, T beta, T* c, int64_t ldc, int64_t stride_c);

// The plain triple loop (float64 accumulation), the reference the fast path is tested against.
template <typename T>
void gemm_naive(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
                int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc);

}  // namespace dlcore::cpu
