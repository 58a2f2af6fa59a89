// Batch-norm kernels: the portable build of batch_norm_kernels.inl, and the dispatch to the
// AVX2+FMA build when the CPU has it.
#include "cpu/batch_norm.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <utility>
#include <vector>

#include "cpu/batch_norm_isa.h"
#include "cpu/isa.h"
#include "cpu/threads.h"

namespace dlcore::cpu {
namespace portable {
#include "cpu/batch_norm_kernels.inl"
}  // namespace portable

namespace {
inline bool use_avx2() {
#if defined(DLCORE_X86)
  return active_isa() >= Isa::avx2;
#else
  return false;
#endif
}
}  // namespace

template <typename T>
void batch_norm_forward(T* y, T* mean, T* var, const T* x, const T* weight, const T* bias,
                        double eps, int64_t n, int64_t c, int64_t l) {
#if defined(DLCORE_X86)
  if (use_avx2()) return avx2::batch_norm_forward(y, mean, var, x, weight, bias, eps, n, c, l);
#endif
  portable::batch_norm_forward(y, mean, var, x, weight, bias, eps, n, c, l);
}

template <typename T>
void batch_norm_inference(T* y, const T* x, const T* mean, const T* var, const T* weight,
                          const T* bias, double eps, int64_t n, int64_t c, int64_t l) {
#if defined(DLCORE_X86)
  if (use_avx2()) return avx2::batch_norm_inference(y, x, mean, var, weight, bias, eps, n, c, l);
#endif
  portable::batch_norm_inference(y, x, mean, var, weight, bias, eps, n, c, l);
}

template <typename T>
void batch_norm_backward(T* dx, T* dweight, T* dbias, const T* dy, const T* x, const T* mean,
                         const T* var, const T* weight, double eps, int64_t n, int64_t c,
                         int64_t l) {
#if defined(DLCORE_X86)
  if (use_avx2())
    return avx2::batch_norm_backward(dx, dweight, dbias, dy, x, mean, var, weight, eps, n, c, l);
#endif
  portable::batch_norm_backward(dx, dweight, dbias, dy, x, mean, var, weight, eps, n, c, l);
}

DLCORE_BATCH_NORM_INSTANTIATE(float)
DLCORE_BATCH_NORM_INSTANTIATE(double)

}  // namespace dlcore::cpu
