// Batch norm on the GPU over x viewed as (n, c, l): training forward (batch statistics),
// inference with given statistics, and the training-mode backward. The reductions run one block
// per channel, accumulating in double; inference is elementwise.
#include "cuda/cuda_api.h"
#include "cuda/cuda_common.cuh"
#include "cuda/reduce.cuh"

namespace dlcore::cuda {
namespace {

using i64 = long long;

// Calls f(offset) for every element of channel ch, split over the block's threads: rows of l
// contiguous elements when l is long enough to fill the threads, else one flat index over n*l.
template <typename F>
__device__ void each_in_channel(i64 n, i64 c, i64 l, i64 ch, F f) {
  if (l >= 128) {
    for (i64 i = 0; i < n; ++i) {
      const i64 base = (i * c + ch) * l;
      for (i64 j = threadIdx.x; j < l; j += blockDim.x) f(base + j);
    }
  } else {
    for (i64 t = threadIdx.x; t < n * l; t += blockDim.x) {
      const i64 i = t / l;
      f((i * c + ch) * l + (t - i * l));
    }
  }
}

template <typename T>
__global__ void bn_forward(T* y, T* mean, T* var, const T* x, const T* weight, const T* bias, i64 n,
                           i64 c, i64 l, double eps) {
  const i64 ch = blockIdx.x;
  const double count = double(n) * double(l);
  double s = 0.0;
  each_in_channel(n, c, l, ch, [&](i64 o) { s += double(x[o]); });
  const double mu = block_sum(s) / count;
  double q = 0.0;
  each_in_channel(n, c, l, ch, [&](i64 o) {
    const double d = double(x[o]) - mu;
    q += d * d;
  });
  const double v = block_sum(q) / count;
  if (threadIdx.x == 0) {
    mean[ch] = T(mu);
    var[ch] = T(v);
  }
  const double scale = (weight ? double(weight[ch]) : 1.0) / sqrt(v + eps);
  const T sc = T(scale), sh = T((bias ? double(bias[ch]) : 0.0) - mu * scale);
  each_in_channel(n, c, l, ch, [&](i64 o) { y[o] = fma(x[o], sc, sh); });
}

template <typename T>
__global__ void bn_inference(T* y, const T* x, const T* mean, const T* var, const T* weight,
                             const T* bias, i64 total, i64 c, i64 l, double eps) {
  for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < total;
       i += (i64)gridDim.x * blockDim.x) {
    const i64 ch = (i / l) % c;
    const T invstd = T(1) / sqrt(var[ch] + T(eps));
    const T w = weight ? weight[ch] : T(1), b = bias ? bias[ch] : T(0);
    y[i] = (x[i] - mean[ch]) * invstd * w + b;
  }
}

// dx = w * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)), xhat = (x - mean) * invstd;
// dweight = sum(dy * xhat), dbias = sum(dy).
template <typename T>
__global__ void bn_backward(T* dx, T* dweight, T* dbias, const T* dy, const T* x, const T* mean,
                            const T* var, const T* weight, i64 n, i64 c, i64 l, double eps) {
  const i64 ch = blockIdx.x;
  const double count = double(n) * double(l);
  const double mu = double(mean[ch]), invstd = 1.0 / sqrt(double(var[ch]) + eps);
  double s = 0.0, sx = 0.0;
  each_in_channel(n, c, l, ch, [&](i64 o) {
    const double g = double(dy[o]);
    s += g;
    sx += g * (double(x[o]) - mu);
  });
  s = block_sum(s);
  sx = block_sum(sx);
  if (threadIdx.x == 0) {
    // an empty batch: 0, as the CPU kernel and torch (sx = 0 times the nan invstd of 0/0 stats)
    if (dweight) dweight[ch] = count > 0 ? T(sx * invstd) : T(0);
    if (dbias) dbias[ch] = T(s);
  }
  if (count == 0) return;
  const double w = weight ? double(weight[ch]) : 1.0;
  // dx = a * dy + b * x + d, folded per channel
  const double a = w * invstd, k = sx * invstd * invstd / count;
  const T ta = T(a), tb = T(-a * k), td = T(a * (k * mu - s / count));
  each_in_channel(n, c, l, ch, [&](i64 o) { dx[o] = fma(ta, dy[o], fma(tb, x[o], td)); });
}

}  // namespace

template <typename T>
void batch_norm_forward(T* y, T* mean, T* var, const T* x, const T* weight, const T* bias,
                        int64_t n, int64_t c, int64_t l, double eps) {
  if (c == 0) return;
  bn_forward<T><<<unsigned(c), kBlock>>>(y, mean, var, x, weight, bias, n, c, l, eps);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void batch_norm_inference(T* y, const T* x, const T* mean, const T* var, const T* weight,
                          const T* bias, int64_t n, int64_t c, int64_t l, double eps) {
  const i64 total = n * c * l;
  if (total == 0) return;
  bn_inference<T><<<grid_for(total), kBlock>>>(y, x, mean, var, weight, bias, total, c, l, eps);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void batch_norm_backward(T* dx, T* dweight, T* dbias, const T* dy, const T* x, const T* mean,
                         const T* var, const T* weight, int64_t n, int64_t c, int64_t l,
                         double eps) {
  if (c == 0) return;
  bn_backward<T>
      <<<unsigned(c), kBlock>>>(dx, dweight, dbias, dy, x, mean, var, weight, n, c, l, eps);
  CUDA_CHECK(cudaGetLastError());
}

#define DLCORE_BN_INSTANTIATE(T)                                                                  \
  template void batch_norm_forward<T>(T*, T*, T*, const T*, const T*, const T*, int64_t, int64_t, \
                                      int64_t, double);                                           \
  template void batch_norm_inference<T>(T*, const T*, const T*, const T*, const T*, const T*,     \
                                        int64_t, int64_t, int64_t, double);                       \
  template void batch_norm_backward<T>(T*, T*, T*, const T*, const T*, const T*, const T*,        \
                                       const T*, int64_t, int64_t, int64_t, double);
DLCORE_BN_INSTANTIATE(float)
DLCORE_BN_INSTANTIATE(double)

}  // namespace dlcore::cuda
