// The per-step products of a recurrent layer (rnn_gemm.h) on the gemm micro-kernels (and their
// vector packing routine, gemm_kernels.h): op(W) packed once as nr-column slivers of full
// depth; per product, A packed as mr-row slivers in kc-deep blocks (kc: the gemm's fused-mode
// depth), then one kernel call per group of kGroup slivers and depth block over all the rows,
// the next call's B block prefetched into L2 during each call.
#include "cpu/rnn_gemm.h"

#include <algorithm>
#if defined(DLCORE_OPENMP)
#include <omp.h>
#endif

#include "common.h"
#include "cpu/cache_info.h"
#include "cpu/conv_threads.h"
#include "cpu/gemm.h"
#include "cpu/gemm_internal.h"
#include "cpu/gemm_kernels.h"
#include "cpu/gemm_scratch.h"
#include "cpu/threads.h"

namespace dlcore::cpu {
namespace {

using gemm_detail::MicroArgs;
using gemm_detail::MicroKernel;

constexpr int64_t kGroup = 4;  // slivers per kernel call
constexpr double kThreadFlops = 4e6;      // 2mnk of work per extra thread

// The calling thread's arrays for the packed weight and the packed left operand (gemm_scratch.h:
// grown on demand, kept for the life of the thread, huge pages from 2 MiB).
gemm_detail::Scratch& panel_scratch() {
  thread_local gemm_detail::Scratch s;
  return s;
}
gemm_detail::Scratch& a_scratch() {
  thread_local gemm_detail::Scratch s;
  return s;
}

template <typename T>
const MicroKernel<T>& kernel() {
  const GemmConfig& cfg = gemm_config();
  return gemm_detail::kernel_for<T>(cfg.isa, cfg.tuning.avx512_twin);
}

}  // namespace

template <typename T>
PackedWeight<T>::PackedWeight(const T* w, int64_t ld, bool trans, int64_t k, int64_t n)
    : k_(k), n_(n) {
  const MicroKernel<T>& K = kernel<T>();
  nr_ = K.nr, mr_ = K.mr;
  const int64_t kc = gemm_blocking<T>().kc_fused;
  kc_ = ceil_div(k, std::max<int64_t>(1, ceil_div(k, kc)));  // equal depth blocks
  const int64_t slivers = ceil_div(n, nr_);
  panel_ = panel_scratch().get<T>(std::max<int64_t>(slivers * k * nr_, 1));
  for (int64_t s = 0; s < slivers; ++s) {
    T* dst = panel_ + s * k * nr_;
    const int64_t j0 = s * nr_, cols = std::min(nr_, n - j0);
    if (trans) {  // W (n, k): row j of W is column j of op(W); rows past n give zeros
      if (K.gather && K.gather(dst, w + j0 * ld, ld, cols, k, nr_)) continue;
      for (int64_t c = 0; c < cols; ++c) {
        const T* src = w + (j0 + c) * ld;
        for (int64_t q = 0; q < k; ++q) dst[q * nr_ + c] = src[q];
      }
    } else {
      for (int64_t q = 0; q < k; ++q)
        std::copy(w + q * ld + j0, w + q * ld + j0 + cols, dst + q * nr_);
    }
    for (int64_t q = 0; q < k && cols < nr_; ++q)
      std::fill(dst + q * nr_ + cols, dst + (q + 1) * nr_, T(0));
  }
}

template <typename T>
void PackedWeight<T>::multiply(int64_t m, const T* a, int64_t lda, T beta, T* c, int64_t ldc) {
  if (m <= 0 || n_ <= 0) return;
  const MicroKernel<T>& K = kernel<T>();
  const int64_t mr = mr_, nr = nr_, k = k_, kc = kc_;
  const int64_t m_pad = round_up(m, mr);
  // A in depth blocks: block at pc holds m_pad x kcp as mr-row slivers (mr * kcp apart),
  // element (i, q) at sliver i / mr, offset q * mr + i % mr; rows past m are zero
  T* abuf = a_scratch().get<T>(m_pad * k);
  for (int64_t pc = 0; pc < k; pc += kc) {
    const int64_t kcp = std::min(kc, k - pc);
    T* blk = abuf + m_pad * pc;
    for (int64_t i0 = 0; i0 < m_pad; i0 += mr) {
      T* dst = blk + i0 * kcp;
      const int64_t valid = std::min(mr, m - i0);
      const T* src = a + i0 * lda + pc;
      if (K.gather && K.gather(dst, src, lda, valid, kcp, mr)) continue;
      for (int64_t q = 0; q < kcp; ++q)
        for (int64_t r = 0; r < mr; ++r) dst[q * mr + r] = r < valid ? src[r * lda + q] : T(0);
    }
  }
  const int64_t slivers = ceil_div(n_, nr), groups = ceil_div(slivers, kGroup);
  // one kernel call: group g of slivers against depth block pc; (ng, npc): the next call's,
  // whose B block is prefetched into L2 during this one (ng < 0: none)
  auto call = [&](int64_t g, int64_t pc, int64_t ng, int64_t npc) {
    const int64_t s0 = g * kGroup, s1 = std::min(slivers, s0 + kGroup);
    MicroArgs<T> args{};
    args.k = std::min(kc, k - pc);
    args.a = abuf + m_pad * pc;
    args.rs_a = 1;
    args.cs_a = mr;
    args.a_tile = mr * args.k;
    args.b = panel_ + s0 * k * nr + pc * nr;
    args.rs_b = nr;
    args.nb = nr;
    args.b_slivers = s1 - s0;
    args.b_stride = k * nr;
    args.c = c + s0 * nr;
    args.ldc = ldc;
    args.m = m;
    args.n = std::min(n_, s1 * nr) - s0 * nr;
    args.alpha = T(1);
    args.beta = pc == 0 ? beta : T(1);
    if (ng >= 0) {
      const int64_t t0 = ng * kGroup, t1 = std::min(slivers, t0 + kGroup);
      args.pf = {panel_ + t0 * k * nr + npc * nr, t1 - t0, std::min(kc, k - npc) * nr, k * nr};
    }
    K.packed_a(args);
  };
  // groups [g0, g1): with all of packed A in (half of) L2, group by group (its C tiles stay in
  // cache over the depth blocks); else depth block by depth block (its A block stays in L2)
  const bool a_fits = m_pad * k * int64_t(sizeof(T)) <= cache_info().l2 / 2;
  auto run = [&](int64_t g0, int64_t g1) {
    if (a_fits) {
      for (int64_t g = g0; g < g1; ++g)
        for (int64_t pc = 0; pc < k; pc += kc) {
          const bool last = pc + kc >= k;
          call(g, pc, last ? (g + 1 < g1 ? g + 1 : -1) : g, last ? 0 : pc + kc);
        }
    } else {
      for (int64_t pc = 0; pc < k; pc += kc)
        for (int64_t g = g0; g < g1; ++g) {
          const bool last = g + 1 >= g1;
          call(g, pc, last ? (pc + kc < k ? g0 : -1) : g + 1, last ? pc + kc : pc);
        }
    }
  };
  // threads: by work, and one while gemm's thread gate says the other cores are busy
  const double flops = 2.0 * double(m) * double(n_) * double(k);
  const int nt = conv_gate_closed() ? 1
                                    : int(std::min<double>({double(max_threads()), double(groups),
                                                            flops / kThreadFlops + 1}));
  if (nt <= 1) return run(0, groups);
  RegionClock clock(nt);
#pragma omp parallel num_threads(nt)
  {
#if defined(DLCORE_OPENMP)
    const int64_t t = omp_get_thread_num(), teams = omp_get_num_threads();
#else
    const int64_t t = 0, teams = 1;
#endif
    clock.item([&] { run(groups * t / teams, groups * (t + 1) / teams); });
  }
  clock.report();
}

template class PackedWeight<float>;
template class PackedWeight<double>;

}  // namespace dlcore::cpu
