// The AVX-512 register blocks (float 14x32, double 14x16) built from AVX2 vector pairs: the
// same kernel template, tile sizes, edge handling and driver blocking as
// gemm_kernel_avx512.cpp, runnable on an AVX2 machine. For tests only (selected with
// gemm_tune(avx512_twin=1)); far slower than either real kernel (its accumulators spill).
// It checks everything of the AVX-512 path except the AVX-512 traits' own intrinsics.
#include <immintrin.h>

#include "cpu/gemm_kernel_simd.h"

namespace dlcore::cpu::gemm_detail {
namespace {

// W lanes as two AVX2 halves of W / 2; load_n touches memory only below n, like a masked load.
struct TwinF32 {
  using T = float;
  struct Vec {
    __m256 lo, hi;
  };
  static constexpr int W = 16;
  static __m256i mask(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static Vec zero() { return {_mm256_setzero_ps(), _mm256_setzero_ps()}; }
  static Vec set1(float x) { return {_mm256_set1_ps(x), _mm256_set1_ps(x)}; }
  static Vec load(const float* p) { return {_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)}; }
  static Vec load_n(const float* p, int n) {
    return {_mm256_maskload_ps(p, mask(n)), _mm256_maskload_ps(p + 8, mask(n - 8))};
  }
  static Vec bcast(const float* p) { return set1(*p); }
  static Vec fmadd(Vec a, Vec b, Vec c) {
    return {_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)};
  }
  static Vec mul(Vec a, Vec b) { return {_mm256_mul_ps(a.lo, b.lo), _mm256_mul_ps(a.hi, b.hi)}; }
  static void store(float* p, Vec v) {
    _mm256_storeu_ps(p, v.lo);
    _mm256_storeu_ps(p + 8, v.hi);
  }
};

struct TwinF64 {
  using T = double;
  struct Vec {
    __m256d lo, hi;
  };
  static constexpr int W = 8;
  static __m256i mask(int n) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
  }
  static Vec zero() { return {_mm256_setzero_pd(), _mm256_setzero_pd()}; }
  static Vec set1(double x) { return {_mm256_set1_pd(x), _mm256_set1_pd(x)}; }
  static Vec load(const double* p) { return {_mm256_loadu_pd(p), _mm256_loadu_pd(p + 4)}; }
  static Vec load_n(const double* p, int n) {
    return {_mm256_maskload_pd(p, mask(n)), _mm256_maskload_pd(p + 4, mask(n - 4))};
  }
  static Vec bcast(const double* p) { return set1(*p); }
  static Vec fmadd(Vec a, Vec b, Vec c) {
    return {_mm256_fmadd_pd(a.lo, b.lo, c.lo), _mm256_fmadd_pd(a.hi, b.hi, c.hi)};
  }
  static Vec mul(Vec a, Vec b) { return {_mm256_mul_pd(a.lo, b.lo), _mm256_mul_pd(a.hi, b.hi)}; }
  static void store(double* p, Vec v) {
    _mm256_storeu_pd(p, v.lo);
    _mm256_storeu_pd(p + 4, v.hi);
  }
};

const MicroKernel<float> k_f32{14, 32, &micro_kernel<TwinF32, 14, 2, true>,
                               &micro_kernel<TwinF32, 14, 2, false>, "avx512 14x32 (avx2 twin)",
                               &gather_sliver_f32_avx2};
const MicroKernel<double> k_f64{14, 16, &micro_kernel<TwinF64, 14, 2, true>,
                                &micro_kernel<TwinF64, 14, 2, false>, "avx512 14x16 (avx2 twin)",
                                nullptr};

}  // namespace

template <>
const MicroKernel<float>& kernel_avx512_twin<float>() { return k_f32; }
template <>
const MicroKernel<double>& kernel_avx512_twin<double>() { return k_f64; }

}  // namespace dlcore::cpu::gemm_detail
