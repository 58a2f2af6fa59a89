// Private: the AVX2+FMA build of the batch-norm kernels (batch_norm_avx2.cpp), entered from
// batch_norm.cpp only when active_isa() >= avx2. Same contracts as batch_norm.h.
#pragma once
#include "cpu/batch_norm.h"

// Explicit instantiations of the three entry points for T, in the namespace where it is used.
#define DLCORE_BATCH_NORM_INSTANTIATE(T)                                                         \
  template void batch_norm_forward<T>(T*, T*, T*, const T*, const T*, const T*, double, int64_t, \
                                      int64_t, int64_t);                                         \
  template void batch_norm_inference<T>(T*, const T*, const T*, const T*, const T*, const T*,    \
                                        double, int64_t, int64_t, int64_t);                      \
  template void batch_norm_backward<T>(T*, T*, T*, const T*, const T*, const T*, const T*,       \
                                       const T*, double, int64_t, int64_t, int64_t);

namespace dlcore::cpu::avx2 {

template <typename T>
void batch_norm_forward(T* y, T* mean, T* var, const T* x, const T* weight, const T* bias,
                        double eps, int64_t n, int64_t c, int64_t l);
template <typename T>
void batch_norm_inference(T* y, const T* x, const T* mean, const T* var, const T* weight,
                          const T* bias, double eps, int64_t n, int64_t c, int64_t l);
template <typename T>
void batch_norm_backward(T* dx, T* dweight, T* dbias, const T* dy, const T* x, const T* mean,
                         const T* var, const T* weight, double eps, int64_t n, int64_t c,
                         int64_t l);

}  // namespace dlcore::cpu::avx2
