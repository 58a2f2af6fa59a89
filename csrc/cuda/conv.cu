// NCHW convolution on the GPU as implicit gemm: forward, backward-input and backward-weight are
// one tiled shared-memory gemm kernel (igemm_kernel), each pass a "problem" struct that says how
// an element of the A (M x Kdim) and B (Kdim x Ncol) operands is gathered from the arrays and
// where C (M x Ncol) goes; blockIdx.z runs over groups (and split-K slices for the weight pass).
//   forward          C[k, (n,ho,wo)] = sum_(c,r,s)  w[k,c,r,s] * x[n,c,ho*sh-top+r*dh, ...]
//   backward_input   C[c, (n,h,w)]   = sum_(k,r,s)  w[k,c,r,s] * dy[n,k,(h+top-r*dh)/sh, ...]
//   backward_weight  C[k, (c,r,s)]   = sum_(n,ho,wo) dy[n,k,ho,wo] * x[n,c,ho*sh-top+r*dh, ...]
// Indices inside the gemm are 32-bit (the launchers check the sizes fit); array offsets 64-bit.
#include "cuda/cuda_api.h"
#include "cuda/cuda_common.cuh"
#include "cuda/reduce.cuh"

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <string>

namespace dlcore::cuda {
namespace {

// The convolution's sizes as 32-bit ints (checked by check_fits), plus derived products.
struct Geo {
  int n, c, h, w, k, r, s, ho, wo, sh, sw, top, left, dh, dw, groups;
  int cg, kg, rs, hw, howo;
};

Geo make_geo(const Conv2dGeometry& g) {
  Geo o{int(g.n),
        int(g.c),
        int(g.h),
        int(g.w),
        int(g.k),
        int(g.r),
        int(g.s),
        int(g.ho),
        int(g.wo),
        int(g.stride_h),
        int(g.stride_w),
        int(g.pad_top),
        int(g.pad_left),
        int(g.dil_h),
        int(g.dil_w),
        int(g.groups),
        0,
        0,
        0,
        0,
        0};
  o.cg = o.c / o.groups;
  o.kg = o.k / o.groups;
  o.rs = o.r * o.s;
  o.hw = o.h * o.w;
  o.howo = o.ho * o.wo;
  return o;
}

// Every gemm index (M, Ncol, Kdim and their products with a tile) must fit in an int.
void check_fits(const Conv2dGeometry& g, const char* op) {
  const int64_t lim = INT_MAX / 2;
  const int64_t gemm_dims[] = {g.n * g.ho * g.wo, g.n * g.h * g.w,   g.c * g.r * g.s,
                               g.k * g.r * g.s,   g.h * g.w,         g.ho * g.wo,
                               g.pad_top + g.h,   g.pad_left + g.w,  g.dil_h * g.r,
                               g.dil_w * g.s,     g.stride_h * g.ho, g.stride_w * g.wo};
  for (int64_t d : gemm_dims)
    if (d > lim)
      throw std::invalid_argument(std::string("[") + op +
                                  "] the sizes are too large for the CUDA kernel (an index "
                                  "exceeds 2^30)");
  if (g.groups > 65535 || g.k > 65535 * 64 || g.c > 65535 * 64)  // the grid's y and z limits
    throw std::invalid_argument(std::string("[") + op +
                                "] more than 65535 groups or 4194240 channels on CUDA");
}

// ---- the three problems ----------------------------------------------------------------------

template <typename T>
struct Forward {  // M = kg, Ncol = n*ho*wo, Kdim = cg*r*s
  const T* x;
  const T* w;
  const T* bias;
  T* y;
  Geo g;
  bool relu;
  struct ARow {
    const T* p;
  };
  struct BCol {
    const T* p;
    int hb, wb;
  };
  struct Out {
    T* p;
  };
  __device__ ARow a_row(int grp, int m) const {
    return {w + (size_t(grp) * g.kg + m) * size_t(g.cg * g.rs)};
  }
  __device__ T a(const ARow& row, int kk) const { return row.p[kk]; }
  __device__ BCol b_col(int grp, int j) const {
    const int n = j / g.howo, q = j - n * g.howo, ho = q / g.wo, wo = q - ho * g.wo;
    return {x + (size_t(n) * g.c + size_t(grp) * g.cg) * g.hw, ho * g.sh - g.top,
            wo * g.sw - g.left};
  }
  __device__ T b(const BCol& col, int kk) const {
    const int ci = kk / g.rs, rs = kk - ci * g.rs, r = rs / g.s, s = rs - r * g.s;
    const int h = col.hb + r * g.dh, wi = col.wb + s * g.dw;
    if (unsigned(h) >= unsigned(g.h) || unsigned(wi) >= unsigned(g.w)) return T(0);
    return col.p[size_t(ci) * g.hw + h * g.w + wi];
  }
  __device__ Out out_col(int grp, int j) const {
    const int n = j / g.howo, q = j - n * g.howo;
    return {y + (size_t(n) * g.k + size_t(grp) * g.kg) * g.howo + q};
  }
  __device__ void store(int grp, int m, const Out& o, T v) const {
    if (bias != nullptr) v += bias[grp * g.kg + m];
    if (relu && v < T(0)) v = T(0);
    o.p[size_t(m) * g.howo] = v;
  }
};

template <typename T>
struct BackwardInput {  // M = cg, Ncol = n*h*w, Kdim = kg*r*s
  const T* dy;
  const T* w;
  T* dx;
  Geo g;
  struct ARow {
    const T* p;
  };
  struct BCol {
    const T* p;
    int hb, wb;
  };
  struct Out {
    T* p;
  };
  __device__ ARow a_row(int grp, int m) const {
    return {w + size_t(grp) * g.kg * size_t(g.cg * g.rs) + size_t(m) * g.rs};
  }
  __device__ T a(const ARow& row, int kk) const {
    const int k = kk / g.rs;
    return row.p[size_t(k) * g.cg * g.rs + (kk - k * g.rs)];
  }
  __device__ BCol b_col(int grp, int j) const {
    const int n = j / g.hw, q = j - n * g.hw, h = q / g.w, wi = q - h * g.w;
    return {dy + (size_t(n) * g.k + size_t(grp) * g.kg) * g.howo, h + g.top, wi + g.left};
  }
  __device__ T b(const BCol& col, int kk) const {
    const int k = kk / g.rs, rs = kk - k * g.rs, r = rs / g.s, s = rs - r * g.s;
    const int hh = col.hb - r * g.dh, ww = col.wb - s * g.dw;
    if (hh < 0 || ww < 0) return T(0);
    const int ho = hh / g.sh, wo = ww / g.sw;
    if (ho * g.sh != hh || wo * g.sw != ww || ho >= g.ho || wo >= g.wo) return T(0);
    return col.p[size_t(k) * g.howo + ho * g.wo + wo];
  }
  __device__ Out out_col(int grp, int j) const {
    const int n = j / g.hw, q = j - n * g.hw;
    return {dx + (size_t(n) * g.c + size_t(grp) * g.cg) * g.hw + q};
  }
  __device__ void store(int, int m, const Out& o, T v) const { o.p[size_t(m) * g.hw] = v; }
};

template <typename T>
struct BackwardWeight {  // M = kg, Ncol = cg*r*s, Kdim = n*ho*wo (split-K: atomic adds)
  const T* dy;
  const T* x;
  T* dw;
  Geo g;
  bool atomic;
  struct ARow {
    const T* p;
  };
  struct BCol {
    const T* p;
    int roff, soff;
  };
  struct Out {
    T* p;
  };
  __device__ ARow a_row(int grp, int m) const {
    return {dy + (size_t(grp) * g.kg + m) * size_t(g.howo)};
  }
  __device__ T a(const ARow& row, int kk) const {
    const int n = kk / g.howo;
    return row.p[size_t(n) * g.k * g.howo + (kk - n * g.howo)];
  }
  __device__ BCol b_col(int grp, int j) const {
    const int ci = j / g.rs, rs = j - ci * g.rs, r = rs / g.s, s = rs - r * g.s;
    return {x + (size_t(grp) * g.cg + ci) * g.hw, r * g.dh - g.top, s * g.dw - g.left};
  }
  __device__ T b(const BCol& col, int kk) const {
    const int n = kk / g.howo, q = kk - n * g.howo, ho = q / g.wo, wo = q - ho * g.wo;
    const int h = ho * g.sh + col.roff, wi = wo * g.sw + col.soff;
    if (unsigned(h) >= unsigned(g.h) || unsigned(wi) >= unsigned(g.w)) return T(0);
    return col.p[size_t(n) * g.c * g.hw + h * g.w + wi];
  }
  __device__ Out out_col(int grp, int j) const {
    return {dw + size_t(grp) * g.kg * size_t(g.cg * g.rs) + j};
  }
  __device__ void store(int, int m, const Out& o, T v) const {
    T* p = o.p + size_t(m) * g.cg * g.rs;
    if (atomic) atomicAdd(p, v);
    else *p = v;
  }
};

// ---- the tiled implicit-gemm kernel ----------------------------------------------------------
// A block of 256 threads computes a BM x BN tile of C, each thread TM x TN of it at rows
// ty + i * (BM / TM), columns tx + j * (BN / TN) (coalesced stores, conflict-free smem reads).
// Each thread gathers the same A rows and the same B column for every K step, so their index
// decompositions (ARow, BCol) are computed once; the next K step is loaded into registers while
// the current one is multiplied from shared memory.
template <int BM_, int BN_, int BK_, int TM_, int TN_>
struct TileConfig {
  static constexpr int BM = BM_, BN = BN_, BK = BK_, TM = TM_, TN = TN_;
  static constexpr int kThreads = (BM / TM) * (BN / TN);
  static constexpr int kALoads = BM * BK / kThreads, kBLoads = BK * BN / kThreads;
  static_assert(kThreads == 256 && kThreads % BK == 0 && kThreads % BN == 0, "tile shape");
};
using TileBig = TileConfig<128, 128, 8, 8, 8>;  // float, M >= 128
using TileMid = TileConfig<64, 128, 8, 4, 8>;   // float, M < 128
using TileSmall = TileConfig<64, 64, 16, 4, 4>; // double

template <typename T, typename Cfg, typename P>
__global__ void __launch_bounds__(256)
    igemm_kernel(P p, int M, int ncol, int kdim, int splits, int kchunk) {
  constexpr int BM = Cfg::BM, BN = Cfg::BN, BK = Cfg::BK, TM = Cfg::TM, TN = Cfg::TN;
  constexpr int kAStep = Cfg::kThreads / BK, kBStep = Cfg::kThreads / BN;
  __shared__ T As[BK][BM + 1];
  __shared__ T Bs[BK][BN];
  const int tid = threadIdx.x;
  const int grp = blockIdx.z / splits, split = blockIdx.z - grp * splits;
  const int m0 = blockIdx.y * BM, j0 = blockIdx.x * BN;
  const int kbeg = split * kchunk, kend = min(kdim, kbeg + kchunk);

  const int ak = tid % BK, am = tid / BK;
  typename P::ARow arow[Cfg::kALoads];
  bool aok[Cfg::kALoads];
#pragma unroll
  for (int i = 0; i < Cfg::kALoads; ++i) {
    const int m = m0 + am + i * kAStep;
    aok[i] = m < M;
    arow[i] = p.a_row(grp, aok[i] ? m : 0);
  }
  const int bj = tid % BN, bk = tid / BN;
  const bool bok = j0 + bj < ncol;
  const typename P::BCol bcol = p.b_col(grp, bok ? j0 + bj : 0);

  T ra[Cfg::kALoads], rb[Cfg::kBLoads];
  auto load = [&](int k0) {
#pragma unroll
    for (int i = 0; i < Cfg::kALoads; ++i) {
      const int kk = k0 + ak;
      ra[i] = (aok[i] && kk < kend) ? p.a(arow[i], kk) : T(0);
    }
#pragma unroll
    for (int i = 0; i < Cfg::kBLoads; ++i) {
      const int kk = k0 + bk + i * kBStep;
      rb[i] = (bok && kk < kend) ? p.b(bcol, kk) : T(0);
    }
  };
  auto stash = [&]() {
#pragma unroll
    for (int i = 0; i < Cfg::kALoads; ++i) As[ak][am + i * kAStep] = ra[i];
#pragma unroll
    for (int i = 0; i < Cfg::kBLoads; ++i) Bs[bk + i * kBStep][bj] = rb[i];
  };

  const int tx = tid % (BN / TN), ty = tid / (BN / TN);
  T acc[TM][TN];
#pragma unroll
  for (int i = 0; i < TM; ++i)
#pragma unroll
    for (int j = 0; j < TN; ++j) acc[i][j] = T(0);

  if (kbeg < kend) {  // the same for the whole block
    load(kbeg);
    stash();
    __syncthreads();
    for (int k0 = kbeg; k0 < kend; k0 += BK) {
      const bool more = k0 + BK < kend;
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
  } else if (splits > 1) {
    return;  // an empty split-K slice adds nothing
  }

#pragma unroll
  for (int j = 0; j < TN; ++j) {
    const int col = j0 + tx + j * (BN / TN);
    if (col >= ncol) continue;
    const typename P::Out o = p.out_col(grp, col);
#pragma unroll
    for (int i = 0; i < TM; ++i) {
      const int m = m0 + ty + i * (BM / TM);
      if (m < M) p.store(grp, m, o, acc[i][j]);
    }
  }
}

int sm_count() {
  static int n = [] {
    int dev = 0, v = 0;
    if (cudaGetDevice(&dev) != cudaSuccess ||
        cudaDeviceGetAttribute(&v, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess) {
      cudaGetLastError();
      return 100;
    }
    return v;
  }();
  return n;
}

// Launches the gemm of problem p over `groups` groups; splits > 1 cuts Kdim into slices of
// kchunk (a multiple of BK) whose results the problem adds atomically.
template <typename T, typename Cfg, typename P>
void launch_cfg(const P& p, int M, int ncol, int kdim, int groups, int splits, const char* op) {
  if (M <= 0 || ncol <= 0 || groups <= 0) return;
  int kchunk = kdim;
  if (splits > 1) {
    kchunk = (kdim + splits - 1) / splits;
    kchunk = (kchunk + Cfg::BK - 1) / Cfg::BK * Cfg::BK;
    splits = (kdim + kchunk - 1) / kchunk;
  }
  const dim3 grid((ncol + Cfg::BN - 1) / Cfg::BN, (M + Cfg::BM - 1) / Cfg::BM, groups * splits);
  if (grid.y > 65535 || grid.z > 65535)
    throw std::invalid_argument(std::string("[") + op +
                                "] too many channels for the CUDA kernel's grid");
  igemm_kernel<T, Cfg, P><<<grid, Cfg::kThreads>>>(p, M, ncol, kdim, splits, kchunk);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T, typename P>
void launch(const P& p, int M, int ncol, int kdim, int groups, const char* op, int splits = 1) {
  if constexpr (sizeof(T) == 4) {
    if (M >= 128) launch_cfg<T, TileBig>(p, M, ncol, kdim, groups, splits, op);
    else launch_cfg<T, TileMid>(p, M, ncol, kdim, groups, splits, op);
  } else {
    launch_cfg<T, TileSmall>(p, M, ncol, kdim, groups, splits, op);
  }
}

// db[k] = sum over n and the plane of dy[n, k, :]; one block per channel.
template <typename T>
__global__ void bias_grad_kernel(T* db, const T* dy, int n, int k, int plane) {
  const int ch = blockIdx.x;
  double acc = 0.0;
  for (int i = 0; i < n; ++i) {
    const T* p = dy + (size_t(i) * k + ch) * plane;
    for (int q = threadIdx.x; q < plane; q += blockDim.x) acc += double(p[q]);
  }
  acc = block_sum(acc);
  if (threadIdx.x == 0) db[ch] = T(acc);
}

}  // namespace

template <typename T>
void conv2d_forward(T* y, const T* x, const T* w, const T* bias, const Conv2dGeometry& g,
                    bool relu) {
  check_fits(g, "conv2d_forward");
  const Geo o = make_geo(g);
  launch<T>(Forward<T>{x, w, bias, y, o, relu}, o.kg, o.n * o.howo, o.cg * o.rs, o.groups,
            "conv2d_forward");
}

template <typename T>
void conv2d_backward_input(T* dx, const T* dy, const T* w, const Conv2dGeometry& g) {
  check_fits(g, "conv2d_backward_input");
  const Geo o = make_geo(g);
  launch<T>(BackwardInput<T>{dy, w, dx, o}, o.cg, o.n * o.hw, o.kg * o.rs, o.groups,
            "conv2d_backward_input");
}

template <typename T>
void conv2d_backward_weight(T* dw, T* db, const T* dy, const T* x, const Conv2dGeometry& g) {
  check_fits(g, "conv2d_backward_weight");
  const Geo o = make_geo(g);
  const int M = o.kg, ncol = o.cg * o.rs, kdim = o.n * o.howo;
  if (db != nullptr && o.k > 0) {
    if (o.n * o.howo == 0) CUDA_CHECK(cudaMemsetAsync(db, 0, size_t(o.k) * sizeof(T)));
    else bias_grad_kernel<T><<<o.k, kBlock>>>(db, dy, o.n, o.k, o.howo);
    CUDA_CHECK(cudaGetLastError());
  }
  if (M == 0 || ncol == 0) return;
  // Few output tiles and a long reduction (the usual case): split Kdim so that about two
  // blocks run per SM, each slice at least 512 deep; the slices add into a zeroed dw.
  const int tiles = ((ncol + 63) / 64) * ((M + 63) / 64) * o.groups;
  const int splits = std::max(1, std::min((2 * sm_count() + tiles - 1) / tiles, kdim / 512));
  if (splits > 1 || kdim == 0) CUDA_CHECK(cudaMemsetAsync(dw, 0, size_t(o.k) * ncol * sizeof(T)));
  if (kdim == 0) return;
  launch<T>(BackwardWeight<T>{dy, x, dw, o, splits > 1}, M, ncol, kdim, o.groups,
            "conv2d_backward_weight", splits);
}

#define DLCORE_CONV_INSTANTIATE(T)                                                                \
  template void conv2d_forward<T>(T*, const T*, const T*, const T*, const Conv2dGeometry&, bool); \
  template void conv2d_backward_input<T>(T*, const T*, const T*, const Conv2dGeometry&);          \
  template void conv2d_backward_weight<T>(T*, T*, const T*, const T*, const Conv2dGeometry&);
DLCORE_CONV_INSTANTIATE(float)
DLCORE_CONV_INSTANTIATE(double)

}  // namespace dlcore::cuda
