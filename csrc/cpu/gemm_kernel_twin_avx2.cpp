// The AVX-512 register blocks (float 14x32, double 14x16) built from AVX2 vector pairs: the
// same kernel template, tile sizes, edge handling and driver blocking as
// gemm_kernel_avx512.cpp, runnable on an AVX2 machine. For tests only (selected with
// gemm_tune(avx512_twin=1)); far slower than either real kernel (its accumulators spill).
// It checks everything of the AVX-512 path except the AVX-512 traits' own intrinsics.
#include <immintrin.h>

#include "cpu/gemm_kernel_simd.h"
#include "cpu/gemm_traits_avx2.h"

namespace dlcore::cpu::gemm_detail {
namespace {

// The lanes of two vectors of traits H (gemm_traits_avx2.h) as one vector of 2 * H::W lanes.
template <class H>
struct Twin {
  using T = typename H::T;
  struct Vec {
    typename H::Vec lo, hi;
  };
  static constexpr int W = 2 * H::W;
  static Vec zero() { return {H::zero(), H::zero()}; }
  static Vec set1(T x) { return {H::set1(x), H::set1(x)}; }
  static Vec load(const T* p) { return {H::load(p), H::load(p + H::W)}; }
  static Vec load_n(const T* p, int n) { return {H::load_n(p, n), H::load_n(p + H::W, n - H::W)}; }
  static Vec bcast(const T* p) { return {H::bcast(p), H::bcast(p)}; }
  static Vec fmadd(Vec a, Vec b, Vec c) {
    return {H::fmadd(a.lo, b.lo, c.lo), H::fmadd(a.hi, b.hi, c.hi)};
  }
  static Vec mul(Vec a, Vec b) { return {H::mul(a.lo, b.lo), H::mul(a.hi, b.hi)}; }
  static void store(T* p, Vec v) {
    H::store(p, v.lo);
    H::store(p + H::W, v.hi);
  }
};
using TwinF32 = Twin<Avx2F32>;
using TwinF64 = Twin<Avx2F64>;

const MicroKernel<float> k_f32{14,
                               32,
                               &micro_kernel<TwinF32, 14, 2, true>,
                               &micro_kernel<TwinF32, 14, 2, false>,
                               "avx512 14x32 (avx2 twin)",
                               &gather_sliver_f32_avx2};
const MicroKernel<double> k_f64{14,
                                16,
                                &micro_kernel<TwinF64, 14, 2, true>,
                                &micro_kernel<TwinF64, 14, 2, false>,
                                "avx512 14x16 (avx2 twin)",
                                nullptr};

}  // namespace

template <>
const MicroKernel<float>& kernel_avx512_twin<float>() {
  return k_f32;
}
template <>
const MicroKernel<double>& kernel_avx512_twin<double>() {
  return k_f64;
}

}  // namespace dlcore::cpu::gemm_detail
