// Fused optimizer updates over one contiguous buffer of n parameters, in place.
// All state buffers (momentum, exp_avg, ...) have n elements and the same layout as param.
// Scalars that depend on the step count (bias corrections) are computed in double.
#pragma once
#include <cstdint>

namespace dlcore::cpu {

struct SgdHyper {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize;
};

// momentum_buf may be nullptr when momentum == 0. first_step: the buffer is initialised to the
// gradient (PyTorch semantics: no dampening on the first step).
template <typename T>
void sgd_step(T* param, T* momentum_buf, const T* grad, int64_t n, const SgdHyper& h,
              bool first_step);

struct AdamHyper {
  double lr, beta1, beta2, eps, weight_decay;
  bool decoupled_weight_decay;  // AdamW
  bool amsgrad, maximize;
  int64_t step;                 // 1-based step count after this update
  double lr_divisor;            // Eve's d_t; 1.0 for Adam
};

// max_exp_avg_sq may be nullptr unless amsgrad.
template <typename T>
void adam_step(T* param, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, const T* grad, int64_t n,
               const AdamHyper& h);

}  // namespace dlcore::cpu
