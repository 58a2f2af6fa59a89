// AVX-512F burst for the FMA peak probe (csrc/cpu/probe.h): 24 independent zmm FMA chains.
// NOTE: not yet run on AVX-512 hardware (the development machine is Zen 3, AVX2 only).
#include <immintrin.h>

#include "cpu/probe.h"

namespace dlcore::cpu::probe_detail {

double fma_burst_avx512(int64_t iters, float seed) {
  constexpr int kChains = 24;
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_ps(seed + float(i));
  const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 24
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
  }
  __m512 s = acc[0];
  for (int i = 1; i < kChains; ++i) s = _mm512_add_ps(s, acc[i]);
  volatile float sink = _mm512_reduce_add_ps(s);
  (void)sink;
  return double(iters) * kChains * 16 * 2;
}

}  // namespace dlcore::cpu::probe_detail
