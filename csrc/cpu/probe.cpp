// FMA peak probe (csrc/cpu/probe.h): the portable burst, ISA dispatch and timing.
#include "cpu/probe.h"

#include <time.h>

#include "cpu/isa.h"
#if defined(DLCORE_OPENMP)
#include <omp.h>
#endif

namespace dlcore::cpu {

namespace probe_detail {

double fma_burst_generic(int64_t iters, float seed) {
  constexpr int kChains = 16;
  float acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = seed + float(i);
  for (int64_t it = 0; it < iters; ++it) {
    for (int i = 0; i < kChains; ++i) acc[i] = acc[i] * 0.999999f + 1e-7f;
    __asm__ volatile("" : : "r"(acc) : "memory");
  }
  float s = 0;
  for (int i = 0; i < kChains; ++i) s += acc[i];
  volatile float sink = s;
  (void)sink;
  return double(iters) * kChains * 2;
}

}  // namespace probe_detail

namespace {

double burst(Isa isa, int64_t iters) {
#if defined(DLCORE_X86)
  if (isa == Isa::avx512) return probe_detail::fma_burst_avx512(iters, 1.0f);
  if (isa == Isa::avx2) return probe_detail::fma_burst_avx2(iters, 1.0f);
#endif
  (void)isa;
  return probe_detail::fma_burst_generic(iters, 1.0f);
}

}  // namespace

double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

double fma_probe(double seconds) {
  const Isa isa = active_isa();
  burst(isa, 1 << 16);  // warm up (clock ramp, page-in)
  double flops = 0;
  const double t0 = thread_cpu_seconds();
  double elapsed = 0;
  do {
    flops += burst(isa, 1 << 18);
    elapsed = thread_cpu_seconds() - t0;
  } while (elapsed < seconds);
  return flops / elapsed * 1e-9;
}

double fma_probe_threads(double seconds, int threads) {
  double total = 0;
#if defined(DLCORE_OPENMP)
#pragma omp parallel num_threads(threads < 1 ? 1 : threads) reduction(+ : total)
  total += fma_probe(seconds);
#else
  (void)threads;
  total = fma_probe(seconds);
#endif
  return total;
}

}  // namespace dlcore::cpu
