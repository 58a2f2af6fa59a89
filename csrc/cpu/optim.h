// Fused optimizer updates over one contiguous buffer of n parameters, in place.
// All state buffers (momentum, exp_avg, ...) have n elements and the same layout as param.
// Scalars that depend on the step count (bias corrections, Adagrad's decayed lr) are computed
// in double; the element-wise order of operations follows torch.optim's single-tensor code.
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

struct AdagradHyper {
  double lr, lr_decay, weight_decay, eps;
  bool maximize;
  int64_t step;                 // 1-based step count after this update
};

// state_sum starts at initial_accumulator_value (the caller fills it).
template <typename T>
void adagrad_step(T* param, T* state_sum, const T* grad, int64_t n, const AdagradHyper& h);

struct RmspropHyper {
  double lr, alpha, eps, weight_decay, momentum;
  bool centered, maximize;
};

// grad_avg may be nullptr unless centered; momentum_buf may be nullptr unless momentum > 0.
// Both start at zero (the caller fills them).
template <typename T>
void rmsprop_step(T* param, T* square_avg, T* grad_avg, T* momentum_buf, const T* grad, int64_t n,
                  const RmspropHyper& h);

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

// Bandwidth-floor probe: reads ro (n) and reads+writes each of the n_rw buffers rw[k] (n each)
// once, with one add per element: the same memory traffic as an optimizer step with n_rw state
// streams (param included) and one gradient, and no arithmetic to speak of. 1 <= n_rw <= 4.
template <typename T>
void stream_probe(T* const* rw, int n_rw, const T* ro, int64_t n);

}  // namespace dlcore::cpu
