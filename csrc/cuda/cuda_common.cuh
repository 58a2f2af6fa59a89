// CUDA_CHECK and launch-shape helpers, for .cu files only.
#pragma once
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#define CUDA_CHECK(expr)                                                                \
  do {                                                                                  \
    cudaError_t err_ = (expr);                                                          \
    if (err_ != cudaSuccess)                                                            \
      throw std::runtime_error(std::string("CUDA error: ") + cudaGetErrorString(err_) + \
                               " at " __FILE__ ":" + std::to_string(__LINE__));         \
  } while (0)

namespace dlcore::cuda {
constexpr int kBlock = 256;
inline int grid_for(long long n, int per_thread = 1) {
  long long g = (n + (long long)kBlock * per_thread - 1) / ((long long)kBlock * per_thread);
  return g < 1 ? 1 : (g > 65535 * 32 ? 65535 * 32 : (int)g);
}
}  // namespace dlcore::cuda
