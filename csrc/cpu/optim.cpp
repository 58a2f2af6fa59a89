// Fused SGD, Adagrad, RMSprop, Adam/AdamW/Eve updates and the bandwidth-floor probe: portable
// build of optim_kernels.inl, and the dispatch to the AVX2+FMA build when the CPU has it.
#include "cpu/optim.h"

#include <cmath>
#if defined(DLCORE_OPENMP)
#include <omp.h>
#endif

#include "cpu/isa.h"
#include "cpu/optim_isa.h"
#include "cpu/threads.h"

namespace dlcore::cpu {
namespace portable {
#include "cpu/optim_kernels.inl"
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
void sgd_step(T* param, T* momentum_buf, const T* grad, int64_t n, const SgdHyper& h,
              bool first_step) {
#if defined(DLCORE_X86)
  if (use_avx2()) return avx2::sgd_step(param, momentum_buf, grad, n, h, first_step);
#endif
  portable::sgd_impl(param, momentum_buf, grad, n, h, first_step);
}

template <typename T>
void adagrad_step(T* param, T* state_sum, const T* grad, int64_t n, const AdagradHyper& h) {
#if defined(DLCORE_X86)
  if (use_avx2()) return avx2::adagrad_step(param, state_sum, grad, n, h);
#endif
  portable::adagrad_impl(param, state_sum, grad, n, h);
}

template <typename T>
void rmsprop_step(T* param, T* square_avg, T* grad_avg, T* momentum_buf, const T* grad, int64_t n,
                  const RmspropHyper& h) {
#if defined(DLCORE_X86)
  if (use_avx2()) return avx2::rmsprop_step(param, square_avg, grad_avg, momentum_buf, grad, n, h);
#endif
  portable::rmsprop_impl(param, square_avg, grad_avg, momentum_buf, grad, n, h);
}

template <typename T>
void adam_step(T* param, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, const T* grad, int64_t n,
               const AdamHyper& h) {
#if defined(DLCORE_X86)
  if (use_avx2()) return avx2::adam_step(param, exp_avg, exp_avg_sq, max_exp_avg_sq, grad, n, h);
#endif
  portable::adam_impl(param, exp_avg, exp_avg_sq, max_exp_avg_sq, grad, n, h);
}

template <typename T>
void stream_probe(T* const* rw, int n_rw, const T* ro, int64_t n) {
#if defined(DLCORE_X86)
  if (use_avx2()) return avx2::stream_probe(rw, n_rw, ro, n);
#endif
  portable::probe_impl(rw, n_rw, ro, n);
}

DLCORE_OPTIM_INSTANTIATE(float)
DLCORE_OPTIM_INSTANTIATE(double)

}  // namespace dlcore::cpu
