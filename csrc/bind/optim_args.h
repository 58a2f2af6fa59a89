// Argument checks of the fused optimizer steps, shared by the CPU (bind_optim.cpp) and CUDA
// (bind_cuda_optim.cpp) bindings: param is a float array, C-contiguous and writeable; grad and
// every state buffer have its dtype and size (state buffers writeable too); an optional buffer
// is None unless its mode needs it. The *Args structs hold the checked views.
#pragma once
#include <optional>
#include <string>

#include "bind/array_view.h"
#include "cpu/optim.h"

namespace dlcore::bind {

inline void check_param_grad(const ArrayView& param, const ArrayView& grad, const char* op) {
  check_float(param, op, "param");
  check_contiguous(param, op, "param");
  check_writeable(param, op, "param");
  check_same_dtype(param, grad, op, "param", "grad");
  check_contiguous(grad, op, "grad");
  check_size(grad, param.size(), op, "grad");
}

inline void check_state(const ArrayView& param, const ArrayView& buf, const char* op,
                        const char* name) {
  check_same_dtype(param, buf, op, "param", name);
  check_contiguous(buf, op, name);
  check_writeable(buf, op, name);
  check_size(buf, param.size(), op, name);
}

// An optional state buffer: required when `needed` (ValueError naming `why` otherwise);
// ignored (nullopt) when not needed.
inline std::optional<ArrayView> optional_state(const ArrayView& param, py::handle obj, bool needed,
                                               const char* why, Device dev, const char* op,
                                               const char* name) {
  if (!needed) return std::nullopt;
  if (obj.is_none()) fail(op, std::string(why) + " needs " + name);
  ArrayView v = view(obj, dev, op, name);
  check_state(param, v, op, name);
  return v;
}

template <typename T>
T* ptr_or_null(const std::optional<ArrayView>& v) {
  return v ? v->data<T>() : nullptr;
}

struct SgdArgs {
  ArrayView param, grad;
  std::optional<ArrayView> momentum_buf;
  cpu::SgdHyper h;
};

inline SgdArgs sgd_args(py::handle param, py::handle grad, py::handle momentum_buf, double lr,
                        double momentum, double dampening, double weight_decay, bool nesterov,
                        bool maximize, Device dev, const char* op) {
  SgdArgs a{view(param, dev, op, "param"), view(grad, dev, op, "grad"), std::nullopt,
            cpu::SgdHyper{lr, momentum, dampening, weight_decay, nesterov, maximize}};
  check_param_grad(a.param, a.grad, op);
  a.momentum_buf = optional_state(a.param, momentum_buf, momentum != 0.0, "momentum != 0", dev, op,
                                  "momentum_buf");
  return a;
}

struct AdamArgs {
  ArrayView param, grad, exp_avg, exp_avg_sq;
  std::optional<ArrayView> max_exp_avg_sq;
  cpu::AdamHyper h;
};

inline AdamArgs adam_args(py::handle param, py::handle grad, py::handle exp_avg,
                          py::handle exp_avg_sq, py::handle max_exp_avg_sq, int64_t step, double lr,
                          double beta1, double beta2, double eps, double weight_decay,
                          bool decoupled_weight_decay, bool amsgrad, bool maximize,
                          double lr_divisor, Device dev, const char* op) {
  AdamArgs a{view(param, dev, op, "param"),
             view(grad, dev, op, "grad"),
             view(exp_avg, dev, op, "exp_avg"),
             view(exp_avg_sq, dev, op, "exp_avg_sq"),
             std::nullopt,
             cpu::AdamHyper{lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay, amsgrad,
                            maximize, step, lr_divisor}};
  check_param_grad(a.param, a.grad, op);
  check_state(a.param, a.exp_avg, op, "exp_avg");
  check_state(a.param, a.exp_avg_sq, op, "exp_avg_sq");
  a.max_exp_avg_sq =
      optional_state(a.param, max_exp_avg_sq, amsgrad, "amsgrad", dev, op, "max_exp_avg_sq");
  if (step < 1) fail(op, "step must be >= 1, got " + std::to_string(step));
  if (!(lr_divisor > 0.0)) fail(op, "lr_divisor must be > 0");
  return a;
}

}  // namespace dlcore::bind
