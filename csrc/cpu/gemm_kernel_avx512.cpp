// AVX-512F gemm micro-kernels (32 zmm registers): float 14x32 and double 14x16, i.e. 28
// accumulators + 2 B vectors + 1 broadcast; partial B slivers use masked loads.
// Compiled with AVX-512 flags; entered only when active_isa() == avx512.
// NOTE: not yet run on AVX-512 hardware (the development machine is Zen 3, AVX2 only); the
// same blocks over AVX2 pairs (gemm_kernel_twin_avx2.cpp) are tested on AVX2 machines.
#include <immintrin.h>

#include "cpu/gemm_kernel_simd.h"

namespace dlcore::cpu::gemm_detail {
namespace {

struct Avx512F32 {
  using T = float;
  using Vec = __m512;
  static constexpr int W = 16;
  static Vec zero() { return _mm512_setzero_ps(); }
  static Vec set1(float x) { return _mm512_set1_ps(x); }
  static Vec load(const float* p) { return _mm512_loadu_ps(p); }
  static Vec load_n(const float* p, int n) {
    return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1u), p);
  }
  static Vec bcast(const float* p) { return _mm512_set1_ps(*p); }
  static Vec fmadd(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
  static Vec mul(Vec a, Vec b) { return _mm512_mul_ps(a, b); }
  static void store(float* p, Vec v) { _mm512_storeu_ps(p, v); }
};

struct Avx512F64 {
  using T = double;
  using Vec = __m512d;
  static constexpr int W = 8;
  static Vec zero() { return _mm512_setzero_pd(); }
  static Vec set1(double x) { return _mm512_set1_pd(x); }
  static Vec load(const double* p) { return _mm512_loadu_pd(p); }
  static Vec load_n(const double* p, int n) {
    return _mm512_maskz_loadu_pd(static_cast<__mmask8>((1u << n) - 1u), p);
  }
  static Vec bcast(const double* p) { return _mm512_set1_pd(*p); }
  static Vec fmadd(Vec a, Vec b, Vec c) { return _mm512_fmadd_pd(a, b, c); }
  static Vec mul(Vec a, Vec b) { return _mm512_mul_pd(a, b); }
  static void store(double* p, Vec v) { _mm512_storeu_pd(p, v); }
};

const MicroKernel<float> k_f32{14,
                               32,
                               &micro_kernel<Avx512F32, 14, 2, true>,
                               &micro_kernel<Avx512F32, 14, 2, false>,
                               "avx512 14x32",
                               &gather_sliver_f32_avx2};
const MicroKernel<double> k_f64{14,
                                16,
                                &micro_kernel<Avx512F64, 14, 2, true>,
                                &micro_kernel<Avx512F64, 14, 2, false>,
                                "avx512 14x16",
                                nullptr};

}  // namespace

template <>
const MicroKernel<float>& kernel_avx512<float>() {
  return k_f32;
}
template <>
const MicroKernel<double>& kernel_avx512<double>() {
  return k_f64;
}

}  // namespace dlcore::cpu::gemm_detail
