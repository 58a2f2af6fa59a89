// The register-blocked micro-kernel, written once over a SIMD traits type V (see
// gemm_kernel_avx2.cpp, gemm_kernel_avx512.cpp): MR rows x NV vectors of V::W lanes.
// Included only by the per-ISA files; everything here has internal linkage (ISA flags differ).
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "cpu/gemm_kernels.h"

namespace dlcore::cpu::gemm_detail {
namespace {

// V provides: T, Vec, W, zero(), load(p), load_n(p, n) (lanes >= n read as 0 and are not
// touched in memory), bcast(p), fmadd(a, b, c) = a * b + c, store(p, v).
// PACKED_A: A is an MR-row packed sliver (rs_a == 1, cs_a == MR). FULL_B: nb == NR.
template <class V, int MR, int NV, bool PACKED_A, bool FULL_B>
inline void micro_tile(const MicroArgs<typename V::T>& p) {
  using T = typename V::T;
  using Vec = typename V::Vec;
  constexpr int W = V::W, NR = NV * W;
  Vec acc[MR][NV];
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) acc[i][v] = V::zero();

  // rows past m alias row 0 (their results are discarded)
  int64_t row_off[MR];
  for (int i = 0; i < MR; ++i) row_off[i] = (i < p.m ? i : 0) * p.rs_a;
  int nlanes[NV];
  for (int v = 0; v < NV; ++v) {
    const int64_t left = p.nb - int64_t(v) * W;
    nlanes[v] = int(left < 0 ? 0 : (left > W ? W : left));
  }
  // C: the next call's tile goes to L2 now; this tile (brought to L2 by the previous call) goes
  // to L1 kTail steps before the end, so it does not compete with the A and B slivers in L1
  // for the whole call. First and last element of each row: an unaligned row spans two lines.
  if (p.c_next)
    for (int64_t i = 0; i < p.m_next; ++i) {
      const T* crow = p.c_next + i * p.ldc;
      _mm_prefetch(reinterpret_cast<const char*>(crow), _MM_HINT_T1);
      _mm_prefetch(reinterpret_cast<const char*>(crow + p.n - 1), _MM_HINT_T1);
    }
  auto prefetch_c = [&] {
    for (int64_t i = 0; i < p.m; ++i) {
      const T* crow = p.c + i * p.ldc;
      _mm_prefetch(reinterpret_cast<const char*>(crow), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(crow + p.n - 1), _MM_HINT_T0);
    }
  };

  const T* a = p.a;
  const T* b = p.b;
  const int64_t cs_a = PACKED_A ? MR : p.cs_a, rs_b = p.rs_b;
  auto steps = [&](int64_t count) {
#pragma GCC unroll 4
    for (int64_t q = 0; q < count; ++q) {
      Vec bv[NV];
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v)
        bv[v] = FULL_B ? V::load(b + v * W) : V::load_n(b + v * W, nlanes[v]);
#pragma GCC unroll 32
      for (int i = 0; i < MR; ++i) {
        const Vec av = V::bcast(PACKED_A ? a + i : a + row_off[i]);
#pragma GCC unroll 8
        for (int v = 0; v < NV; ++v) acc[i][v] = V::fmadd(av, bv[v], acc[i][v]);
      }
      a += cs_a;
      b += rs_b;
    }
  };
  constexpr int64_t kTail = 32;
  const int64_t head = p.k > kTail ? p.k - kTail : 0;
  steps(head);
  prefetch_c();
  steps(p.k - head);

  if (p.m == MR && p.n == NR) {
    const Vec alpha = V::set1(p.alpha);
    if (p.beta == T(0)) {
#pragma GCC unroll 32
      for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
        for (int v = 0; v < NV; ++v) V::store(p.c + i * p.ldc + v * W, V::mul(alpha, acc[i][v]));
    } else {
      const Vec beta = V::set1(p.beta);
#pragma GCC unroll 32
      for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
        for (int v = 0; v < NV; ++v) {
          T* cp = p.c + i * p.ldc + v * W;
          V::store(cp, V::fmadd(beta, V::load(cp), V::mul(alpha, acc[i][v])));
        }
    }
    return;
  }
  alignas(64) T tile[MR * NR];
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) V::store(tile + i * NR + v * W, acc[i][v]);
  store_tile<T, NR>(tile, p);
}

template <class V, int MR, int NV, bool PACKED_A>
void micro_kernel(const MicroArgs<typename V::T>& p) {
  if (p.nb == NV * V::W)
    micro_tile<V, MR, NV, PACKED_A, true>(p);
  else
    micro_tile<V, MR, NV, PACKED_A, false>(p);
}

}  // namespace
}  // namespace dlcore::cpu::gemm_detail
