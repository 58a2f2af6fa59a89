// GELU on the GPU, elementwise, with torch's two forms: exact x * Phi(x) (erf) and the tanh
// approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))); forward and backward.
#include "cuda/cuda_api.h"
#include "cuda/cuda_common.cuh"

namespace dlcore::cuda {
namespace {

using i64 = long long;
constexpr double kSqrt1_2 = 0.70710678118654752440;     // 1/sqrt(2)
constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // 1/sqrt(2 pi)
constexpr double kSqrt2OverPi = 0.79788456080286535588; // sqrt(2/pi)
constexpr double kKappa = 0.044715;

template <typename T, bool tanh_form>
__global__ void gelu_fwd(T* y, const T* x, i64 n) {
  for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < n;
       i += (i64)gridDim.x * blockDim.x) {
    const T v = x[i];
    if (tanh_form) {
      const T inner = T(kSqrt2OverPi) * (v + T(kKappa) * v * v * v);
      y[i] = T(0.5) * v * (T(1) + tanh(inner));
    } else {
      y[i] = v * T(0.5) * (T(1) + erf(v * T(kSqrt1_2)));
    }
  }
}

template <typename T, bool tanh_form>
__global__ void gelu_bwd(T* dx, const T* dy, const T* x, i64 n) {
  for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < n;
       i += (i64)gridDim.x * blockDim.x) {
    const T v = x[i];
    T d;
    if (tanh_form) {
      const T v2 = v * v;
      const T t = tanh(T(kSqrt2OverPi) * (v + T(kKappa) * v2 * v));
      const T inner_d = T(kSqrt2OverPi) * (T(1) + T(3 * kKappa) * v2);
      d = T(0.5) * (T(1) + t) + T(0.5) * v * (T(1) - t * t) * inner_d;
    } else {
      const T cdf = T(0.5) * (T(1) + erf(v * T(kSqrt1_2)));
      d = cdf + v * T(kInvSqrt2Pi) * exp(T(-0.5) * v * v);
    }
    dx[i] = dy[i] * d;
  }
}

}  // namespace

template <typename T>
void gelu_forward(T* y, const T* x, int64_t n, bool approximate) {
  if (n <= 0) return;
  if (approximate) gelu_fwd<T, true><<<grid_for(n, 4), kBlock>>>(y, x, n);
  else gelu_fwd<T, false><<<grid_for(n, 4), kBlock>>>(y, x, n);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void gelu_backward(T* dx, const T* dy, const T* x, int64_t n, bool approximate) {
  if (n <= 0) return;
  if (approximate) gelu_bwd<T, true><<<grid_for(n, 4), kBlock>>>(dx, dy, x, n);
  else gelu_bwd<T, false><<<grid_for(n, 4), kBlock>>>(dx, dy, x, n);
  CUDA_CHECK(cudaGetLastError());
}

template void gelu_forward<float>(float*, const float*, int64_t, bool);
template void gelu_forward<double>(double*, const double*, int64_t, bool);
template void gelu_backward<float>(float*, const float*, const float*, int64_t, bool);
template void gelu_backward<double>(double*, const double*, const double*, int64_t, bool);

}  // namespace dlcore::cuda
