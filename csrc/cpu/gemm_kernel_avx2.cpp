// AVX2+FMA gemm micro-kernels (16 ymm registers): float 6x16 and double 6x8, i.e. 12
// accumulators + 2 B vectors + 1 broadcast. Compiled with -mavx2 -mfma; entered only when
// active_isa() >= avx2.
#include <immintrin.h>

#include "cpu/gemm_kernel_simd.h"
#include "cpu/gemm_traits_avx2.h"

namespace dlcore::cpu::gemm_detail {
namespace {

const MicroKernel<float> k_f32{6,
                               16,
                               &micro_kernel<Avx2F32, 6, 2, true>,
                               &micro_kernel<Avx2F32, 6, 2, false>,
                               "avx2 6x16",
                               &gather_sliver_f32_avx2};
const MicroKernel<double> k_f64{
    6,          8,      &micro_kernel<Avx2F64, 6, 2, true>, &micro_kernel<Avx2F64, 6, 2, false>,
    "avx2 6x8", nullptr};

}  // namespace

template <>
const MicroKernel<float>& kernel_avx2<float>() {
  return k_f32;
}
template <>
const MicroKernel<double>& kernel_avx2<double>() {
  return k_f64;
}

}  // namespace dlcore::cpu::gemm_detail
