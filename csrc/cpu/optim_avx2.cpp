// AVX2+FMA build of the fused optimizer kernels (bodies in optim_kernels.inl).
#include <cmath>
#if defined(DLCORE_OPENMP)
#include <omp.h>
#endif

#include "cpu/optim_isa.h"
#include "cpu/threads.h"

namespace dlcore::cpu::avx2 {

#include "cpu/optim_kernels.inl"

template <typename T>
void sgd_step(T* param, T* momentum_buf, const T* grad, int64_t n, const SgdHyper& h,
              bool first_step) {
  sgd_impl(param, momentum_buf, grad, n, h, first_step);
}
template <typename T>
void adagrad_step(T* param, T* state_sum, const T* grad, int64_t n, const AdagradHyper& h) {
  adagrad_impl(param, state_sum, grad, n, h);
}
template <typename T>
void rmsprop_step(T* param, T* square_avg, T* grad_avg, T* momentum_buf, const T* grad, int64_t n,
                  const RmspropHyper& h) {
  rmsprop_impl(param, square_avg, grad_avg, momentum_buf, grad, n, h);
}
template <typename T>
void adam_step(T* param, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, const T* grad, int64_t n,
               const AdamHyper& h) {
  adam_impl(param, exp_avg, exp_avg_sq, max_exp_avg_sq, grad, n, h);
}
template <typename T>
void stream_probe(T* const* rw, int n_rw, const T* ro, int64_t n) {
  probe_impl(rw, n_rw, ro, n);
}

DLCORE_OPTIM_INSTANTIATE(float)
DLCORE_OPTIM_INSTANTIATE(double)

}  // namespace dlcore::cpu::avx2
