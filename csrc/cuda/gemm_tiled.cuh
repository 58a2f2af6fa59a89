// A tiled shared-memory gemm over row-major device arrays with transpose flags, for the kernel
// families that lower onto matrix products (rnn.cu), .cu only:
//   C (M, N) = op(A) op(B) [+ C] [+ bias[n]]
//   op(A)(m, k) = ta ? A[k * lda + m] : A[m * lda + k]     (A stored (M, K), or (K, M) when ta)
//   op(B)(k, n) = tb ? B[n * ldb + k] : B[k * ldb + n]     (B stored (K, N), or (N, K) when tb)
// K = 0 writes [C +] bias (zeros without either). No atomics: the same call gives the same bits.
// Indices inside a tile are 32-bit (the caller keeps M, N, K below 2^30); offsets 64-bit.
#pragma once
#include "cuda/cuda_common.cuh"

#include <algorithm>
#include <cstdint>

namespace dlcore::cuda {

template <typename T>
struct GemmOperands {
  const T* a;
  const T* b;
  T* c;
  const T* bias;  // (N,) or nullptr
  int m, n, k;
  int64_t lda, ldb, ldc;
  bool ta, tb, accumulate;
};

// A block of (BM / TM) * (BN / TN) threads computes a BM x BN tile of C, each thread TM x TN of
// it at rows ty + i * (BM / TM), columns tx + j * (BN / TN) (coalesced stores). A and B tiles are
// read along whichever axis is contiguous in memory; the next K step is loaded into registers
// while the current one is multiplied from shared memory.
template <int BM_, int BN_, int BK_, int TM_, int TN_>
struct GemmTile {
  static constexpr int BM = BM_, BN = BN_, BK = BK_, TM = TM_, TN = TN_;
  static constexpr int kThreads = (BM / TM) * (BN / TN);
  static constexpr int kALoads = BM * BK / kThreads, kBLoads = BK * BN / kThreads;
  static_assert(kThreads == 256 && BM * BK % kThreads == 0 && BK * BN % kThreads == 0, "tile");
};
using GemmTile128 = GemmTile<128, 128, 8, 8, 8>;  // large products
using GemmTile64 = GemmTile<64, 64, 16, 4, 4>;
using GemmTile32 = GemmTile<32, 32, 16, 2, 2>;  // small products: more blocks

template <typename T, typename Cfg>
__global__ void __launch_bounds__(256) gemm_tiled_kernel(GemmOperands<T> p) {
  constexpr int BM = Cfg::BM, BN = Cfg::BN, BK = Cfg::BK, TM = Cfg::TM, TN = Cfg::TN;
  constexpr int NT = Cfg::kThreads;
  __shared__ T As[BK][BM + 1];
  __shared__ T Bs[BK][BN + 1];
  const int tid = threadIdx.x;
  const int m0 = blockIdx.x * BM, n0 = blockIdx.y * BN;

  T ra[Cfg::kALoads], rb[Cfg::kBLoads];
  // Element e of a tile: (row, k) of A or (k, col) of B, the fastest index along memory.
  auto a_at = [&](int e, int& mm, int& kk) {
    if (p.ta) kk = e / BM, mm = e - kk * BM;
    else mm = e / BK, kk = e - mm * BK;
  };
  auto b_at = [&](int e, int& kk, int& nn) {
    if (p.tb) nn = e / BK, kk = e - nn * BK;
    else kk = e / BN, nn = e - kk * BN;
  };
  auto load = [&](int k0) {
#pragma unroll
    for (int i = 0; i < Cfg::kALoads; ++i) {
      int mm, kk;
      a_at(tid + i * NT, mm, kk);
      const int m = m0 + mm, k = k0 + kk;
      ra[i] =
          (m < p.m && k < p.k) ? p.a[p.ta ? size_t(k) * p.lda + m : size_t(m) * p.lda + k] : T(0);
    }
#pragma unroll
    for (int i = 0; i < Cfg::kBLoads; ++i) {
      int kk, nn;
      b_at(tid + i * NT, kk, nn);
      const int k = k0 + kk, n = n0 + nn;
      rb[i] =
          (n < p.n && k < p.k) ? p.b[p.tb ? size_t(n) * p.ldb + k : size_t(k) * p.ldb + n] : T(0);
    }
  };
  auto stash = [&]() {
#pragma unroll
    for (int i = 0; i < Cfg::kALoads; ++i) {
      int mm, kk;
      a_at(tid + i * NT, mm, kk);
      As[kk][mm] = ra[i];
    }
#pragma unroll
    for (int i = 0; i < Cfg::kBLoads; ++i) {
      int kk, nn;
      b_at(tid + i * NT, kk, nn);
      Bs[kk][nn] = rb[i];
    }
  };

  const int tx = tid % (BN / TN), ty = tid / (BN / TN);
  T acc[TM][TN];
#pragma unroll
  for (int i = 0; i < TM; ++i)
#pragma unroll
    for (int j = 0; j < TN; ++j) acc[i][j] = T(0);

  if (p.k > 0) {  // the same for the whole block
    load(0);
    stash();
    __syncthreads();
    for (int k0 = 0; k0 < p.k; k0 += BK) {
      const bool more = k0 + BK < p.k;
      if (more) load(k0 + BK);
#pragma unroll
      for (int kk = 0; kk < BK; ++kk) {
        T av[TM], bv[TN];
#pragma unroll
        for (int i = 0; i < TM; ++i) av[i] = As[kk][ty + i * (BM / TM)];
#pragma unroll
        for (int j = 0; j < TN; ++j) bv[j] = Bs[kk][tx + j * (BN / TN)];
#pragma unroll
        for (int i = 0; i < TM; ++i)
#pragma unroll
          for (int j = 0; j < TN; ++j) acc[i][j] = fma(av[i], bv[j], acc[i][j]);
      }
      __syncthreads();
      if (more) {
        stash();
        __syncthreads();
      }
    }
  }

#pragma unroll
  for (int j = 0; j < TN; ++j) {
    const int n = n0 + tx + j * (BN / TN);
    if (n >= p.n) continue;
    const T b = p.bias != nullptr ? p.bias[n] : T(0);
#pragma unroll
    for (int i = 0; i < TM; ++i) {
      const int m = m0 + ty + i * (BM / TM);
      if (m >= p.m) continue;
      T* c = p.c + size_t(m) * p.ldc + n;
      T v = acc[i][j];
      if (p.accumulate) v += *c;
      *c = v + b;
    }
  }
}

// Row tiles on the grid's x (up to 2^31 - 1), column tiles on its y (N up to 65535 tiles; the
// callers' N is a weight dimension, checked by their size checks).
template <typename T, typename Cfg>
void gemm_tiled_launch(const GemmOperands<T>& p) {
  const dim3 grid((p.m + Cfg::BM - 1) / Cfg::BM, (p.n + Cfg::BN - 1) / Cfg::BN);
  gemm_tiled_kernel<T, Cfg><<<grid, Cfg::kThreads>>>(p);
  CUDA_CHECK(cudaGetLastError());
}

// The current device's number of SMs (100 when it cannot be read).
inline int gemm_sm_count() {
  int dev = 0, v = 0;
  if (cudaGetDevice(&dev) != cudaSuccess ||
      cudaDeviceGetAttribute(&v, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess) {
    cudaGetLastError();
    return 100;
  }
  return v;
}

// The tile: the largest whose grid still gives about one block per SM, else the smallest (a
// small product is latency-bound: more, smaller blocks). float64 never takes the 128 tile.
template <typename T>
void gemm_tiled(const GemmOperands<T>& p) {
  if (p.m <= 0 || p.n <= 0) return;
  const int sms = gemm_sm_count();
  auto blocks = [&](int bm, int bn) {
    return int64_t((p.m + bm - 1) / bm) * int64_t((p.n + bn - 1) / bn);
  };
  if constexpr (sizeof(T) == 4) {
    if (blocks(128, 128) >= sms) return gemm_tiled_launch<T, GemmTile128>(p);
  }
  if (blocks(64, 64) >= sms) gemm_tiled_launch<T, GemmTile64>(p);
  else gemm_tiled_launch<T, GemmTile32>(p);
}

}  // namespace dlcore::cuda
