// One time step of the fused recurrent cell (rnn_cell.h): the portable build of
// rnn_cell_kernels.inl, the dispatch to the AVX2+FMA build when the CPU has it, and the split
// of the batch rows over threads (each row is computed the same way whatever the split, so
// results do not depend on the thread count).
#include "cpu/rnn_cell.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#if defined(DLCORE_OPENMP)
#include <omp.h>
#endif

#include "cpu/conv_threads.h"
#include "cpu/isa.h"
#include "cpu/rnn_cell_isa.h"
#include "cpu/threads.h"

namespace dlcore::cpu {
namespace portable {
#include "cpu/rnn_cell_kernels.inl"
}  // namespace portable

namespace {

inline bool use_avx2() {
#if defined(DLCORE_X86)
  return active_isa() >= Isa::avx2;
#else
  return false;
#endif
}

// Rows per thread: a step is split only when each thread gets >= kMinWork hidden units.
constexpr int64_t kMinWork = 16384;

// Rows [r0, r1) per thread; one thread while gemm's thread gate says the other cores are busy.
template <typename F>
void for_rows(int64_t b, int64_t h, F&& f) {
  const int64_t work = b * std::max<int64_t>(h, 1);
  const int nt = conv_gate_closed()
                     ? 1
                     : int(std::min<int64_t>({int64_t(max_threads()), b, work / kMinWork + 1}));
  if (nt <= 1) return f(int64_t(0), b);
  RegionClock clock(nt);
#pragma omp parallel num_threads(nt)
  {
#if defined(DLCORE_OPENMP)
    const int k = omp_get_thread_num(), n = omp_get_num_threads();
#else
    const int k = 0, n = 1;
#endif
    clock.item([&] { f(b * k / n, b * (k + 1) / n); });
  }
  clock.report();
}

}  // namespace

template <typename T>
void cell_forward_step(const CellForwardStep<T>& s) {
  for_rows(s.b, s.h, [&](int64_t r0, int64_t r1) {
#if defined(DLCORE_X86)
    if (use_avx2()) return avx2::cell_forward_rows(s, r0, r1);
#endif
    portable::forward_rows(s, r0, r1);
  });
}

template <typename T>
void cell_backward_step(const CellBackwardStep<T>& s) {
  for_rows(s.b, s.h, [&](int64_t r0, int64_t r1) {
#if defined(DLCORE_X86)
    if (use_avx2()) return avx2::cell_backward_rows(s, r0, r1);
#endif
    portable::backward_rows(s, r0, r1);
  });
}

template void cell_forward_step<float>(const CellForwardStep<float>&);
template void cell_forward_step<double>(const CellForwardStep<double>&);
template void cell_backward_step<float>(const CellBackwardStep<float>&);
template void cell_backward_step<double>(const CellBackwardStep<double>&);

}  // namespace dlcore::cpu
