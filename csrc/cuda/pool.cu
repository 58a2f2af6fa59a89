// 2-D pooling on the GPU over (planes, h, w) with planes = N * C: max pool (with torch's flat
// indices), average pool (torch's divisor rules) and adaptive average pool, forward and backward.
// Forwards: one thread per output. Backwards: max pool zeroes dx and scatters dy with atomicAdd
// (windows overlap); the average pools gather, one thread per input element, no atomics.
#include "cuda/cuda_api.h"
#include "cuda/cuda_common.cuh"

#include <stdexcept>
#include <string>

namespace dlcore::cuda {
namespace {

using i64 = long long;

#define GRID_STRIDE(i, n)                                           \
  for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < (n); \
       i += (i64)gridDim.x * blockDim.x)

__device__ i64 imin(i64 a, i64 b) { return a < b ? a : b; }
__device__ i64 imax(i64 a, i64 b) { return a > b ? a : b; }

template <typename T>
__device__ bool is_nan(T v) {
  return v != v;
}

// torch's max pool: the first in-range tap starts as the index with -inf; a larger value or a
// NaN (even after a NaN) takes over.
template <typename T>
__global__ void max_pool_fwd(T* y, i64* idx, const T* x, Pool2dGeometry g) {
  const i64 total = g.planes * g.ho * g.wo;
  GRID_STRIDE(i, total) {
    const i64 ow = i % g.wo, oh = (i / g.wo) % g.ho, pl = i / (g.wo * g.ho);
    i64 h0 = oh * g.stride_h - g.pad_h, w0 = ow * g.stride_w - g.pad_w;
    const i64 h1 = imin(h0 + (g.kernel_h - 1) * g.dil_h + 1, g.h);
    const i64 w1 = imin(w0 + (g.kernel_w - 1) * g.dil_w + 1, g.w);
    while (h0 < 0) h0 += g.dil_h;
    while (w0 < 0) w0 += g.dil_w;
    const T* xp = x + pl * g.h * g.w;
    i64 best = h0 * g.w + w0;
    T mx = -INFINITY;
    for (i64 h = h0; h < h1; h += g.dil_h)
      for (i64 w = w0; w < w1; w += g.dil_w) {
        const T v = xp[h * g.w + w];
        if (v > mx || is_nan(v)) {
          mx = v;
          best = h * g.w + w;
        }
      }
    y[i] = mx;
    idx[i] = best;
  }
}

__global__ void count_bad_indices(int* bad, const i64* idx, i64 n, i64 plane) {
  GRID_STRIDE(i, n) {
    if (idx[i] < 0 || idx[i] >= plane) atomicAdd(bad, 1);
  }
}

template <typename T>
__global__ void max_pool_bwd(T* dx, const T* dy, const i64* idx, Pool2dGeometry g) {
  const i64 per = g.ho * g.wo, total = g.planes * per, plane = g.h * g.w;
  GRID_STRIDE(i, total) { atomicAdd(dx + (i / per) * plane + idx[i], dy[i]); }
}

// The window [start, end) of output o along one axis, clipped to the input, and the count of
// the window clipped to the padded input instead (torch's avg_pool2d).
struct Window {
  i64 start, end, padded;
};
__device__ Window window(i64 o, i64 stride, i64 pad, i64 k, i64 n) {
  i64 s = o * stride - pad, e = imin(s + k, n + pad);
  const i64 padded = e - s;
  s = imax(s, i64(0));
  e = imin(e, n);
  return {s, e, padded};
}

__device__ i64 avg_divisor(const Window& a, const Window& b, bool include_pad, i64 divisor) {
  if (divisor != 0) return divisor;
  return include_pad ? a.padded * b.padded : (a.end - a.start) * (b.end - b.start);
}

template <typename T>
__global__ void avg_pool_fwd(T* y, const T* x, Pool2dGeometry g, bool include_pad, i64 divisor) {
  const i64 total = g.planes * g.ho * g.wo;
  GRID_STRIDE(i, total) {
    const i64 ow = i % g.wo, oh = (i / g.wo) % g.ho, pl = i / (g.wo * g.ho);
    const Window a = window(oh, g.stride_h, g.pad_h, g.kernel_h, g.h);
    const Window b = window(ow, g.stride_w, g.pad_w, g.kernel_w, g.w);
    const T* xp = x + pl * g.h * g.w;
    T sum = T(0);
    for (i64 h = a.start; h < a.end; ++h)
      for (i64 w = b.start; w < b.end; ++w) sum += xp[h * g.w + w];
    const bool empty = a.start >= a.end || b.start >= b.end;  // torch writes 0
    y[i] = empty ? T(0) : sum / T(avg_divisor(a, b, include_pad, divisor));
  }
}

// Outputs along one axis whose (unclipped) window [o*stride - pad, o*stride - pad + k) holds
// input position p: o in [lo, hi].
__device__ void covering(i64 p, i64 stride, i64 pad, i64 k, i64 nout, i64& lo, i64& hi) {
  const i64 q = p + pad;  // o*stride <= q < o*stride + k
  lo = q < k ? 0 : (q - k) / stride + 1;
  hi = imin(q / stride, nout - 1);
}

template <typename T>
__global__ void avg_pool_bwd(T* dx, const T* dy, Pool2dGeometry g, bool include_pad, i64 divisor) {
  const i64 total = g.planes * g.h * g.w;
  GRID_STRIDE(i, total) {
    const i64 w = i % g.w, h = (i / g.w) % g.h, pl = i / (g.w * g.h);
    i64 oh0, oh1, ow0, ow1;
    covering(h, g.stride_h, g.pad_h, g.kernel_h, g.ho, oh0, oh1);
    covering(w, g.stride_w, g.pad_w, g.kernel_w, g.wo, ow0, ow1);
    const T* dp = dy + pl * g.ho * g.wo;
    T sum = T(0);
    for (i64 oh = oh0; oh <= oh1; ++oh) {
      const Window a = window(oh, g.stride_h, g.pad_h, g.kernel_h, g.h);
      if (h < a.start || h >= a.end) continue;  // in the padded tail beyond h + pad
      for (i64 ow = ow0; ow <= ow1; ++ow) {
        const Window b = window(ow, g.stride_w, g.pad_w, g.kernel_w, g.w);
        if (w < b.start || w >= b.end) continue;
        sum += dp[oh * g.wo + ow] / T(avg_divisor(a, b, include_pad, divisor));
      }
    }
    dx[i] = sum;
  }
}

// torch's adaptive windows: [floor(o * n / nout), ceil((o + 1) * n / nout)).
__device__ i64 ad_start(i64 o, i64 n, i64 nout) { return (o * n) / nout; }
__device__ i64 ad_end(i64 o, i64 n, i64 nout) { return ((o + 1) * n + nout - 1) / nout; }

template <typename T>
__global__ void adaptive_fwd(T* y, const T* x, Pool2dGeometry g) {
  const i64 total = g.planes * g.ho * g.wo;
  GRID_STRIDE(i, total) {
    const i64 ow = i % g.wo, oh = (i / g.wo) % g.ho, pl = i / (g.wo * g.ho);
    const i64 h0 = ad_start(oh, g.h, g.ho), h1 = ad_end(oh, g.h, g.ho);
    const i64 w0 = ad_start(ow, g.w, g.wo), w1 = ad_end(ow, g.w, g.wo);
    const T* xp = x + pl * g.h * g.w;
    T sum = T(0);
    for (i64 h = h0; h < h1; ++h)
      for (i64 w = w0; w < w1; ++w) sum += xp[h * g.w + w];
    y[i] = sum / T((h1 - h0) * (w1 - w0));
  }
}

// Outputs o whose adaptive window holds p: o in [floor(p * nout / n), ceil((p+1) * nout / n) - 1].
__device__ void ad_covering(i64 p, i64 n, i64 nout, i64& lo, i64& hi) {
  lo = (p * nout) / n;
  hi = imin(((p + 1) * nout + n - 1) / n - 1, nout - 1);
}

template <typename T>
__global__ void adaptive_bwd(T* dx, const T* dy, Pool2dGeometry g) {
  const i64 total = g.planes * g.h * g.w;
  GRID_STRIDE(i, total) {
    const i64 w = i % g.w, h = (i / g.w) % g.h, pl = i / (g.w * g.h);
    i64 oh0, oh1, ow0, ow1;
    ad_covering(h, g.h, g.ho, oh0, oh1);
    ad_covering(w, g.w, g.wo, ow0, ow1);
    const T* dp = dy + pl * g.ho * g.wo;
    T sum = T(0);
    for (i64 oh = oh0; oh <= oh1; ++oh) {
      const i64 h0 = ad_start(oh, g.h, g.ho), h1 = ad_end(oh, g.h, g.ho);
      if (h < h0 || h >= h1) continue;
      for (i64 ow = ow0; ow <= ow1; ++ow) {
        const i64 w0 = ad_start(ow, g.w, g.wo), w1 = ad_end(ow, g.w, g.wo);
        if (w < w0 || w >= w1) continue;
        sum += dp[oh * g.wo + ow] / T((h1 - h0) * (w1 - w0));
      }
    }
    dx[i] = sum;
  }
}

i64 out_size(const Pool2dGeometry& g) { return g.planes * g.ho * g.wo; }
i64 in_size(const Pool2dGeometry& g) { return g.planes * g.h * g.w; }

}  // namespace

template <typename T>
void max_pool2d_forward(T* y, int64_t* indices, const T* x, const Pool2dGeometry& g) {
  const i64 n = out_size(g);
  if (n == 0) return;
  max_pool_fwd<T><<<grid_for(n), kBlock>>>(y, reinterpret_cast<i64*>(indices), x, g);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void max_pool2d_backward(T* dx, const T* dy, const int64_t* indices, const Pool2dGeometry& g) {
  const i64 n = out_size(g), nin = in_size(g);
  const i64* idx = reinterpret_cast<const i64*>(indices);
  if (n > 0) {  // indices come from Python: refuse any outside the plane before writing dx
    int* bad = nullptr;
    CUDA_CHECK(cudaMalloc(&bad, sizeof(int)));
    int host = 0;
    cudaError_t err = cudaMemset(bad, 0, sizeof(int));
    if (err == cudaSuccess) {
      count_bad_indices<<<grid_for(n), kBlock>>>(bad, idx, n, g.h * g.w);
      err = cudaGetLastError();
    }
    if (err == cudaSuccess) err = cudaMemcpy(&host, bad, sizeof(int), cudaMemcpyDeviceToHost);
    cudaFree(bad);
    CUDA_CHECK(err);
    if (host != 0)
      throw std::invalid_argument("[max_pool2d_backward] " + std::to_string(host) +
                                  " indices are outside the input plane [0, " +
                                  std::to_string(g.h * g.w) + ")");
  }
  if (nin > 0) CUDA_CHECK(cudaMemsetAsync(dx, 0, size_t(nin) * sizeof(T)));
  if (n == 0) return;
  max_pool_bwd<T><<<grid_for(n), kBlock>>>(dx, dy, idx, g);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void avg_pool2d_forward(T* y, const T* x, const Pool2dGeometry& g, bool count_include_pad,
                        int64_t divisor) {
  const i64 n = out_size(g);
  if (n == 0) return;
  avg_pool_fwd<T><<<grid_for(n), kBlock>>>(y, x, g, count_include_pad, divisor);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void avg_pool2d_backward(T* dx, const T* dy, const Pool2dGeometry& g, bool count_include_pad,
                         int64_t divisor) {
  const i64 n = in_size(g);
  if (n == 0) return;
  avg_pool_bwd<T><<<grid_for(n), kBlock>>>(dx, dy, g, count_include_pad, divisor);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void adaptive_avg_pool2d_forward(T* y, const T* x, const Pool2dGeometry& g) {
  const i64 n = out_size(g);
  if (n == 0) return;
  adaptive_fwd<T><<<grid_for(n), kBlock>>>(y, x, g);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void adaptive_avg_pool2d_backward(T* dx, const T* dy, const Pool2dGeometry& g) {
  const i64 n = in_size(g);
  if (n == 0) return;
  adaptive_bwd<T><<<grid_for(n), kBlock>>>(dx, dy, g);
  CUDA_CHECK(cudaGetLastError());
}

#define DLCORE_POOL_INSTANTIATE(T)                                                           \
  template void max_pool2d_forward<T>(T*, int64_t*, const T*, const Pool2dGeometry&);        \
  template void max_pool2d_backward<T>(T*, const T*, const int64_t*, const Pool2dGeometry&); \
  template void avg_pool2d_forward<T>(T*, const T*, const Pool2dGeometry&, bool, int64_t);   \
  template void avg_pool2d_backward<T>(T*, const T*, const Pool2dGeometry&, bool, int64_t);  \
  template void adaptive_avg_pool2d_forward<T>(T*, const T*, const Pool2dGeometry&);         \
  template void adaptive_avg_pool2d_backward<T>(T*, const T*, const Pool2dGeometry&);
DLCORE_POOL_INSTANTIATE(float)
DLCORE_POOL_INSTANTIATE(double)

}  // namespace dlcore::cuda
