// Fused SGD update on the GPU: one grid-stride pass over the flat parameter buffer.
#include "cuda/cuda_api.h"
#include "cuda/cuda_common.cuh"

namespace dlcore::cuda {
namespace {

__global__ void sgd_kernel(float* __restrict__ param, float* __restrict__ buf,
                           const float* __restrict__ grad, long long n, float lr, float mom,
                           float damp, float wd, float sign, bool nesterov, bool first) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
       i += (long long)gridDim.x * blockDim.x) {
    float g = sign * grad[i];
    if (wd != 0.f) g = fmaf(wd, param[i], g);
    if (buf != nullptr) {
      const float b = first ? g : fmaf(mom, buf[i], damp * g);
      buf[i] = b;
      g = nesterov ? fmaf(mom, b, g) : b;
    }
    param[i] = fmaf(-lr, g, param[i]);
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

}  // namespace dlcore::cuda
