// The AVX2+FMA vector traits of the gemm micro-kernel template (gemm_kernel_simd.h): float
// (8 lanes) and double (4 lanes) over ymm registers. Included only by files compiled with
// -mavx2 -mfma (gemm_kernel_avx2.cpp, gemm_kernel_twin_avx2.cpp); internal linkage.
#pragma once
#include <immintrin.h>

namespace dlcore::cpu::gemm_detail {
namespace {

// load_n(p, n): lanes >= n read as 0 and are not touched in memory (n may be <= 0 or > W).
struct Avx2F32 {
  using T = float;
  using Vec = __m256;
  static constexpr int W = 8;
  static Vec zero() { return _mm256_setzero_ps(); }
  static Vec set1(float x) { return _mm256_set1_ps(x); }
  static Vec load(const float* p) { return _mm256_loadu_ps(p); }
  static Vec load_n(const float* p, int n) {
    const __m256i mask =
        _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    return _mm256_maskload_ps(p, mask);
  }
  static Vec bcast(const float* p) { return _mm256_broadcast_ss(p); }
  static Vec fmadd(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
  static Vec mul(Vec a, Vec b) { return _mm256_mul_ps(a, b); }
  static void store(float* p, Vec v) { _mm256_storeu_ps(p, v); }
};

struct Avx2F64 {
  using T = double;
  using Vec = __m256d;
  static constexpr int W = 4;
  static Vec zero() { return _mm256_setzero_pd(); }
  static Vec set1(double x) { return _mm256_set1_pd(x); }
  static Vec load(const double* p) { return _mm256_loadu_pd(p); }
  static Vec load_n(const double* p, int n) {
    const __m256i mask = _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
    return _mm256_maskload_pd(p, mask);
  }
  static Vec bcast(const double* p) { return _mm256_broadcast_sd(p); }
  static Vec fmadd(Vec a, Vec b, Vec c) { return _mm256_fmadd_pd(a, b, c); }
  static Vec mul(Vec a, Vec b) { return _mm256_mul_pd(a, b); }
  static void store(double* p, Vec v) { _mm256_storeu_pd(p, v); }
};

}  // namespace
}  // namespace dlcore::cpu::gemm_detail
