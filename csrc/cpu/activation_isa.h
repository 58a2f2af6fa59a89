// Private: the AVX2+FMA build of the float32 GELU loops (activation_avx2.cpp), entered from
// activation.cpp only when active_isa() >= avx2. Contracts in activation_kernels.inl.
#pragma once
#include <cstdint>

namespace dlcore::cpu::avx2 {

void gelu_forward_f32_range(float* y, const float* x, int64_t b, int64_t e, bool approximate);
void gelu_backward_f32_range(float* dx, const float* dy, const float* x, int64_t b, int64_t e,
                             bool approximate);

}  // namespace dlcore::cpu::avx2
