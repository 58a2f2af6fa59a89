// _C.cuda batch_norm_forward / _inference / _backward and gelu_forward / _backward over CUDA
// arrays, float32 or float64: the checks are norm_args.h's (shared with the CPU binding), then
// the device-memory check, then the launch with the GIL released.
#include "bind/array_view.h"
#include "bind/bind.h"
#include "bind/norm_args.h"
#include "cuda/cuda_api.h"

namespace dlcore::bind {
namespace {

constexpr Device kCuda = Device::cuda;

const ArrayView* opt(const std::optional<ArrayView>& v) { return v ? &*v : nullptr; }

template <typename T>
void run_forward(const BatchNormForwardArgs& a, double eps) {
  dlcore::cuda::batch_norm_forward(a.y.data<T>(), a.mean.data<T>(), a.var.data<T>(), a.x.data<T>(),
                                   ptr_or_null<T>(a.weight), ptr_or_null<T>(a.bias), a.d.n, a.d.c,
                                   a.d.l, eps);
}

void batch_norm_forward(py::handle y, py::handle mean, py::handle var, py::handle x,
                        py::handle weight, py::handle bias, double eps) {
  const char* op = "batch_norm_forward";
  const BatchNormForwardArgs a = batch_norm_forward_args(y, mean, var, x, weight, bias, kCuda, op);
  check_device_memory({{&a.y, "y"},
                       {&a.mean, "mean"},
                       {&a.var, "var"},
                       {&a.x, "x"},
                       {opt(a.weight), "weight"},
                       {opt(a.bias), "bias"}},
                      op);
  py::gil_scoped_release release;
  if (a.x.dtype == DType::f32) run_forward<float>(a, eps);
  else run_forward<double>(a, eps);
}

template <typename T>
void run_inference(const BatchNormInferenceArgs& a, double eps) {
  dlcore::cuda::batch_norm_inference(a.y.data<T>(), a.x.data<T>(), a.mean.data<T>(),
                                     a.var.data<T>(), ptr_or_null<T>(a.weight),
                                     ptr_or_null<T>(a.bias), a.d.n, a.d.c, a.d.l, eps);
}

void batch_norm_inference(py::handle y, py::handle x, py::handle mean, py::handle var,
                          py::handle weight, py::handle bias, double eps) {
  const char* op = "batch_norm_inference";
  const BatchNormInferenceArgs a =
      batch_norm_inference_args(y, x, mean, var, weight, bias, kCuda, op);
  check_device_memory({{&a.y, "y"},
                       {&a.x, "x"},
                       {&a.mean, "mean"},
                       {&a.var, "var"},
                       {opt(a.weight), "weight"},
                       {opt(a.bias), "bias"}},
                      op);
  py::gil_scoped_release release;
  if (a.x.dtype == DType::f32) run_inference<float>(a, eps);
  else run_inference<double>(a, eps);
}

template <typename T>
void run_backward(const BatchNormBackwardArgs& a, double eps) {
  dlcore::cuda::batch_norm_backward(a.dx.data<T>(), ptr_or_null<T>(a.dweight),
                                    ptr_or_null<T>(a.dbias), a.dy.data<T>(), a.x.data<T>(),
                                    a.mean.data<T>(), a.var.data<T>(), ptr_or_null<T>(a.weight),
                                    a.d.n, a.d.c, a.d.l, eps);
}

void batch_norm_backward(py::handle dx, py::handle dweight, py::handle dbias, py::handle dy,
                         py::handle x, py::handle mean, py::handle var, py::handle weight,
                         double eps) {
  const char* op = "batch_norm_backward";
  const BatchNormBackwardArgs a =
      batch_norm_backward_args(dx, dweight, dbias, dy, x, mean, var, weight, kCuda, op);
  check_device_memory({{&a.dx, "dx"},
                       {opt(a.dweight), "dweight"},
                       {opt(a.dbias), "dbias"},
                       {&a.dy, "dy"},
                       {&a.x, "x"},
                       {&a.mean, "mean"},
                       {&a.var, "var"},
                       {opt(a.weight), "weight"}},
                      op);
  py::gil_scoped_release release;
  if (a.x.dtype == DType::f32) run_backward<float>(a, eps);
  else run_backward<double>(a, eps);
}

void gelu_forward(py::handle y, py::handle x, bool approximate) {
  const char* op = "gelu_forward";
  const GeluArgs a = gelu_args(y, nullptr, x, kCuda, op, "y");
  check_device_memory({{&a.out, "y"}, {&a.x, "x"}}, op);
  py::gil_scoped_release release;
  if (a.x.dtype == DType::f32)
    dlcore::cuda::gelu_forward(a.out.data<float>(), a.x.data<float>(), a.x.size(), approximate);
  else
    dlcore::cuda::gelu_forward(a.out.data<double>(), a.x.data<double>(), a.x.size(), approximate);
}

void gelu_backward(py::handle dx, py::handle dy, py::handle x, bool approximate) {
  const char* op = "gelu_backward";
  const GeluArgs a = gelu_args(dx, &dy, x, kCuda, op, "dx");
  check_device_memory({{&a.out, "dx"}, {opt(a.dy), "dy"}, {&a.x, "x"}}, op);
  py::gil_scoped_release release;
  if (a.x.dtype == DType::f32)
    dlcore::cuda::gelu_backward(a.out.data<float>(), a.dy->data<float>(), a.x.data<float>(),
                                a.x.size(), approximate);
  else
    dlcore::cuda::gelu_backward(a.out.data<double>(), a.dy->data<double>(), a.x.data<double>(),
                                a.x.size(), approximate);
}

}  // namespace

void bind_cuda_norm(py::module_& cuda) {
  cuda.def("batch_norm_forward", &batch_norm_forward, py::arg("y"), py::arg("mean"), py::arg("var"),
           py::arg("x"), py::arg("weight"), py::arg("bias"), py::arg("eps"),
           "training-mode batch norm: batch mean and biased var per channel, and y");
  cuda.def("batch_norm_inference", &batch_norm_inference, py::arg("y"), py::arg("x"),
           py::arg("mean"), py::arg("var"), py::arg("weight"), py::arg("bias"), py::arg("eps"),
           "eval-mode batch norm with the given (running) statistics");
  cuda.def("batch_norm_backward", &batch_norm_backward, py::arg("dx"), py::arg("dweight"),
           py::arg("dbias"), py::arg("dy"), py::arg("x"), py::arg("mean"), py::arg("var"),
           py::arg("weight"), py::arg("eps"), "training-mode batch norm gradient");
  cuda.def("gelu_forward", &gelu_forward, py::arg("y"), py::arg("x"), py::arg("approximate"),
           "GELU: x * Phi(x) (erf), or torch's tanh form when approximate");
  cuda.def("gelu_backward", &gelu_backward, py::arg("dx"), py::arg("dy"), py::arg("x"),
           py::arg("approximate"), "the gradient of GELU");
}

}  // namespace dlcore::bind
