// GELU forward and backward, elementwise; large arrays split into one contiguous chunk per
// thread. float32: branch-free float formulas that vectorise (activation_kernels.inl; AVX2
// build when the CPU has it), relative error ~1e-6; float64: std::erf / std::tanh per element.
#include "cpu/activation.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "cpu/activation_isa.h"
#include "cpu/isa.h"
#include "cpu/threads.h"

namespace dlcore::cpu {
namespace portable {
#include "cpu/activation_kernels.inl"
}  // namespace portable

namespace {

constexpr double kSqrt1_2 = 0.70710678118654752440;      // 1 / sqrt(2)
constexpr double kInvSqrt2Pi = 0.39894228040143267794;   // 1 / sqrt(2 pi)
constexpr double kSqrt2OverPi = 0.79788456080286535588;  // sqrt(2 / pi)
constexpr double kCubic = 0.044715;

template <typename F>
void for_chunks(int64_t n, F&& f) {
  constexpr int64_t kChunk = 1 << 14;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (chunks > 1) num_threads(max_threads())
  for (int64_t b = 0; b < chunks; ++b) f(b * kChunk, b + 1 < chunks ? (b + 1) * kChunk : n);
}

inline bool use_avx2() {
#if defined(DLCORE_X86)
  return active_isa() >= Isa::avx2;
#else
  return false;
#endif
}

void forward_range(float* y, const float* x, int64_t b, int64_t e, bool approximate) {
#if defined(DLCORE_X86)
  if (use_avx2()) return avx2::gelu_forward_f32_range(y, x, b, e, approximate);
#endif
  portable::gelu_forward_f32(y, x, b, e, approximate);
}

void backward_range(float* dx, const float* dy, const float* x, int64_t b, int64_t e,
                    bool approximate) {
#if defined(DLCORE_X86)
  if (use_avx2()) return avx2::gelu_backward_f32_range(dx, dy, x, b, e, approximate);
#endif
  portable::gelu_backward_f32(dx, dy, x, b, e, approximate);
}

void forward_range(double* y, const double* x, int64_t b, int64_t e, bool approximate) {
  if (approximate) {
    for (int64_t i = b; i < e; ++i) {
      const double v = x[i];
      y[i] = 0.5 * v * (1.0 + std::tanh(kSqrt2OverPi * (v + kCubic * v * v * v)));
    }
  } else {
    for (int64_t i = b; i < e; ++i) y[i] = 0.5 * x[i] * (1.0 + std::erf(x[i] * kSqrt1_2));
  }
}

void backward_range(double* dx, const double* dy, const double* x, int64_t b, int64_t e,
                    bool approximate) {
  if (approximate) {
    for (int64_t i = b; i < e; ++i) {
      const double v = x[i], v2 = v * v;
      const double t = std::tanh(kSqrt2OverPi * (v + kCubic * v2 * v));
      const double d_inner = kSqrt2OverPi * (1.0 + 3.0 * kCubic * v2);
      dx[i] = dy[i] * (0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * d_inner);
    }
  } else {
    for (int64_t i = b; i < e; ++i) {
      const double v = x[i];
      const double cdf = 0.5 * (1.0 + std::erf(v * kSqrt1_2));
      dx[i] = dy[i] * (cdf + v * kInvSqrt2Pi * std::exp(-0.5 * v * v));
    }
  }
}

}  // namespace

template <typename T>
void gelu_forward(T* y, const T* x, int64_t n, bool approximate) {
  for_chunks(n, [&](int64_t b, int64_t e) { forward_range(y, x, b, e, approximate); });
}

template <typename T>
void gelu_backward(T* dx, const T* dy, const T* x, int64_t n, bool approximate) {
  for_chunks(n, [&](int64_t b, int64_t e) { backward_range(dx, dy, x, b, e, approximate); });
}

template void gelu_forward<float>(float*, const float*, int64_t, bool);
template void gelu_forward<double>(double*, const double*, int64_t, bool);
template void gelu_backward<float>(float*, const float*, const float*, int64_t, bool);
template void gelu_backward<double>(double*, const double*, const double*, int64_t, bool);

}  // namespace dlcore::cpu
