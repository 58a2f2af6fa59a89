// The register-blocked micro-kernel, written once over a SIMD traits type V (see
// gemm_kernel_avx2.cpp, gemm_kernel_avx512.cpp): MR rows x NV vectors of V::W lanes.
// Included only by the per-ISA files; everything here has internal linkage (ISA flags differ).
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "cpu/gemm_kernels.h"

namespace dlcore::cpu::gemm_detail {
namespace {

// Prefetches the C rows [c, c + rows * ldc) of a tile n wide into the cache level HINT: the
// first and last element of each row (an unaligned row of the tile spans two cache lines).
template <int HINT, typename T>
inline void prefetch_tile(const T* c, int64_t rows, int64_t ldc, int64_t n) {
  for (int64_t i = 0; i < rows; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), static_cast<_mm_hint>(HINT));
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + n - 1), static_cast<_mm_hint>(HINT));
  }
}

// Prefetches into L2 share t of `tiles` equal shares of region r's cache lines (per row, one
// line every 64 bytes plus the row's last element, for rows that do not start on a line).
template <typename T>
inline void prefetch_share(const PrefetchRegion<T>& r, int64_t t, int64_t tiles) {
  if (r.rows <= 0) return;
  constexpr int64_t kLine = 64 / sizeof(T);
  const int64_t per_row = (r.len + kLine - 1) / kLine + 1, total = r.rows * per_row;
  const int64_t u0 = total * t / tiles, u1 = total * (t + 1) / tiles;
  int64_t row = u0 / per_row, l = u0 % per_row;
  for (int64_t u = u0; u < u1; ++u) {
    const int64_t x = l * kLine < r.len ? l * kLine : r.len - 1;
    _mm_prefetch(reinterpret_cast<const char*>(r.base + row * r.ld + x), _MM_HINT_T1);
    if (++l == per_row) {
      l = 0;
      ++row;
    }
  }
}

// V provides: T, Vec, W, zero(), load(p), load_n(p, n) (lanes >= n read as 0 and are not
// touched in memory), bcast(p), fmadd(a, b, c) = a * b + c, mul(a, b), set1(x), store(p, v).
// PACKED_A: A is packed as MR-row slivers (rs_a == 1, cs_a == MR). FULL_B: nb == NR.

// One k block of one tile of R <= MR rows (R < MR: an edge tile, which costs R / MR of a full
// one; rows m <= i < R alias row 0 and are discarded): C = alpha * (the sum over the block's
// k steps from a and b) + beta * C. c: the tile's C, brought to L1 kTail steps before the end
// (the previous tile brought it to L2), so it does not compete with the A and B slivers in L1
// before it is needed; also in a deep call's later blocks, whose C the previous block wrote
// 256 steps earlier and the slivers streaming through L1 have since evicted.
template <class V, int MR, int R, int NV, bool PACKED_A, bool FULL_B>
inline void tile_block(const MicroArgs<typename V::T>& p, int64_t k, const typename V::T* a,
                       const typename V::T* b, typename V::T beta, typename V::T* c, int64_t m,
                       int64_t n, const int* nlanes) {
  using T = typename V::T;
  using Vec = typename V::Vec;
  constexpr int W = V::W, NR = NV * W;
  constexpr int64_t kTail = 32;
  const int64_t cs_a = PACKED_A ? MR : p.cs_a, rs_b = p.rs_b, ldc = p.ldc;
  Vec acc[R][NV];
#pragma GCC unroll 32
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) acc[i][v] = V::zero();
  int64_t row_off[R];
  for (int i = 0; i < R; ++i) row_off[i] = (i < m ? i : 0) * p.rs_a;

  auto steps = [&](int64_t count) {
#pragma GCC unroll 4
    for (int64_t q = 0; q < count; ++q) {
      Vec bv[NV];
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v)
        bv[v] = FULL_B ? V::load(b + v * W) : V::load_n(b + v * W, nlanes[v]);
#pragma GCC unroll 32
      for (int i = 0; i < R; ++i) {
        const Vec av = V::bcast(PACKED_A ? a + i : a + row_off[i]);
#pragma GCC unroll 8
        for (int v = 0; v < NV; ++v) acc[i][v] = V::fmadd(av, bv[v], acc[i][v]);
      }
      a += cs_a;
      b += rs_b;
    }
  };
  const int64_t head = k > kTail ? k - kTail : 0;
  steps(head);
  prefetch_tile<_MM_HINT_T0>(c, m, ldc, n);
  steps(k - head);

  // C = alpha * acc + beta * C; beta == 0 does not read C
  if (m == R && n == NR) {
    const Vec alpha = V::set1(p.alpha);
    if (beta == T(0)) {
#pragma GCC unroll 32
      for (int i = 0; i < R; ++i)
#pragma GCC unroll 8
        for (int v = 0; v < NV; ++v) V::store(c + i * ldc + v * W, V::mul(alpha, acc[i][v]));
    } else {
      const Vec vbeta = V::set1(beta);
#pragma GCC unroll 32
      for (int i = 0; i < R; ++i)
#pragma GCC unroll 8
        for (int v = 0; v < NV; ++v) {
          T* cp = c + i * ldc + v * W;
          V::store(cp, V::fmadd(vbeta, V::load(cp), V::mul(alpha, acc[i][v])));
        }
    }
    return;
  }
  alignas(64) T tile[R * NR];
#pragma GCC unroll 32
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) V::store(tile + i * NR + v * W, acc[i][v]);
  store_tile<T, NR>(tile, c, ldc, m, n, p.alpha, beta);
}

// One tile over the call's depth, in blocks of kSumBlock steps, each added into C: a C element
// is a sum of partial sums of at most kSumBlock products whatever the caller's depth, which
// keeps the rounding error of deep calls (the shared mode's kc of 1024) at that of
// kc = kSumBlock. A call of at most one block takes a path without the block loop (the loop's
// bookkeeping cost 5-10% of a 32-step tile). a: the tile's A; b: its B sliver; c: its C,
// m x n.
template <class V, int MR, int R, int NV, bool PACKED_A, bool FULL_B>
inline void tile_rows(const MicroArgs<typename V::T>& p, const typename V::T* a,
                      const typename V::T* b, typename V::T* c, int64_t m, int64_t n,
                      const int* nlanes) {
  using T = typename V::T;
  constexpr int64_t kSumBlock = 256;
  if (p.k <= kSumBlock) {
    tile_block<V, MR, R, NV, PACKED_A, FULL_B>(p, p.k, a, b, p.beta, c, m, n, nlanes);
    return;
  }
  const int64_t cs_a = PACKED_A ? MR : p.cs_a;
  T beta = p.beta;
  for (int64_t q0 = 0; q0 < p.k; q0 += kSumBlock) {
    const int64_t len = p.k - q0 < kSumBlock ? p.k - q0 : kSumBlock;
    tile_block<V, MR, R, NV, PACKED_A, FULL_B>(p, len, a + q0 * cs_a, b + q0 * p.rs_b, beta, c, m,
                                               n, nlanes);
    beta = T(1);
  }
}

// COPY: the call carries a copy job (a share of it before each tile); calls without one pay
// nothing for it.
template <class V, int MR, int NV, bool PACKED_A, bool FULL_B, bool COPY>
inline void micro_tiles(const MicroArgs<typename V::T>& p) {
  using T = typename V::T;
  constexpr int W = V::W;
  static_assert(MR > 4, "edge tiles run as 2 or 4 rows");
  int nlanes[NV];
  for (int v = 0; v < NV; ++v) {
    const int64_t left = p.nb - int64_t(v) * W;
    nlanes[v] = int(left < 0 ? 0 : (left > W ? W : left));
  }
  constexpr int NR = NV * W;
  const int64_t ldc = p.ldc, tiles = (p.m + MR - 1) / MR, slivers = p.b_slivers;
  auto rows_of = [&](int64_t t) { return p.m - t * MR < MR ? p.m - t * MR : int64_t(MR); };
  auto cols_of = [&](int64_t s) { return p.n - s * NR < NR ? p.n - s * NR : int64_t(NR); };
  const int64_t copy_per = COPY ? (p.copy.q1 - p.copy.q0 + tiles - 1) / tiles : 0;
  for (int64_t t = 0; t < tiles; ++t) {
    const int64_t m = rows_of(t);
    const T* a = p.a + t * p.a_tile;
    for (int64_t s = 0; s < slivers; ++s) {
      T* c = p.c + t * MR * ldc + s * NR;
      const int64_t n = cols_of(s);
      // the next tile's C into L2 (the next sliver's, the next row tile's first, or the
      // caller's next), and in a row tile's first sliver its share of the caller's region and
      // of the copy job
      if (s + 1 < slivers) prefetch_tile<_MM_HINT_T1>(c + NR, m, ldc, cols_of(s + 1));
      else if (t + 1 < tiles)
        prefetch_tile<_MM_HINT_T1>(p.c + (t + 1) * MR * ldc, rows_of(t + 1), ldc, cols_of(0));
      else if (p.c_next) prefetch_tile<_MM_HINT_T1>(p.c_next, p.m_next, ldc, cols_of(0));
      if (s == 0) {
        prefetch_share(p.pf, t, tiles);
        if (COPY) copy_share<T, NR>(p.copy, t, copy_per);
      }
      const T* b = p.b + s * p.b_stride;
      // an edge tile of 1-2 or 3-4 rows runs as a 2- or 4-row tile
      if (m <= 2) tile_rows<V, MR, 2, NV, PACKED_A, FULL_B>(p, a, b, c, m, n, nlanes);
      else if (m <= 4) tile_rows<V, MR, 4, NV, PACKED_A, FULL_B>(p, a, b, c, m, n, nlanes);
      else tile_rows<V, MR, MR, NV, PACKED_A, FULL_B>(p, a, b, c, m, n, nlanes);
    }
  }
}

template <class V, int MR, int NV, bool PACKED_A>
void micro_kernel(const MicroArgs<typename V::T>& p) {
  if (p.nb != NV * V::W) micro_tiles<V, MR, NV, PACKED_A, false, false>(p);
  else if (p.copy.q1 > p.copy.q0) micro_tiles<V, MR, NV, PACKED_A, true, true>(p);
  else micro_tiles<V, MR, NV, PACKED_A, true, false>(p);
}

}  // namespace
}  // namespace dlcore::cpu::gemm_detail
