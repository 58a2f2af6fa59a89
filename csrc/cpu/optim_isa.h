// Private: the AVX2+FMA build of the optimizer kernels (optim_avx2.cpp), entered from optim.cpp
// only when active_isa() >= avx2. Same contracts as optim.h.
#pragma once
#include "cpu/optim.h"

// Explicit instantiations of the five entry points for T, in the namespace where it is used
// (dlcore::cpu in optim.cpp, dlcore::cpu::avx2 in optim_avx2.cpp).
#define DLCORE_OPTIM_INSTANTIATE(T)                                                      \
  template void sgd_step<T>(T*, T*, const T*, int64_t, const SgdHyper&, bool);           \
  template void adagrad_step<T>(T*, T*, const T*, int64_t, const AdagradHyper&);         \
  template void rmsprop_step<T>(T*, T*, T*, T*, const T*, int64_t, const RmspropHyper&); \
  template void adam_step<T>(T*, T*, T*, T*, const T*, int64_t, const AdamHyper&);       \
  template void stream_probe<T>(T* const*, int, const T*, int64_t);

namespace dlcore::cpu::avx2 {

template <typename T>
void sgd_step(T* param, T* momentum_buf, const T* grad, int64_t n, const SgdHyper& h,
              bool first_step);
template <typename T>
void adagrad_step(T* param, T* state_sum, const T* grad, int64_t n, const AdagradHyper& h);
template <typename T>
void rmsprop_step(T* param, T* square_avg, T* grad_avg, T* momentum_buf, const T* grad, int64_t n,
                  const RmspropHyper& h);
template <typename T>
void adam_step(T* param, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, const T* grad, int64_t n,
               const AdamHyper& h);
template <typename T>
void stream_probe(T* const* rw, int n_rw, const T* ro, int64_t n);

}  // namespace dlcore::cpu::avx2
