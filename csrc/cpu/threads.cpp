// The process-wide thread budget (see threads.h).
#include "cpu/threads.h"

#include <atomic>
#if defined(DLCORE_OPENMP)
#include <omp.h>
#endif

namespace dlcore::cpu {
namespace {

int initial_threads() {
#if defined(DLCORE_OPENMP)
  const int n = omp_get_max_threads();  // the loading thread's ICV: OMP_NUM_THREADS or cores
  return n < 1 ? 1 : n;
#else
  return 1;
#endif
}

std::atomic<int>& budget() {
  static std::atomic<int> n{initial_threads()};
  return n;
}

}  // namespace

int max_threads() { return budget().load(std::memory_order_relaxed); }

void set_num_threads(int n) {
#if defined(DLCORE_OPENMP)
  budget().store(n < 1 ? 1 : n, std::memory_order_relaxed);
#else
  (void)n;
#endif
}

}  // namespace dlcore::cpu
