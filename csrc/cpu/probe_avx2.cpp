// AVX2+FMA burst for the FMA peak probe (csrc/cpu/probe.h): 12 independent ymm FMA chains,
// enough to cover 2 pipes x 4-5 cycles of latency.
#include <immintrin.h>

#include "cpu/probe.h"

namespace dlcore::cpu::probe_detail {

double fma_burst_avx2(int64_t iters, float seed) {
  constexpr int kChains = 12;
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_ps(seed + float(i));
  const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
  }
  __m256 s = acc[0];
  for (int i = 1; i < kChains; ++i) s = _mm256_add_ps(s, acc[i]);
  volatile float sink = _mm256_cvtss_f32(s);
  (void)sink;
  return double(iters) * kChains * 8 * 2;
}

}  // namespace dlcore::cpu::probe_detail
