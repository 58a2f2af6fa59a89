// Shared conventions for every kernel file. No Python, no CUDA headers here.
//
// Argument order: outputs first, then inputs, then sizes (int64_t), then hyperparameters.
// Arrays are row-major; a matrix is (pointer, leading dimension in elements). Kernels assume
// valid arguments: csrc/bind/ validates shapes, dtypes and strides before calling them.
#pragma once
#include <cstdint>

namespace dlcore {

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

}  // namespace dlcore
