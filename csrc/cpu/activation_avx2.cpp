// AVX2+FMA build of the float32 GELU loops (bodies in activation_kernels.inl).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "cpu/activation_isa.h"

namespace dlcore::cpu::avx2 {

#include "cpu/activation_kernels.inl"

void gelu_forward_f32_range(float* y, const float* x, int64_t b, int64_t e, bool approximate) {
  gelu_forward_f32(y, x, b, e, approximate);
}

void gelu_backward_f32_range(float* dx, const float* dy, const float* x, int64_t b, int64_t e,
                             bool approximate) {
  gelu_backward_f32(dx, dy, x, b, e, approximate);
}

}  // namespace dlcore::cpu::avx2
