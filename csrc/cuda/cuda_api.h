// The CUDA kernels' plain C++ API (device pointers in, no CUDA headers here), so that
// the bindings (csrc/bind) can call them without including cuda_runtime.h.
// Every launcher runs on the current device's default stream and throws std::runtime_error
// on a CUDA error; none of them synchronises.
#pragma once
#include <cstdint>

#include "cpu/optim.h"

namespace dlcore::cuda {

int device_count();                 // 0 when there is no driver or no device (never throws)
int runtime_version();              // CUDART_VERSION this module was built with
void synchronize();
// True when p is device or managed memory of a visible device (cudaPointerGetAttributes);
// false for host memory, unknown pointers, or no driver. Never throws.
bool is_device_pointer(const void* p);

// Same contract as dlcore::cpu::sgd_step, float32 device pointers.
void sgd_step(float* param, float* momentum_buf, const float* grad, int64_t n,
              const cpu::SgdHyper& h, bool first_step);

// Same contract as dlcore::cpu::adam_step (max_exp_avg_sq may be nullptr unless amsgrad),
// float32 device pointers.
void adam_step(float* param, float* exp_avg, float* exp_avg_sq, float* max_exp_avg_sq,
               const float* grad, int64_t n, const cpu::AdamHyper& h);

}  // namespace dlcore::cuda
