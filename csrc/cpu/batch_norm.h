// Batch normalization over x viewed as (n, c, l): per channel, statistics over n * l values
// (BatchNorm1d on (N, C) is l = 1, (N, C, L) as is, BatchNorm2d (N, C, H, W) is l = H * W).
// Row-major arrays; weight and bias may be null (1 and 0). Arguments are valid (the binding
// checks them); outputs are overwritten.
#pragma once
#include <cstdint>

namespace dlcore::cpu {

// Training mode: mean (c) and biased var (c) of the batch, then
// y = (x - mean) / sqrt(var + eps) * weight + bias. n * l == 0 writes nan statistics.
template <typename T>
void batch_norm_forward(T* y, T* mean, T* var, const T* x, const T* weight, const T* bias,
                        double eps, int64_t n, int64_t c, int64_t l);

// Eval mode: y = (x - mean) / sqrt(var + eps) * weight + bias with given (running) statistics.
template <typename T>
void batch_norm_inference(T* y, const T* x, const T* mean, const T* var, const T* weight,
                          const T* bias, double eps, int64_t n, int64_t c, int64_t l);

// Gradient of the training-mode forward, mean/var the batch statistics it wrote:
// dx = w / sqrt(var + eps) * (dy - mean(dy) - xhat * mean(dy * xhat)) per channel,
// dweight = sum(dy * xhat), dbias = sum(dy); dweight/dbias may be null (not wanted).
template <typename T>
void batch_norm_backward(T* dx, T* dweight, T* dbias, const T* dy, const T* x, const T* mean,
                         const T* var, const T* weight, double eps, int64_t n, int64_t c,
                         int64_t l);

}  // namespace dlcore::cpu
