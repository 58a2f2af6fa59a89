// Row-wise log-softmax and the fused log-softmax + cross-entropy, over (n, c) row-major arrays.
#pragma once
#include <cstdint>

namespace dlcore::cpu {

// out (n, c) = x - logsumexp(x, axis=1)
template <typename T>
void log_softmax_forward(T* out, const T* x, int64_t n, int64_t c);

// dx (n, c) = dy - exp(y) * sum(dy, axis=1), with y the forward output
template <typename T>
void log_softmax_backward(T* dx, const T* dy, const T* y, int64_t n, int64_t c);

// loss (n) = -log_softmax(logits)[i, target[i]]; log_probs (n, c) is saved for the backward.
// targets are in [0, c) (checked by the caller).
template <typename T>
void cross_entropy_forward(T* loss, T* log_probs, const T* logits, const int64_t* targets,
                           int64_t n, int64_t c);

// dlogits (n, c) = dloss[i] * (softmax[i, j] - [j == target[i]])
template <typename T>
void cross_entropy_backward(T* dlogits, const T* log_probs, const int64_t* targets, const T* dloss,
                            int64_t n, int64_t c);

}  // namespace dlcore::cpu
