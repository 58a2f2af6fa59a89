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

// GFLOP/s of the active ISA's float32 gemm micro-kernel (gemm_peak.cpp) on `tiles` MR x NR
// tiles of one call at depth k, called over and over on the same packed A and B slivers and C:
// at k <= 256 the slivers stay in L1, so this is gemm's ceiling with the memory system taken
// away (tiles = 1 adds a call's setup to every tile; the driver's calls cover many). One
// thread, about `seconds` of its CPU time. Throws std::runtime_error if the tiles it computed
// differ from a float64 reference, so a rate is only reported for a correct kernel.
double gemm_kernel_peak(int64_t k, int64_t tiles, double seconds);

// CPU time of the calling thread in seconds (CLOCK_THREAD_CPUTIME_ID): time the thread spends
// descheduled (other processes on a shared machine) does not count.
double thread_cpu_seconds();

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
