// _C.cpu batch_norm_forward/inference/backward and gelu_forward/backward over numpy arrays
// (contracts in docs/kernels.md; checks in norm_args.h), float32 or float64.
#include "bind/array_view.h"
#include "bind/bind.h"
#include "bind/norm_args.h"
#include "cpu/activation.h"
#include "cpu/batch_norm.h"

namespace dlcore::bind {
namespace {

constexpr Device kCpu = Device::cpu;

template <typename T>
void run_forward(const BatchNormForwardArgs& a, double eps) {
  cpu::batch_norm_forward<T>(a.y.data<T>(), a.mean.data<T>(), a.var.data<T>(), a.x.data<T>(),
                             ptr_or_null<T>(a.weight), ptr_or_null<T>(a.bias), eps, a.d.n, a.d.c,
                             a.d.l);
}

void batch_norm_forward(py::handle y, py::handle mean, py::handle var, py::handle x,
                        py::handle weight, py::handle bias, double eps) {
  const BatchNormForwardArgs a =
      batch_norm_forward_args(y, mean, var, x, weight, bias, kCpu, "batch_norm_forward");
  py::gil_scoped_release release;
  if (a.x.dtype == DType::f32) run_forward<float>(a, eps);
  else run_forward<double>(a, eps);
}

template <typename T>
void run_inference(const BatchNormInferenceArgs& a, double eps) {
  cpu::batch_norm_inference<T>(a.y.data<T>(), a.x.data<T>(), a.mean.data<T>(), a.var.data<T>(),
                               ptr_or_null<T>(a.weight), ptr_or_null<T>(a.bias), eps, a.d.n, a.d.c,
                               a.d.l);
}

void batch_norm_inference(py::handle y, py::handle x, py::handle mean, py::handle var,
                          py::handle weight, py::handle bias, double eps) {
  const BatchNormInferenceArgs a =
      batch_norm_inference_args(y, x, mean, var, weight, bias, kCpu, "batch_norm_inference");
  py::gil_scoped_release release;
  if (a.x.dtype == DType::f32) run_inference<float>(a, eps);
  else run_inference<double>(a, eps);
}

template <typename T>
void run_backward(const BatchNormBackwardArgs& a, double eps) {
  cpu::batch_norm_backward<T>(a.dx.data<T>(), ptr_or_null<T>(a.dweight), ptr_or_null<T>(a.dbias),
                              a.dy.data<T>(), a.x.data<T>(), a.mean.data<T>(), a.var.data<T>(),
                              ptr_or_null<T>(a.weight), eps, a.d.n, a.d.c, a.d.l);
}

void batch_norm_backward(py::handle dx, py::handle dweight, py::handle dbias, py::handle dy,
                         py::handle x, py::handle mean, py::handle var, py::handle weight,
                         double eps) {
  const BatchNormBackwardArgs a = batch_norm_backward_args(dx, dweight, dbias, dy, x, mean, var,
                                                           weight, kCpu, "batch_norm_backward");
  py::gil_scoped_release release;
  if (a.x.dtype == DType::f32) run_backward<float>(a, eps);
  else run_backward<double>(a, eps);
}

void gelu_forward(py::handle y, py::handle x, bool approximate) {
  const GeluArgs a = gelu_args(y, nullptr, x, kCpu, "gelu_forward", "y");
  py::gil_scoped_release release;
  if (a.x.dtype == DType::f32)
    cpu::gelu_forward<float>(a.out.data<float>(), a.x.data<float>(), a.x.size(), approximate);
  else cpu::gelu_forward<double>(a.out.data<double>(), a.x.data<double>(), a.x.size(), approximate);
}

void gelu_backward(py::handle dx, py::handle dy, py::handle x, bool approximate) {
  const GeluArgs a = gelu_args(dx, &dy, x, kCpu, "gelu_backward", "dx");
  py::gil_scoped_release release;
  if (a.x.dtype == DType::f32)
    cpu::gelu_backward<float>(a.out.data<float>(), a.dy->data<float>(), a.x.data<float>(),
                              a.x.size(), approximate);
  else
    cpu::gelu_backward<double>(a.out.data<double>(), a.dy->data<double>(), a.x.data<double>(),
                               a.x.size(), approximate);
}

}  // namespace

void bind_norm(py::module_& cpu) {
  cpu.def("batch_norm_forward", &batch_norm_forward, py::arg("y"), py::arg("mean"), py::arg("var"),
          py::arg("x"), py::arg("weight"), py::arg("bias"), py::arg("eps"),
          "training mode: batch mean and biased var per channel of x (N, C, *) into mean, var "
          "(C,); y = (x - mean) / sqrt(var + eps) * weight + bias");
  cpu.def("batch_norm_inference", &batch_norm_inference, py::arg("y"), py::arg("x"),
          py::arg("mean"), py::arg("var"), py::arg("weight"), py::arg("bias"), py::arg("eps"),
          "eval mode: y = (x - mean) / sqrt(var + eps) * weight + bias, given statistics");
  cpu.def("batch_norm_backward", &batch_norm_backward, py::arg("dx"), py::arg("dweight"),
          py::arg("dbias"), py::arg("dy"), py::arg("x"), py::arg("mean"), py::arg("var"),
          py::arg("weight"), py::arg("eps"),
          "training-mode gradient; dweight/dbias None when not wanted, weight None means 1");
  cpu.def("gelu_forward", &gelu_forward, py::arg("y"), py::arg("x"), py::arg("approximate"),
          "y = x * Phi(x) (erf), or torch's tanh form when approximate");
  cpu.def("gelu_backward", &gelu_backward, py::arg("dx"), py::arg("dy"), py::arg("x"),
          py::arg("approximate"), "dx = dy * gelu'(x)");
}

}  // namespace dlcore::bind
