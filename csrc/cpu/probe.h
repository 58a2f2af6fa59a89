// FMA peak probe: a register-only multiply-add loop in the active ISA, the roofline that
// benchmarks quote kernels against (GFLOP/s, one FMA = 2 flops).
#pragma once
#include <cstdint>

namespace dlcore::cpu {

// GFLOP/s of the calling thread, over about `seconds` of its CPU time (clock_gettime
// CLOCK_THREAD_CPUTIME_ID: time descheduled by other processes does not count).
double fma_probe(double seconds);

// Sum of the GFLOP/s of `threads` OpenMP threads probing at the same time.
double fma_probe_threads(double seconds, int threads);

namespace probe_detail {
// Run `iters` iterations of independent FMA chains; return the flops done. `seed` keeps the
// compiler from folding the loop.
double fma_burst_generic(int64_t iters, float seed);
#if defined(DLCORE_X86)
double fma_burst_avx2(int64_t iters, float seed);
double fma_burst_avx512(int64_t iters, float seed);
#endif
}  // namespace probe_detail

}  // namespace dlcore::cpu
