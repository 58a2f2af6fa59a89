// Private: the thread count of the conv kernels' own parallel regions, gated like gemm's. While
// gemm's process-wide thread gate is closed (gemm_config.cpp: the first thread of recent
// threaded calls waited for the others, i.e. the other cores are busy) a region runs on one
// thread; each threaded region reports its first thread's waiting to the same gate.
#pragma once
#include <algorithm>
#include <cstdint>
#if defined(DLCORE_OPENMP)
#include <omp.h>
#endif

#include "cpu/gemm_internal.h"
#include "cpu/threads.h"

namespace dlcore::cpu {

// While the gate is closed (and not switched off: gemm_tune(thread_gate=0)).
inline bool conv_gate_closed() {
  return gemm_config().tuning.thread_gate != 0 && gemm_detail::thread_gate_closed();
}

// Threads for a region of `items` independent items (>= 1).
inline int conv_region_threads(int64_t items) {
  if (conv_gate_closed()) return 1;
  return int(std::max<int64_t>(1, std::min<int64_t>(items, max_threads())));
}

// Measures one region: busy() around each item the calling thread runs (thread 0 only), then
// report() after the region when it ran on several threads.
class RegionClock {
 public:
  explicit RegionClock(int threads) : threads_(threads), t0_(gemm_detail::seconds_now()) {}
  template <typename F>
  void item(F&& f) {
#if defined(DLCORE_OPENMP)
    if (omp_get_thread_num() != 0) return f();
#endif
    const double s = gemm_detail::seconds_now();
    f();
    busy_ += gemm_detail::seconds_now() - s;
  }
  void report() const {
    if (threads_ <= 1) return;
    const double elapsed = gemm_detail::seconds_now() - t0_;
    gemm_detail::thread_gate_record(elapsed - busy_, elapsed);
  }

 private:
  int threads_;
  double t0_, busy_ = 0;
};

}  // namespace dlcore::cpu
