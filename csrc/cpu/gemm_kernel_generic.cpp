// Portable gemm micro-kernels (baseline x86-64 / any CPU): float 4x16 and double 4x8 in plain
// C++ over a fixed-size accumulator array, left to the compiler to keep in vector registers.
#include <cstdint>

#include "cpu/gemm_kernels.h"

namespace dlcore::cpu::gemm_detail {
namespace {

// One body for packed and strided A (the packed sliver is rs_a == 1, cs_a == MR): a
// compile-time packed variant vectorised worse with GCC 12 (3.8 vs 11.8 GFLOP/s at n = 512).
template <typename T, int MR, int NR>
void generic_tile(const MicroArgs<T>& p, const T* a, const T* b, T* c, int64_t m, int64_t n) {
  T acc[MR * NR] = {};
  int64_t row_off[MR];
  for (int i = 0; i < MR; ++i) row_off[i] = (i < m ? i : 0) * p.rs_a;
  const int64_t cs_a = p.cs_a;
  if (p.nb == NR) {
    for (int64_t q = 0; q < p.k; ++q, a += cs_a, b += p.rs_b)
      for (int i = 0; i < MR; ++i) {
        const T ai = a[row_off[i]];
        for (int j = 0; j < NR; ++j) acc[i * NR + j] += ai * b[j];
      }
  } else {
    for (int64_t q = 0; q < p.k; ++q, a += cs_a, b += p.rs_b)
      for (int i = 0; i < MR; ++i) {
        const T ai = a[row_off[i]];
        for (int64_t j = 0; j < p.nb; ++j) acc[i * NR + j] += ai * b[j];
      }
  }
  store_tile<T, NR>(acc, c, p.ldc, m, n, p.alpha, p.beta);
}

template <typename T, int MR, int NR>
void generic_kernel(const MicroArgs<T>& p) {
  const int64_t tiles = (p.m + MR - 1) / MR;
  const int64_t copy_per = (p.copy.q1 - p.copy.q0 + tiles - 1) / tiles;
  for (int64_t t = 0; t < tiles; ++t) {
    copy_share<T, NR>(p.copy, t, copy_per);
    for (int64_t s = 0; s < p.b_slivers; ++s)
      generic_tile<T, MR, NR>(p, p.a + t * p.a_tile, p.b + s * p.b_stride,
                              p.c + t * MR * p.ldc + s * NR, p.m - t * MR < MR ? p.m - t * MR : MR,
                              p.n - s * NR < NR ? p.n - s * NR : NR);
  }
}

const MicroKernel<float> k_f32{
    4, 16, &generic_kernel<float, 4, 16>, &generic_kernel<float, 4, 16>, "generic 4x16", nullptr};
const MicroKernel<double> k_f64{
    4, 8, &generic_kernel<double, 4, 8>, &generic_kernel<double, 4, 8>, "generic 4x8", nullptr};

}  // namespace

template <>
const MicroKernel<float>& kernel_generic<float>() {
  return k_f32;
}
template <>
const MicroKernel<double>& kernel_generic<double>() {
  return k_f64;
}

}  // namespace dlcore::cpu::gemm_detail
