// _C.cuda sgd_step and adam_step: the fused CUDA updates over float32 arrays given through
// __cuda_array_interface__ (CuPy, torch, ...), same signatures and checks as _C.cpu; sizes come
// from the arrays, every pointer is checked to be device memory before a launch.
#include <string>

#include "bind/array_view.h"
#include "bind/bind.h"
#include "bind/optim_args.h"
#include "cuda/cuda_api.h"

namespace dlcore::bind {
namespace {

constexpr Device kCuda = Device::cuda;

void check_f32(const ArrayView& param, const char* op) {
  if (param.dtype != DType::f32)
    fail_type(op, "the CUDA kernel takes float32 arrays, got param " + param.dtype_name());
}

void sgd_step(py::handle param, py::handle grad, py::handle momentum_buf, double lr,
              double momentum, double dampening, double weight_decay, bool nesterov, bool maximize,
              bool first_step) {
  const char* op = "sgd_step";
  const SgdArgs a = sgd_args(param, grad, momentum_buf, lr, momentum, dampening, weight_decay,
                             nesterov, maximize, kCuda, op);
  check_f32(a.param, op);
  check_device_memory(a.param, op, "param");
  check_device_memory(a.grad, op, "grad");
  if (a.momentum_buf) check_device_memory(*a.momentum_buf, op, "momentum_buf");
  const int64_t n = a.param.size();
  py::gil_scoped_release release;
  dlcore::cuda::sgd_step(a.param.data<float>(), ptr_or_null<float>(a.momentum_buf),
                         a.grad.data<float>(), n, a.h, first_step);
}

void adam_step(py::handle param, py::handle grad, py::handle exp_avg, py::handle exp_avg_sq,
               py::handle max_exp_avg_sq, int64_t step, double lr, double beta1, double beta2,
               double eps, double weight_decay, bool decoupled_weight_decay, bool amsgrad,
               bool maximize, double lr_divisor) {
  const char* op = "adam_step";
  const AdamArgs a =
      adam_args(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps,
                weight_decay, decoupled_weight_decay, amsgrad, maximize, lr_divisor, kCuda, op);
  check_f32(a.param, op);
  check_device_memory(a.param, op, "param");
  check_device_memory(a.grad, op, "grad");
  check_device_memory(a.exp_avg, op, "exp_avg");
  check_device_memory(a.exp_avg_sq, op, "exp_avg_sq");
  if (a.max_exp_avg_sq) check_device_memory(*a.max_exp_avg_sq, op, "max_exp_avg_sq");
  const int64_t n = a.param.size();
  py::gil_scoped_release release;
  dlcore::cuda::adam_step(a.param.data<float>(), a.exp_avg.data<float>(),
                          a.exp_avg_sq.data<float>(), ptr_or_null<float>(a.max_exp_avg_sq),
                          a.grad.data<float>(), n, a.h);
}

}  // namespace

void bind_cuda_optim(py::module_& cuda) {
  cuda.def("sgd_step", &sgd_step, py::arg("param"), py::arg("grad"), py::arg("momentum_buf"),
           py::arg("lr"), py::arg("momentum") = 0.0, py::arg("dampening") = 0.0,
           py::arg("weight_decay") = 0.0, py::arg("nesterov") = false, py::arg("maximize") = false,
           py::arg("first_step") = false, "Fused SGD over float32 CUDA arrays, in place");
  cuda.def("adam_step", &adam_step, py::arg("param"), py::arg("grad"), py::arg("exp_avg"),
           py::arg("exp_avg_sq"), py::arg("max_exp_avg_sq"), py::arg("step"), py::arg("lr"),
           py::arg("beta1"), py::arg("beta2"), py::arg("eps"), py::arg("weight_decay") = 0.0,
           py::arg("decoupled_weight_decay") = false, py::arg("amsgrad") = false,
           py::arg("maximize") = false, py::arg("lr_divisor") = 1.0,
           "Fused Adam/AdamW/AMSGrad (Eve via lr_divisor) over float32 CUDA arrays, in place");
}

}  // namespace dlcore::bind
