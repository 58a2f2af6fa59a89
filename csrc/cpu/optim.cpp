// Fused SGD and Adam/AdamW/Eve updates: one pass over memory, OpenMP over chunks.
#include "cpu/optim.h"

#include <cmath>

namespace dlcore::cpu {

template <typename T>
void sgd_step(T* param, T* momentum_buf, const T* grad, int64_t n, const SgdHyper& h,
              bool first_step) {
  const T lr = T(h.lr), mom = T(h.momentum), damp = T(1.0 - h.dampening), wd = T(h.weight_decay);
  const T sign = h.maximize ? T(-1) : T(1);
  const bool use_mom = momentum_buf != nullptr && h.momentum != 0.0;
#pragma omp parallel for schedule(static) if (n > (1 << 16))
  for (int64_t i = 0; i < n; ++i) {
    T g = sign * grad[i];
    if (wd != T(0)) g += wd * param[i];
    if (use_mom) {
      const T buf = first_step ? g : mom * momentum_buf[i] + damp * g;
      momentum_buf[i] = buf;
      g = h.nesterov ? g + mom * buf : buf;
    }
    param[i] -= lr * g;
  }
}

template <typename T>
void adam_step(T* param, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, const T* grad, int64_t n,
               const AdamHyper& h) {
  const double bc1 = 1.0 - std::pow(h.beta1, double(h.step));
  const double bc2 = 1.0 - std::pow(h.beta2, double(h.step));
  const T step_size = T(h.lr / h.lr_divisor / bc1);
  const T inv_sqrt_bc2 = T(1.0 / std::sqrt(bc2));
  const T b1 = T(h.beta1), b2 = T(h.beta2), eps = T(h.eps), wd = T(h.weight_decay);
  const T decay = T(1.0 - h.lr / h.lr_divisor * h.weight_decay);
  const T sign = h.maximize ? T(-1) : T(1);
#pragma omp parallel for schedule(static) if (n > (1 << 16))
  for (int64_t i = 0; i < n; ++i) {
    T g = sign * grad[i];
    T p = param[i];
    if (h.decoupled_weight_decay) p *= decay;
    else if (wd != T(0)) g += wd * p;
    const T m = b1 * exp_avg[i] + (T(1) - b1) * g;
    const T v = b2 * exp_avg_sq[i] + (T(1) - b2) * g * g;
    exp_avg[i] = m;
    exp_avg_sq[i] = v;
    T vmax = v;
    if (h.amsgrad) {
      vmax = max_exp_avg_sq[i] > v ? max_exp_avg_sq[i] : v;
      max_exp_avg_sq[i] = vmax;
    }
    param[i] = p - step_size * m / (std::sqrt(vmax) * inv_sqrt_bc2 + eps);
  }
}

template void sgd_step<float>(float*, float*, const float*, int64_t, const SgdHyper&, bool);
template void sgd_step<double>(double*, double*, const double*, int64_t, const SgdHyper&, bool);
template void adam_step<float>(float*, float*, float*, float*, const float*, int64_t,
                               const AdamHyper&);
template void adam_step<double>(double*, double*, double*, double*, const double*, int64_t,
                                const AdamHyper&);

}  // namespace dlcore::cpu
