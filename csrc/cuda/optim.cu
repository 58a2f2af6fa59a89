// Fused SGD and Adam/AdamW/AMSGrad/Eve updates on the GPU: one grid-stride pass over the flat
// parameter buffer; bias corrections computed once on the host in double.
#include "cuda/cuda_api.h"
#include "cuda/cuda_common.cuh"

#include <cmath>

namespace dlcore::cuda {
namespace {

__global__ void sgd_kernel(float* __restrict__ param, float* __restrict__ buf,
                           const float* __restrict__ grad, long long n, float lr, float mom,
                           float damp, float wd, float sign, bool nesterov, bool first) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
       i += (long long)gridDim.x * blockDim.x) {
    float g = sign * grad[i];
    if (wd != 0.f) g = fmaf(wd, param[i], g);  // only when wd != 0: 0 * inf would be nan
    if (buf != nullptr) {
      const float b = first ? g : fmaf(mom, buf[i], damp * g);
      buf[i] = b;
      g = nesterov ? fmaf(mom, b, g) : b;
    }
    param[i] = fmaf(-lr, g, param[i]);
  }
}

// One Adam step per element; the moment updates are lerps written as two FMAs (llm.c adamw.cuh).
template <bool amsgrad>
__global__ void adam_kernel(float* __restrict__ param, float* __restrict__ m1,
                            float* __restrict__ m2, float* __restrict__ mx,
                            const float* __restrict__ grad, long long n, float step_size,
                            float inv_bc2_sqrt, float b1, float b2, float eps, float l2,
                            float decay, float sign) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
       i += (long long)gridDim.x * blockDim.x) {
    const float p = param[i] * decay;
    const float g = l2 != 0.f ? fmaf(l2, p, sign * grad[i]) : sign * grad[i];  // no 0 * inf
    const float m = fmaf(b1, m1[i] - g, g);          // b1 * m + (1 - b1) * g
    const float v = fmaf(b2, m2[i] - g * g, g * g);  // b2 * v + (1 - b2) * g^2
    m1[i] = m;
    m2[i] = v;
    float vm = v;
    if (amsgrad) {
      vm = fmaxf(mx[i], v);
      mx[i] = vm;
    }
    param[i] = p - step_size * (m / fmaf(sqrtf(vm), inv_bc2_sqrt, eps));
  }
}

}  // namespace

void sgd_step(float* param, float* momentum_buf, const float* grad, int64_t n,
              const cpu::SgdHyper& h, bool first_step) {
  if (n <= 0) return;
  float* buf = h.momentum != 0.0 ? momentum_buf : nullptr;
  sgd_kernel<<<grid_for(n, 4), kBlock>>>(param, buf, grad, n, float(h.lr), float(h.momentum),
                                         float(1.0 - h.dampening), float(h.weight_decay),
                                         h.maximize ? -1.f : 1.f, h.nesterov, first_step);
  CUDA_CHECK(cudaGetLastError());
}

void adam_step(float* param, float* exp_avg, float* exp_avg_sq, float* max_exp_avg_sq,
               const float* grad, int64_t n, const cpu::AdamHyper& h) {
  if (n <= 0) return;
  const double bc1 = 1.0 - std::pow(h.beta1, double(h.step));
  const double bc2 = 1.0 - std::pow(h.beta2, double(h.step));
  const double lr = h.lr / h.lr_divisor;
  const float step_size = float(lr / bc1), inv_bc2_sqrt = float(1.0 / std::sqrt(bc2));
  const float l2 = h.decoupled_weight_decay ? 0.f : float(h.weight_decay);
  const float decay = h.decoupled_weight_decay ? float(1.0 - lr * h.weight_decay) : 1.f;
  const float sign = h.maximize ? -1.f : 1.f;
  if (h.amsgrad)
    adam_kernel<true><<<grid_for(n, 4), kBlock>>>(param, exp_avg, exp_avg_sq, max_exp_avg_sq, grad,
                                                  n, step_size, inv_bc2_sqrt, float(h.beta1),
                                                  float(h.beta2), float(h.eps), l2, decay, sign);
  else
    adam_kernel<false><<<grid_for(n, 4), kBlock>>>(param, exp_avg, exp_avg_sq, nullptr, grad, n,
                                                   step_size, inv_bc2_sqrt, float(h.beta1),
                                                   float(h.beta2), float(h.eps), l2, decay, sign);
  CUDA_CHECK(cudaGetLastError());
}

}  // namespace dlcore::cuda
