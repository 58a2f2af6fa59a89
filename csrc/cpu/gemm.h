// General matrix multiply on the CPU: C = alpha * op(A) * op(B) + beta * C.
//
// Row-major. op(A) is (m, k): A is stored (m, k) with leading dimension lda, or (k, m) when
// trans_a. op(B) is (k, n): B is stored (k, n) with ldb, or (n, k) when trans_b. C is (m, n)
// with ldc. beta == 0 overwrites C without reading it (NaNs in C do not propagate).
// Deterministic: the same inputs and thread count give bit-identical C.
#pragma once
#include <cstdint>

#include "cpu/isa.h"

namespace dlcore::cpu {

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
          int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc);

// batch independent products; matrix i of each operand starts at base + i * stride_x.
template <typename T>
void gemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                  T alpha, const T* a, int64_t lda, int64_t stride_a, const T* b, int64_t ldb,
                  int64_t stride_b, T beta, T* c, int64_t ldc, int64_t stride_c);

// The plain triple loop (float64 accumulation), the reference the fast path is tested against.
template <typename T>
void gemm_naive(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
                int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc);

// The blocking the fast path uses for T in the config in force: register block mr x nr; for the
// shared-panel mode kc (depth; an mr x kc A sliver fits 3/4 of L1), b_group (B slivers of a
// group held in L2, half of it), mc (rows of packed A, a share of L3) and nc (columns of packed
// B, a share of L3); kc_fused, the depth of the fused mode for small m (a B sliver fits half of
// L1); fused_rows, the largest m run in the fused mode. See docs/gemm.md.
struct GemmBlocking {
  int64_t mr, nr, mc, kc, nc, kc_fused, b_group, fused_rows;
  const char* kernel;
};
template <typename T>
GemmBlocking gemm_blocking();

// Overrides for measurement (0 / -1 = automatic); GemmTuning{} is the automatic choice.
struct GemmTuning {
  int64_t mc = 0, kc = 0, nc = 0;
  int pack_a = -1, pack_b = -1;      // force packing on (1) or off (0); B is packed when trans_b
  double thread_flops = -1;          // 2mnk of work per extra thread before it is started
  int64_t fused_rows = -1;           // up to this m, no shared B panel (see gemm.cpp)
  int64_t fuse_group = 0;            // B slivers packed at a time in the fused mode
  int prefetch = -1;                 // 0: no prefetch of the packed data the driver needs next
  int64_t b_group = 0;               // B slivers per L2 group in the shared mode
  int pack_ahead = -1;               // fused mode: 1 packs the next B group during the
                        // current group's calls when it can, 0 never
  int huge_pages = -1;  // 0: scratch buffers on ordinary pages (see gemm_scratch.h)
  int thread_gate = -1;  // 0: never fall back to one thread (see gemm_config.cpp)
  bool avx512_twin = false;  // the AVX-512 register blocks on AVX2 (tests; needs avx2)
};

// Everything gemm reads besides its operands and the thread budget: the ISA, the overrides
// and the blocking they give for each type. Immutable once made. One is in force at a time;
// each gemm call takes it once at entry and passes it down (no global is read in the loops).
struct GemmConfig {
  Isa isa;
  GemmTuning tuning;
  GemmBlocking f32, f64;
  double thread_flops;  // resolved: tuning.thread_flops, or the default
};

// The config in force. It is made on first use for the active ISA and no overrides. The
// reference stays valid for the life of the process (installed configs are never freed), so
// a call that took it is unaffected by a concurrent gemm_tune.
const GemmConfig& gemm_config();

// Installs a config made from t for the active ISA (atomically). Throws std::invalid_argument
// naming the knob when t is invalid (negative block size; avx512_twin below avx2).
void gemm_tune(const GemmTuning& t);

// Sets the active ISA (set_active_isa) and installs the config for it with the same overrides.
void gemm_set_isa(Isa isa);

// The number of threads gemm uses for an (m, n, k) product given the thread budget
// (threads.h) and the config in force.
int gemm_threads(int64_t m, int64_t n, int64_t k);

// The team size of the most recent gemm product that ran (any thread): what the budget and
// the thread gate actually gave it. 1 for single-threaded products.
int gemm_last_threads();

}  // namespace dlcore::cpu
