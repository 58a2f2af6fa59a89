// _C.cpu sgd_step, adam_step, adagrad_step, rmsprop_step: fused updates over one flat buffer
// of numpy float32/float64 arrays, in place (signatures in docs/kernels.md).
#include <string>

#include "bind/array_view.h"
#include "bind/bind.h"
#include "bind/optim_args.h"
#include "cpu/optim.h"

namespace dlcore::bind {
namespace {

constexpr Device kCpu = Device::cpu;

void sgd_step(py::handle param, py::handle grad, py::handle momentum_buf, double lr,
              double momentum, double dampening, double weight_decay, bool nesterov, bool maximize,
              bool first_step) {
  const SgdArgs a = sgd_args(param, grad, momentum_buf, lr, momentum, dampening, weight_decay,
                             nesterov, maximize, kCpu, "sgd_step");
  const int64_t n = a.param.size();
  py::gil_scoped_release release;
  if (a.param.dtype == DType::f32)
    cpu::sgd_step<float>(a.param.data<float>(), ptr_or_null<float>(a.momentum_buf),
                         a.grad.data<float>(), n, a.h, first_step);
  else
    cpu::sgd_step<double>(a.param.data<double>(), ptr_or_null<double>(a.momentum_buf),
                          a.grad.data<double>(), n, a.h, first_step);
}

template <typename T>
void adam_typed(const AdamArgs& a) {
  const int64_t n = a.param.size();
  py::gil_scoped_release release;
  cpu::adam_step<T>(a.param.data<T>(), a.exp_avg.data<T>(), a.exp_avg_sq.data<T>(),
                    ptr_or_null<T>(a.max_exp_avg_sq), a.grad.data<T>(), n, a.h);
}

void adam_step(py::handle param, py::handle grad, py::handle exp_avg, py::handle exp_avg_sq,
               py::handle max_exp_avg_sq, int64_t step, double lr, double beta1, double beta2,
               double eps, double weight_decay, bool decoupled_weight_decay, bool amsgrad,
               bool maximize, double lr_divisor) {
  const AdamArgs a = adam_args(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1,
                               beta2, eps, weight_decay, decoupled_weight_decay, amsgrad, maximize,
                               lr_divisor, kCpu, "adam_step");
  if (a.param.dtype == DType::f32) adam_typed<float>(a);
  else adam_typed<double>(a);
}

template <typename T>
void adagrad_typed(const ArrayView& param, const ArrayView& grad, const ArrayView& sum,
                   const cpu::AdagradHyper& h) {
  py::gil_scoped_release release;
  cpu::adagrad_step<T>(param.data<T>(), sum.data<T>(), grad.data<T>(), param.size(), h);
}

void adagrad_step(py::handle param_obj, py::handle grad_obj, py::handle sum_obj, int64_t step,
                  double lr, double lr_decay, double weight_decay, double eps, bool maximize) {
  const char* op = "adagrad_step";
  const ArrayView param = view(param_obj, kCpu, op, "param"),
                  grad = view(grad_obj, kCpu, op, "grad");
  const ArrayView sum = view(sum_obj, kCpu, op, "state_sum");
  check_param_grad(param, grad, op);
  check_state(param, sum, op, "state_sum");
  if (step < 1) fail(op, "step must be >= 1, got " + std::to_string(step));
  const cpu::AdagradHyper h{lr, lr_decay, weight_decay, eps, maximize, step};
  if (param.dtype == DType::f32) adagrad_typed<float>(param, grad, sum, h);
  else adagrad_typed<double>(param, grad, sum, h);
}

template <typename T>
void rmsprop_typed(const ArrayView& param, const ArrayView& grad, const ArrayView& sq,
                   const std::optional<ArrayView>& ga, const std::optional<ArrayView>& mb,
                   const cpu::RmspropHyper& h) {
  py::gil_scoped_release release;
  cpu::rmsprop_step<T>(param.data<T>(), sq.data<T>(), ptr_or_null<T>(ga), ptr_or_null<T>(mb),
                       grad.data<T>(), param.size(), h);
}

void rmsprop_step(py::handle param_obj, py::handle grad_obj, py::handle square_avg_obj,
                  py::handle grad_avg, py::handle momentum_buf, double lr, double alpha, double eps,
                  double weight_decay, double momentum, bool centered, bool maximize) {
  const char* op = "rmsprop_step";
  const ArrayView param = view(param_obj, kCpu, op, "param"),
                  grad = view(grad_obj, kCpu, op, "grad");
  const ArrayView sq = view(square_avg_obj, kCpu, op, "square_avg");
  check_param_grad(param, grad, op);
  check_state(param, sq, op, "square_avg");
  const auto ga = optional_state(param, grad_avg, centered, "centered=True", kCpu, op, "grad_avg");
  const auto mb =
      optional_state(param, momentum_buf, momentum > 0.0, "momentum > 0", kCpu, op, "momentum_buf");
  const cpu::RmspropHyper h{lr, alpha, eps, weight_decay, momentum, centered, maximize};
  if (param.dtype == DType::f32) rmsprop_typed<float>(param, grad, sq, ga, mb, h);
  else rmsprop_typed<double>(param, grad, sq, ga, mb, h);
}

}  // namespace

void bind_optim(py::module_& cpu) {
  cpu.def("sgd_step", &sgd_step, py::arg("param"), py::arg("grad"), py::arg("momentum_buf"),
          py::arg("lr"), py::arg("momentum") = 0.0, py::arg("dampening") = 0.0,
          py::arg("weight_decay") = 0.0, py::arg("nesterov") = false, py::arg("maximize") = false,
          py::arg("first_step") = false, "Fused SGD over one flat buffer, in place");
  cpu.def("adam_step", &adam_step, py::arg("param"), py::arg("grad"), py::arg("exp_avg"),
          py::arg("exp_avg_sq"), py::arg("max_exp_avg_sq"), py::arg("step"), py::arg("lr"),
          py::arg("beta1"), py::arg("beta2"), py::arg("eps"), py::arg("weight_decay") = 0.0,
          py::arg("decoupled_weight_decay") = false, py::arg("amsgrad") = false,
          py::arg("maximize") = false, py::arg("lr_divisor") = 1.0,
          "Fused Adam/AdamW (Eve via lr_divisor) over one flat buffer, in place");
  cpu.def("adagrad_step", &adagrad_step, py::arg("param"), py::arg("grad"), py::arg("state_sum"),
          py::arg("step"), py::arg("lr"), py::arg("lr_decay") = 0.0, py::arg("weight_decay") = 0.0,
          py::arg("eps") = 1e-10, py::arg("maximize") = false,
          "Fused Adagrad over one flat buffer, in place");
  cpu.def("rmsprop_step", &rmsprop_step, py::arg("param"), py::arg("grad"), py::arg("square_avg"),
          py::arg("grad_avg"), py::arg("momentum_buf"), py::arg("lr"), py::arg("alpha") = 0.99,
          py::arg("eps") = 1e-8, py::arg("weight_decay") = 0.0, py::arg("momentum") = 0.0,
          py::arg("centered") = false, py::arg("maximize") = false,
          "Fused RMSprop (centered, momentum) over one flat buffer, in place");
}

}  // namespace dlcore::bind
