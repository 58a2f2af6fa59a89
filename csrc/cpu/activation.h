// GELU over flat arrays of n values (any shape, row-major), as torch.nn.functional.gelu:
// approximate false: x * Phi(x) = 0.5 x (1 + erf(x / sqrt(2)));
// approximate true:  0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).
// float64 through std::erf / std::tanh; float32 through vectorising float formulas, relative
// error ~1e-6 (activation_kernels.inl).
#pragma once
#include <cstdint>

namespace dlcore::cpu {

template <typename T>
void gelu_forward(T* y, const T* x, int64_t n, bool approximate);

// dx = dy * gelu'(x)
template <typename T>
void gelu_backward(T* dx, const T* dy, const T* x, int64_t n, bool approximate);

}  // namespace dlcore::cpu
