// GELU forward and backward, elementwise in T (std::erf / std::tanh of T, as torch computes
// float32 in float32); large arrays split into one contiguous chunk per thread.
#include "cpu/activation.h"

#include <cmath>

#include "cpu/threads.h"

namespace dlcore::cpu {
namespace {

constexpr double kSqrt1_2 = 0.70710678118654752440;     // 1 / sqrt(2)
constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // 1 / sqrt(2 pi)
constexpr double kSqrt2OverPi = 0.79788456080286535588;  // sqrt(2 / pi)
constexpr double kCubic = 0.044715;

template <typename F>
void for_chunks(int64_t n, F&& f) {
  constexpr int64_t kChunk = 1 << 14;
  const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (chunks > 1) num_threads(max_threads())
  for (int64_t b = 0; b < chunks; ++b) f(b * kChunk, b + 1 < chunks ? (b + 1) * kChunk : n);
}

}  // namespace

template <typename T>
void gelu_forward(T* y, const T* x, int64_t n, bool approximate) {
  const T half(0.5), one(1), s1_2(kSqrt1_2), s2pi(kSqrt2OverPi), cubic(kCubic);
  for_chunks(n, [&](int64_t b, int64_t e) {
    if (approximate) {
      for (int64_t i = b; i < e; ++i) {
        const T v = x[i];
        y[i] = half * v * (one + std::tanh(s2pi * (v + cubic * v * v * v)));
      }
    } else {
      for (int64_t i = b; i < e; ++i) y[i] = half * x[i] * (one + std::erf(x[i] * s1_2));
    }
  });
}

template <typename T>
void gelu_backward(T* dx, const T* dy, const T* x, int64_t n, bool approximate) {
  const T half(0.5), one(1), s1_2(kSqrt1_2), pdf_k(kInvSqrt2Pi), s2pi(kSqrt2OverPi), cubic(kCubic);
  for_chunks(n, [&](int64_t b, int64_t e) {
    if (approximate) {
      for (int64_t i = b; i < e; ++i) {
        const T v = x[i], v2 = v * v;
        const T t = std::tanh(s2pi * (v + cubic * v2 * v));
        const T d_inner = s2pi * (one + T(3) * cubic * v2);
        dx[i] = dy[i] * (half * (one + t) + half * v * (one - t * t) * d_inner);
      }
    } else {
      for (int64_t i = b; i < e; ++i) {
        const T v = x[i];
        const T cdf = half * (one + std::erf(v * s1_2));
        dx[i] = dy[i] * (cdf + v * pdf_k * std::exp(-half * v * v));
      }
    }
  });
}

template void gelu_forward<float>(float*, const float*, int64_t, bool);
template void gelu_forward<double>(double*, const double*, int64_t, bool);
template void gelu_backward<float>(float*, const float*, const float*, int64_t, bool);
template void gelu_backward<double>(double*, const double*, const double*, int64_t, bool);

}  // namespace dlcore::cpu
