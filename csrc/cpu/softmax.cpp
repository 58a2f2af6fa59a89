// Row-wise log-softmax and fused cross-entropy; rows run in parallel, each row in one pass
// for the max, one for the sum of exponentials (accumulated in double), one for the write.
#include "cpu/softmax.h"
#include "cpu/threads.h"

#include <cmath>
#include <limits>

namespace dlcore::cpu {
namespace {

// Row max and log(sum(exp(x - max))), kept apart so that callers form (x - max) - log_sum:
// x - max is exact for nearby values, whereas x - (max + log_sum) loses the low bits of log_sum
// when |max| is large (1e4 in float32). The sum accumulates in double.
template <typename T>
void row_max_logsum(const T* x, int64_t c, T* mx_out, T* log_sum_out) {
  T mx = x[0];
  for (int64_t j = 1; j < c; ++j) mx = x[j] > mx ? x[j] : mx;
  if (std::isinf(mx)) {  // a row with +inf, or all -inf: every entry nan (as torch)
    *mx_out = mx;
    *log_sum_out = mx > 0 ? std::numeric_limits<T>::quiet_NaN() : T(0);
    return;
  }
  double s = 0;
  for (int64_t j = 0; j < c; ++j) s += std::exp(x[j] - mx);
  *mx_out = mx;
  *log_sum_out = T(std::log(s));
}

}  // namespace

template <typename T>
void log_softmax_forward(T* out, const T* x, int64_t n, int64_t c) {
#pragma omp parallel for schedule(static) if (n * c > (1 << 15)) num_threads(max_threads())
  for (int64_t i = 0; i < n; ++i) {
    T mx, log_sum;
    row_max_logsum(x + i * c, c, &mx, &log_sum);
    for (int64_t j = 0; j < c; ++j) out[i * c + j] = (x[i * c + j] - mx) - log_sum;
  }
}

template <typename T>
void log_softmax_backward(T* dx, const T* dy, const T* y, int64_t n, int64_t c) {
#pragma omp parallel for schedule(static) if (n * c > (1 << 15)) num_threads(max_threads())
  for (int64_t i = 0; i < n; ++i) {
    double acc = 0;
    for (int64_t j = 0; j < c; ++j) acc += dy[i * c + j];
    const T s = T(acc);
    for (int64_t j = 0; j < c; ++j) dx[i * c + j] = dy[i * c + j] - std::exp(y[i * c + j]) * s;
  }
}

template <typename T>
void cross_entropy_forward(T* loss, T* log_probs, const T* logits, const int64_t* targets,
                           int64_t n, int64_t c) {
  log_softmax_forward(log_probs, logits, n, c);
  for (int64_t i = 0; i < n; ++i) loss[i] = -log_probs[i * c + targets[i]];
}

template <typename T>
void cross_entropy_backward(T* dlogits, const T* log_probs, const int64_t* targets, const T* dloss,
                            int64_t n, int64_t c) {
#pragma omp parallel for schedule(static) if (n * c > (1 << 15)) num_threads(max_threads())
  for (int64_t i = 0; i < n; ++i) {
    const T g = dloss[i];
    for (int64_t j = 0; j < c; ++j) dlogits[i * c + j] = g * std::exp(log_probs[i * c + j]);
    dlogits[i * c + targets[i]] -= g;
  }
}

#define DLCORE_INSTANTIATE(T)                                                                 \
  template void log_softmax_forward<T>(T*, const T*, int64_t, int64_t);                       \
  template void log_softmax_backward<T>(T*, const T*, const T*, int64_t, int64_t);            \
  template void cross_entropy_forward<T>(T*, T*, const T*, const int64_t*, int64_t, int64_t); \
  template void cross_entropy_backward<T>(T*, const T*, const int64_t*, const T*, int64_t, int64_t);
DLCORE_INSTANTIATE(float)
DLCORE_INSTANTIATE(double)
#undef DLCORE_INSTANTIATE

}  // namespace dlcore::cpu
