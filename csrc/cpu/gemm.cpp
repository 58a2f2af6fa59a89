// Goto/BLIS gemm driver: C = alpha * op(A) op(B) + beta * C, row-major.
// Loops (outer to inner): jc over NC columns -> pc over KC depth (pack B: kc x nc as nr-column
// slivers, shared) -> work items (ic chunk of <= MC rows x a range of B slivers; pack A: mc x kc
// as mr-row slivers, per thread) -> group of B slivers (L2): one micro-kernel call
// (gemm_kernel_*.cpp) walks ir sliver of A (L1) -> jr sliver of the group; m <= fused_rows
// takes the fused mode (run_fused).
// OpenMP threads split the work items; every C element is computed by the same sequence of
// operations whatever the thread count, so results are bit-identical across runs and threads.
// Each call reads the GemmConfig in force once at entry (gemm.h) and passes it down.
#include "cpu/gemm.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "common.h"
#include "cpu/cache_info.h"
#include "cpu/gemm_internal.h"
#include "cpu/gemm_kernels.h"
#include "cpu/gemm_scratch.h"
#if defined(DLCORE_OPENMP)
#include <omp.h>
#endif

namespace dlcore::cpu {
namespace {

using gemm_detail::a_scratch;
using gemm_detail::b_scratch;
using gemm_detail::blocking_of;
using gemm_detail::copy_sliver_rows;
using gemm_detail::MicroArgs;
using gemm_detail::MicroKernel;
using gemm_detail::seconds_now;
using gemm_detail::threads_for;

// Small-matrix path bounds (measured crossovers, see docs/gemm.md and gemm_impl).
constexpr int64_t kSmallN = 256;
constexpr int64_t kSmallM = 48;

// Adds the seconds of its scope to *sum (when sum is not null): a thread's busy time.
struct BusyTimer {
  double* sum;
  double t0;
  explicit BusyTimer(double* s) : sum(s), t0(s ? seconds_now() : 0.0) {}
  ~BusyTimer() {
    if (sum) *sum += seconds_now() - t0;
  }
};

template <typename T>
struct Problem {
  bool ta, tb;
  int64_t m, n, k;
  T alpha;
  const T* a;
  int64_t lda;
  const T* b;
  int64_t ldb;
  T beta;
  T* c;
  int64_t ldc;
};

// Packing primitives over one sliver of width W (W = 0: use the run-time width w). Element
// (q, x) of the sliver goes to dst[q * W + x] for q < kc, x < W; x >= valid is zero.
// copy: the source row q is contiguous, src[q * ld + x]. gather: src[x * ld + q].
template <typename T, int W>
void copy_sliver(T* __restrict dst, const T* __restrict src, int64_t ld, int64_t valid, int64_t kc,
                 int64_t w) {
  const int64_t width = W > 0 ? W : w;
  if (valid == width) {
    for (int64_t q = 0; q < kc; ++q) std::memcpy(dst + q * width, src + q * ld, width * sizeof(T));
    return;
  }
  for (int64_t q = 0; q < kc; ++q) {
    int64_t x = 0;
    for (; x < valid; ++x) dst[q * width + x] = src[q * ld + x];
    for (; x < width; ++x) dst[q * width + x] = T(0);
  }
}

template <typename T, int W>
void gather_sliver(T* __restrict dst, const T* __restrict src, int64_t ld, int64_t valid,
                   int64_t kc, int64_t w) {
  const int64_t width = W > 0 ? W : w;
  if (valid == width) {
    for (int64_t q = 0; q < kc; ++q)
      for (int64_t x = 0; x < width; ++x) dst[q * width + x] = src[x * ld + q];
    return;
  }
  for (int64_t q = 0; q < kc; ++q) {
    int64_t x = 0;
    for (; x < valid; ++x) dst[q * width + x] = src[x * ld + q];
    for (; x < width; ++x) dst[q * width + x] = T(0);
  }
}

// One sliver, with the width made a compile-time constant for the kernels' mr / nr.
// vec_gather: the kernel table's vector routine for the gather case (may be nullptr).
template <typename T>
void pack_sliver(gemm_detail::PackGatherFn<T> vec_gather, bool gather, T* dst, const T* src,
                 int64_t ld, int64_t valid, int64_t kc, int64_t w) {
  if (gather && vec_gather && vec_gather(dst, src, ld, valid, kc, w)) return;
#define DLCORE_PACK_CASE(W)                                      \
  case W:                                                        \
    if (gather) gather_sliver<T, W>(dst, src, ld, valid, kc, w); \
    else copy_sliver<T, W>(dst, src, ld, valid, kc, w);          \
    return;
  switch (w) {
    DLCORE_PACK_CASE(4)
    DLCORE_PACK_CASE(6)
    DLCORE_PACK_CASE(8)
    DLCORE_PACK_CASE(14)
    DLCORE_PACK_CASE(16)
    DLCORE_PACK_CASE(32)
    default:
      if (gather) gather_sliver<T, 0>(dst, src, ld, valid, kc, w);
      else copy_sliver<T, 0>(dst, src, ld, valid, kc, w);
  }
#undef DLCORE_PACK_CASE
}

// dst = mr-row slivers of op(A)[i0 : i0 + mc, p0 : p0 + kc]; rows past m are zero.
// Sliver s holds element (i0 + s*mr + r, p0 + q) at s*mr*kc + q*mr + r.
template <typename T>
void pack_a(const MicroKernel<T>& K, T* dst, const Problem<T>& P, int64_t i0, int64_t mc,
            int64_t p0, int64_t kc) {
  const int64_t mr = K.mr;
  for (int64_t s0 = 0; s0 < mc; s0 += mr) {
    const int64_t i = i0 + s0, rows = std::min(mr, P.m - i);
    // A stored (k, m): sliver rows are contiguous; stored (m, k): gather mr rows
    const T* src = P.ta ? P.a + p0 * P.lda + i : P.a + i * P.lda + p0;
    pack_sliver(K.gather, !P.ta, dst + s0 * kc, src, P.lda, rows, kc, mr);
  }
}

// dst sliver s (of nr columns starting at j0 + s*nr) = op(B)[p0 : p0 + kc, cols], zero-padded;
// element (p0 + q, j0 + s*nr + c) at s*nr*kc + q*nr + c. Packs slivers [s_begin, s_end).
template <typename T>
void pack_b(const MicroKernel<T>& K, T* dst, const Problem<T>& P, int64_t p0, int64_t kc,
            int64_t j0, int64_t s_begin, int64_t s_end) {
  const int64_t nr = K.nr;
  // B stored (k, n): the full slivers are packed row by row, so the source is read in
  // contiguous runs (one sliver at a time would stride ldb per row, a new page each time).
  int64_t s = s_begin;
  if (!P.tb) {
    const int64_t full_end = std::min(s_end, (P.n - j0) / nr);
    const T* src = P.b + p0 * P.ldb + j0;
    // groups of kPackGroup slivers: runs of kPackGroup * nr elements per source row, and few
    // enough destination streams (slivers are nr * kc apart) for the caches and TLB
    constexpr int64_t kPackGroup = 8;
    for (; s < full_end; s += kPackGroup) {
      const int64_t e = std::min(full_end, s + kPackGroup);
      switch (nr) {
        case 8: copy_sliver_rows<T, 8>(dst, nr * kc, src, P.ldb, 0, kc, s, e, nr); break;
        case 16: copy_sliver_rows<T, 16>(dst, nr * kc, src, P.ldb, 0, kc, s, e, nr); break;
        case 32: copy_sliver_rows<T, 32>(dst, nr * kc, src, P.ldb, 0, kc, s, e, nr); break;
        default: copy_sliver_rows<T, 0>(dst, nr * kc, src, P.ldb, 0, kc, s, e, nr);
      }
    }
    s = std::max(s_begin, full_end);  // the partial last sliver, if any, is left
  }
  for (; s < s_end; ++s) {
    const int64_t j = j0 + s * nr, cols = std::min(nr, P.n - j);
    // B stored (k, n): sliver rows are contiguous; stored (n, k): gather nr rows
    const T* src = P.tb ? P.b + j * P.ldb + p0 : P.b + p0 * P.ldb + j;
    pack_sliver(K.gather, P.tb, dst + s * nr * kc, src, P.ldb, cols, kc, nr);
  }
}

using gemm_detail::PrefetchRegion;

// Rows [rows * part / parts, rows * (part + 1) / parts) of region r.
template <typename T>
PrefetchRegion<T> region_part(PrefetchRegion<T> r, int64_t part, int64_t parts) {
  const int64_t r0 = r.rows * part / parts, r1 = r.rows * (part + 1) / parts;
  r.base += r0 * r.ld;
  r.rows = r1 - r0;
  return r;
}

// One kernel call for B slivers (columns j .. j + slivers * nr of C) against rows
// [i0, i0 + rows) of A. b/rs_b/nb describe the first sliver (packed or not; several are
// packed, nr * kc apart); abuf is the packed A block starting at row i0 (nullptr: read A in
// place); pf is what the caller wants in L2 next; copy is packing work done alongside the
// call's tiles (one sliver only).
template <typename T>
void sliver_step(const Problem<T>& P, const MicroKernel<T>& K, int64_t pc, int64_t kc, T beta,
                 const T* abuf, int64_t i0, int64_t rows, int64_t j, const T* b, int64_t rs_b,
                 int64_t nb, const PrefetchRegion<T>& pf, const gemm_detail::CopyJob<T>& copy = {},
                 int64_t slivers = 1) {
  const int64_t mr = K.mr, width = (slivers - 1) * K.nr + nb;
  MicroArgs<T> args{};
  args.k = kc;
  args.ldc = P.ldc;
  args.alpha = P.alpha;
  args.beta = beta;
  args.m = rows;
  args.n = std::min(width, P.n - j);
  args.b = b;
  args.rs_b = rs_b;
  args.nb = nb;
  args.b_slivers = slivers;
  args.b_stride = K.nr * kc;
  args.c = P.c + i0 * P.ldc + j;
  // after the last tile: the first tile of the next column sliver
  args.c_next = j + width < P.n ? P.c + i0 * P.ldc + j + width : nullptr;
  args.m_next = std::min(mr, P.m - i0);
  args.pf = pf;
  args.copy = copy;
  if (abuf) {
    args.a = abuf;
    args.rs_a = 1;
    args.cs_a = mr;
    args.a_tile = mr * kc;
    K.packed_a(args);
  } else {
    args.a = P.ta ? P.a + pc * P.lda + i0 : P.a + i0 * P.lda + pc;
    args.rs_a = P.ta ? 1 : P.lda;
    args.cs_a = P.ta ? P.lda : 1;
    args.a_tile = mr * args.rs_a;
    K.strided_a(args);
  }
}

// Shared-panel mode (m > fused_rows), the loop nest of one thread. With nt > 1 it runs inside
// an OpenMP team of nt threads; the packing of the kc x nc B panel and the work items (row
// chunk x sliver range) are shared out, and each `omp for` ends with a barrier. Inside an item
// C is walked along its rows: for each group of b_group B slivers (L2), one kernel call in
// which each mr-row A sliver (L1) meets the group's slivers in turn, so consecutive tiles of C
// are adjacent in memory. Shallow A blocks take the same walk: walking them down C's columns
// instead (one call per B sliver over all the rows, the A block in L2) measured 0.83-1.02 of
// it once the row walk made one call per group (session 7, paired, 1 thread: 22 shallow
// shapes, level on four, 2000x8x2000 and 2000x4x2000 the exceptions at 1.05-1.09; 2 threads:
// 0.83-1.00 on seven).
template <typename T>
void run_shared(const Problem<T>& P, const MicroKernel<T>& K, const GemmConfig& cfg,
                const GemmBlocking& bl, bool packed_a, T* bbuf, int nt, double* busy = nullptr) {
  const int64_t mr = bl.mr, nr = bl.nr, group = bl.b_group;
  // row chunks: ceil(m / MC), rounded up to a multiple of the thread count, equal sizes
  int64_t n_ic = ceil_div(P.m, bl.mc);
  if (nt > 1) n_ic = std::min(round_up(n_ic, nt), ceil_div(P.m, mr));
  const int64_t mc = round_up(ceil_div(P.m, n_ic), mr);
  n_ic = ceil_div(P.m, mc);
  // kc steps of equal depth (k = 1200 with KC 1024 runs as 600 + 600, not 1024 + 176)
  const int64_t kc_step = ceil_div(P.k, ceil_div(P.k, bl.kc));
  T* abuf = packed_a ? a_scratch(cfg).get<T>(mc * kc_step) : nullptr;

  for (int64_t jc = 0; jc < P.n; jc += bl.nc) {
    const int64_t nc = std::min(bl.nc, P.n - jc), n_sl = ceil_div(nc, nr);
    // with few row chunks, split the slivers too so every thread has >= 2 items
    int64_t n_jr = 1;
    if (nt > 1 && n_ic < 2 * nt) n_jr = std::min(n_sl, ceil_div(2 * nt, n_ic));
    const int64_t n_items = n_ic * n_jr;
    for (int64_t pc = 0; pc < P.k; pc += kc_step) {
      const int64_t kc = std::min(kc_step, P.k - pc);
      const T beta = pc == 0 ? P.beta : T(1);
      if (nt > 1) {
#pragma omp for schedule(static)
        for (int64_t t = 0; t < nt; ++t) {
          BusyTimer timer(busy);
          pack_b(K, bbuf, P, pc, kc, jc, n_sl * t / nt, n_sl * (t + 1) / nt);
        }
      } else {
        pack_b(K, bbuf, P, pc, kc, jc, 0, n_sl);
      }
      int64_t last_ic = -1;
      auto do_item = [&](int64_t item) {
        const int64_t ic = item / n_jr, jr = item % n_jr;
        const int64_t i0 = ic * mc, rows = std::min(mc, P.m - i0);
        if (packed_a && ic != last_ic) pack_a(K, abuf, P, i0, rows, pc, kc);
        last_ic = ic;
        const int64_t s_begin = n_sl * jr / n_jr, s_end = n_sl * (jr + 1) / n_jr;
        for (int64_t g = s_begin; g < s_end; g += group) {
          const int64_t g_end = std::min(s_end, g + group);
          // one call for the group: each row tile (its A sliver in L1) meets the group's
          // slivers in turn (a call per tile and sliver cost 2-9%: its setup, and a prefetch
          // of the next A sliver that the hardware's stream prefetch makes redundant; a
          // prefetch of the next group into L2 measured level once the calls were merged)
          const int64_t j = jc + g * nr;
          sliver_step(P, K, pc, kc, beta, packed_a ? abuf : nullptr, i0, rows, j,
                      bbuf + g * nr * kc, nr, nr, PrefetchRegion<T>{}, {}, g_end - g);
        }
      };
      if (nt > 1) {
#pragma omp for schedule(dynamic, 1)
        for (int64_t item = 0; item < n_items; ++item) {
          BusyTimer timer(busy);
          do_item(item);
        }
      } else {
        for (int64_t item = 0; item < n_items; ++item) do_item(item);
      }
    }
  }
}

// Fused mode (m <= fused_rows: a packed A block fits L2, so a B panel would never be reused by
// another row chunk). C's columns are cut into chunks of slivers (and its rows into parts when
// there are fewer column chunks than threads); with a team, threads claim chunks dynamically
// (a thread that starts late finds the work done instead of holding up the others). Per chunk
// and kc step, B is packed a group of slivers at a time into one of two L2-resident buffers
// (row by row: the source is read in runs of group * nr elements), either before the
// group's kernel calls (its source prefetched into L2 during the previous group's) or, when
// B's source is large, during the previous group's calls (the kernels do a share of the copy
// before each tile). With several column chunks,
// A is packed once per thread for all of k (when that is at most kFusedAMax bytes); else per
// chunk and kc step. No barriers; the micro-tiles are the shared mode's, so results do not
// depend on the thread count.
// B slivers per group; twice as many when B's source is large (over 4 L2s, so it comes from
// L3 or memory): the copy then reads 512-byte runs per source row, half the page walks and
// twice the run for the stream prefetcher per byte. gemm_tune(fuse_group=4) against 8, in one
// build, paired, 21-31 rounds: 1 thread 64x512x2048 +2 to +4%, 256x2048x512 +1 to +3%,
// 64x784x1024 +1 to +1.7%, 128x1024x1024 +1%, 48x512x2048 and 24x512x2048 level; 2 threads
// 256x2048x512 +5%, 128x1024x1024 +1 to +2%, 64x784x1024 -1 to -2%. With a small B (256^3,
// 64x784x128, 300^3) 8 measured 0.99-1.02, so it stays 4 there.
constexpr int64_t kFuseGroup = 4, kFuseGroupLargeB = 8;
constexpr int64_t kFusedAMax = int64_t(16) << 20;

template <typename T>
void run_fused(const Problem<T>& P, const MicroKernel<T>& K, const GemmConfig& cfg,
               const GemmBlocking& bl, bool packed_a, bool packed_b, int nt,
               double* busy = nullptr) {
  const int64_t mr = bl.mr, nr = bl.nr;
  const int64_t kc_step = ceil_div(P.k, ceil_div(P.k, bl.kc_fused)), kc_max = kc_step;
  const bool large_b = P.k * P.n * int64_t(sizeof(T)) > 4 * cache_info().l2;
  const int64_t G = cfg.tuning.fuse_group > 0 ? cfg.tuning.fuse_group
                    : large_b                 ? kFuseGroupLargeB
                                              : kFuseGroup;
  const bool prefetch = cfg.tuning.prefetch != 0;
  const int64_t n_sl = ceil_div(P.n, nr), m_pad = round_up(P.m, mr);
  // column chunks of about G slivers, at most 4 per thread, and a multiple of the thread count
  // where there are slivers for it: on the AVX-512 host (32-column slivers) 384^3 made 3
  // chunks of 4 slivers, 2 of them on one thread: 2 threads ran 1.43x one thread at their
  // fastest calls, 1.66-1.80x with 4 chunks (outputs do not depend on the chunks)
  int64_t col_chunks = 1;
  if (nt > 1) {
    col_chunks = std::max<int64_t>(1, std::min<int64_t>(ceil_div(n_sl, G), 4 * int64_t(nt)));
    if (col_chunks > 1) col_chunks = std::min(n_sl, round_up(col_chunks, int64_t(nt)));
  }
  // fewer column chunks than threads (few B slivers): the rows are split too, in whole MR
  // tiles, each part packing its own rows of A and its own B groups
  const int64_t tiles_m = ceil_div(P.m, mr);
  const int64_t row_parts = col_chunks < nt ? std::min<int64_t>(tiles_m, nt) : 1;
  const int64_t n_chunks = col_chunks * row_parts;
  // A packed once for all of k pays when several column chunks (threads) reuse it; one chunk
  // uses each kc step once, and packing all of a large A first sends it to memory and back
  // (288x12544x64 TN: 0.89-0.95 -> 1.02-1.09x numpy, paired)
  const bool a_whole = packed_a && col_chunks > 1 && row_parts == 1 &&
                       m_pad * P.k * int64_t(sizeof(T)) <= kFusedAMax;
  T* abuf = nullptr;
  bool a_ready = false;
  T* bgrp = nullptr;  // two buffers of G packed slivers: one read by the kernel, one filled
  const int64_t bgrp_size = G * nr * kc_max;

  // A chunk runs as steps: kc steps outer, groups of G slivers inner
  struct Step {
    int64_t pc, kc, g, g_end;
  };
  auto do_chunk = [&](int64_t ch) {
    const int64_t cc = ch % col_chunks, rp = ch / col_chunks;
    const int64_t s_begin = n_sl * cc / col_chunks, s_end = n_sl * (cc + 1) / col_chunks;
    const int64_t i0 = tiles_m * rp / row_parts * mr;
    const int64_t rows = std::min(P.m, tiles_m * (rp + 1) / row_parts * mr) - i0;
    if (s_begin >= s_end) return;
    if (packed_a && !abuf) abuf = a_scratch(cfg).get<T>(m_pad * (a_whole ? P.k : kc_max));
    if (packed_b && !bgrp) bgrp = b_scratch(cfg).get<T>(2 * bgrp_size);
    if (a_whole && !a_ready) {
      for (int64_t pc = 0; pc < P.k; pc += kc_step)
        pack_a(K, abuf + m_pad * pc, P, 0, P.m, pc, std::min(kc_step, P.k - pc));
      a_ready = true;
    }
    const int64_t n_groups = ceil_div(s_end - s_begin, G);
    const int64_t n_steps = n_groups * ceil_div(P.k, kc_step);
    auto step_at = [&](int64_t x) {
      const int64_t pc = x / n_groups * kc_step, g = s_begin + x % n_groups * G;
      return Step{pc, std::min(kc_step, P.k - pc), g, std::min(s_end, g + G)};
    };
    // the source of step x's B group, for a prefetch (empty past the last step)
    auto source = [&](int64_t x) {
      if (!prefetch || x >= n_steps) return PrefetchRegion<T>{};
      const Step t = step_at(x);
      const int64_t j = t.g * nr, cols = std::min((t.g_end - t.g) * nr, P.n - j);
      return P.tb ? PrefetchRegion<T>{P.b + j * P.ldb + t.pc, cols, t.kc, P.ldb}
                  : PrefetchRegion<T>{P.b + t.pc * P.ldb + j, t.kc, cols, P.ldb};
    };
    // packing the next group during this group's calls pays when B's source comes from L3 or
    // memory and the calls have enough tiles to hide the copy in (gemm_tune(pack_ahead=) A/B
    // in one build, 1 thread, paired: +5-8% at m 48..256 with B of 3-4 MiB; -3% with B of
    // 0.4-1.5 MiB; -7% to -14% at m <= 24)
    const int pa = cfg.tuning.pack_ahead;
    const bool pack_ahead = pa >= 0 ? pa == 1 : large_b && rows >= 8 * mr;
    const T* ablk = abuf;
    bool packed_ahead = false;  // this step's group was packed during the previous step
    int64_t cur = 0;            // the buffer this step's kernel calls read
    for (int64_t x = 0; x < n_steps; ++x) {
      const Step t = step_at(x);
      const T beta = t.pc == 0 ? P.beta : T(1);
      if (t.g == s_begin) {
        if (a_whole) ablk = abuf + m_pad * t.pc;
        else if (packed_a) pack_a(K, abuf, P, i0, rows, t.pc, t.kc);
      }
      if (!packed_b) {
        for (int64_t s = t.g; s < t.g_end; ++s)
          sliver_step(P, K, t.pc, t.kc, beta, ablk, i0, rows, s * nr, P.b + t.pc * P.ldb + s * nr,
                      P.ldb, std::min(nr, P.n - s * nr), PrefetchRegion<T>{});
        continue;
      }
      T* buf = bgrp + cur * bgrp_size;
      if (!packed_ahead) pack_b(K, buf, P, t.pc, t.kc, t.g * nr, 0, t.g_end - t.g);
      // the next step's group, when its slivers are whole columns of a row-major B, is packed
      // into the other buffer during this step's kernel calls, a share per call, so that its
      // loads and stores overlap their arithmetic (a prefetch of the source of the step after
      // it measured level); otherwise the next step's source goes to L2
      gemm_detail::CopyJob<T> copy;
      packed_ahead = false;
      if (pack_ahead && x + 1 < n_steps && !P.tb) {
        const Step u = step_at(x + 1);
        if (u.g_end * nr <= P.n) {
          copy = {P.b + u.pc * P.ldb + u.g * nr,
                  P.ldb,
                  bgrp + (1 - cur) * bgrp_size,
                  nr * u.kc,
                  u.g_end - u.g,
                  0,
                  u.kc};
          packed_ahead = true;
        }
      }
      const PrefetchRegion<T> next = packed_ahead ? PrefetchRegion<T>{} : source(x + 1);
      const int64_t parts = t.g_end - t.g;
      for (int64_t s = t.g; s < t.g_end; ++s) {
        gemm_detail::CopyJob<T> share = copy;
        share.q0 = copy.q1 * (s - t.g) / parts;
        share.q1 = copy.q1 * (s - t.g + 1) / parts;
        sliver_step(P, K, t.pc, t.kc, beta, ablk, i0, rows, s * nr, buf + (s - t.g) * nr * t.kc, nr,
                    nr, region_part(next, s - t.g, parts), share);
      }
      if (packed_ahead) cur = 1 - cur;
    }
  };
  if (nt > 1) {
#pragma omp for schedule(dynamic, 1) nowait
    for (int64_t ch = 0; ch < n_chunks; ++ch) {
      BusyTimer timer(busy);
      do_chunk(ch);
    }
  } else {
    for (int64_t ch = 0; ch < n_chunks; ++ch) do_chunk(ch);
  }
}

template <typename T>
void scale_c(const Problem<T>& P) {
  for (int64_t i = 0; i < P.m; ++i) {
    T* row = P.c + i * P.ldc;
    if (P.beta == T(0)) std::fill(row, row + P.n, T(0));
    else if (P.beta != T(1))
      for (int64_t j = 0; j < P.n; ++j) row[j] *= P.beta;
  }
}

std::atomic<int> g_last_threads{1};

// One product with at most nt threads, under cfg (the caller's snapshot).
template <typename T>
void gemm_impl(const Problem<T>& P, int nt, const GemmConfig& cfg) {
  if (P.m <= 0 || P.n <= 0) return;
  if (P.k <= 0 || P.alpha == T(0)) {
    scale_c(P);
    return;
  }
  const GemmTuning& tu = cfg.tuning;
  const MicroKernel<T>& K = gemm_detail::kernel_for<T>(cfg.isa, tu.avx512_twin);
  const GemmBlocking& bl = blocking_of<T>(cfg);
  // Small-matrix path (crossovers measured, docs/gemm.md): read A in place when it is used
  // by few B slivers (n <= kSmallN); read B in place when few row slivers use it
  // (m <= kSmallM) and it fits L2. Transposed operands are always packed (the kernels need
  // unit stride along B's row and read A's rows with a stride).
  const bool in_fused = P.m <= bl.fused_rows;
  const bool small_a = !P.ta && P.n <= kSmallN;
  const bool small_b = !P.tb && P.m <= kSmallM && P.k * P.n * int64_t(sizeof(T)) <= cache_info().l2;
  const bool packed_a = tu.pack_a >= 0 ? tu.pack_a == 1 : !small_a;
  const bool packed_b = P.tb || (tu.pack_b >= 0 ? tu.pack_b == 1 : !small_b);
  const bool fused = in_fused || !packed_b;
  T* bbuf =
      fused ? nullptr
            : b_scratch(cfg).get<T>(std::min(bl.kc, P.k) * round_up(std::min(bl.nc, P.n), bl.nr));
  if (nt > 1 && tu.thread_gate != 0 && gemm_detail::thread_gate_closed()) nt = 1;
  if (nt <= 1) {
    g_last_threads.store(1, std::memory_order_relaxed);
    if (fused) run_fused(P, K, cfg, bl, packed_a, packed_b, 1);
    else run_shared(P, K, cfg, bl, packed_a, bbuf, 1);
    return;
  }
#if defined(DLCORE_OPENMP)
  const double t0 = seconds_now();
  double master_busy = 0;
#pragma omp parallel num_threads(nt)
  {
    double* busy = omp_get_thread_num() == 0 ? &master_busy : nullptr;
    const int team = omp_get_num_threads();
    if (busy) g_last_threads.store(team, std::memory_order_relaxed);
    if (fused) run_fused(P, K, cfg, bl, packed_a, packed_b, team, busy);
    else run_shared(P, K, cfg, bl, packed_a, bbuf, team, busy);
  }
  const double elapsed = seconds_now() - t0;
  gemm_detail::thread_gate_record(elapsed - master_busy, elapsed);
#else
  g_last_threads.store(1, std::memory_order_relaxed);
  if (fused) run_fused(P, K, cfg, bl, packed_a, packed_b, 1);
  else run_shared(P, K, cfg, bl, packed_a, bbuf, 1);
#endif
}

}  // namespace

int gemm_last_threads() { return g_last_threads.load(std::memory_order_relaxed); }

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
          int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  const GemmConfig& cfg = gemm_config();  // the one read of the config in this call
  const Problem<T> P{trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc};
  gemm_impl(P, threads_for(cfg, m, n, k), cfg);
}

// Threads go to the products when each is big enough; otherwise to the batch (one thread per
// product), which keeps every product single-threaded and so bit-identical either way.
template <typename T>
void gemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                  T alpha, const T* a, int64_t lda, int64_t stride_a, const T* b, int64_t ldb,
                  int64_t stride_b, T beta, T* c, int64_t ldc, int64_t stride_c) {
  if (batch <= 0) return;
  const GemmConfig& cfg = gemm_config();  // the one read of the config in this call
  const int per = threads_for(cfg, m, n, k);
  const int over_batch = int(std::min<int64_t>(batch, threads_for(cfg, batch * m, n, k)));
  auto one = [&](int64_t i, int nt) {
    const Problem<T> P{
        trans_a, trans_b,          m,  n, k, alpha, a + i * stride_a, lda, b + i * stride_b, ldb,
        beta,    c + i * stride_c, ldc};
    gemm_impl(P, nt, cfg);
  };
  if (per > 1 || over_batch <= 1) {
    for (int64_t i = 0; i < batch; ++i) one(i, per);
    return;
  }
#pragma omp parallel for schedule(dynamic, 1) num_threads(over_batch)
  for (int64_t i = 0; i < batch; ++i) one(i, 1);
}

#define DLCORE_INSTANTIATE(T)                                                                  \
  template void gemm<T>(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*, \
                        int64_t, T, T*, int64_t);                                              \
  template void gemm_batched<T>(int64_t, bool, bool, int64_t, int64_t, int64_t, T, const T*,   \
                                int64_t, int64_t, const T*, int64_t, int64_t, T, T*, int64_t,  \
                                int64_t);
DLCORE_INSTANTIATE(float)
DLCORE_INSTANTIATE(double)
#undef DLCORE_INSTANTIATE

}  // namespace dlcore::cpu
