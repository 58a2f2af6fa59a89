// _C.cuda conv2d_forward, conv2d_backward_input, conv2d_backward_weight over CUDA arrays
// (__cuda_array_interface__), NCHW, float32 or float64: the checks are conv_args.h's (shared with
// the CPU binding), then the device-memory check, then the launch with the GIL released.
#include <optional>

#include "bind/array_view.h"
#include "bind/bind.h"
#include "bind/conv_args.h"
#include "cuda/cuda_api.h"

namespace dlcore::bind {
namespace {

constexpr Device kCuda = Device::cuda;
using dlcore::cuda::Conv2dGeometry;

Conv2dGeometry geometry(const cpu::ConvShape& p) {
  return {p.n,  p.c,        p.h,        p.w,       p.k,        p.r,     p.s,     p.ho,
          p.wo, p.stride_h, p.stride_w, p.pad_top, p.pad_left, p.dil_h, p.dil_w, p.groups};
}

template <typename T>
T* opt_data(const std::optional<ArrayView>& v) {
  return v ? v->data<T>() : nullptr;
}

const ArrayView* opt(const std::optional<ArrayView>& v) { return v ? &*v : nullptr; }

void conv2d_forward(py::handle y, py::handle x, py::handle w, py::handle bias, py::handle stride,
                    py::handle padding, py::handle dilation, py::handle groups, bool relu) {
  const char* op = "conv2d_forward";
  const Conv2dForwardArgs a =
      conv2d_forward_args(y, x, w, bias, stride, padding, dilation, groups, kCuda, op);
  check_device_memory({{&a.y, "y"}, {&a.x, "x"}, {&a.w, "w"}, {opt(a.bias), "bias"}}, op);
  const Conv2dGeometry g = geometry(a.p);
  py::gil_scoped_release release;
  if (a.x.dtype == DType::f32)
    dlcore::cuda::conv2d_forward(a.y.data<float>(), a.x.data<float>(), a.w.data<float>(),
                                 opt_data<float>(a.bias), g, relu);
  else
    dlcore::cuda::conv2d_forward(a.y.data<double>(), a.x.data<double>(), a.w.data<double>(),
                                 opt_data<double>(a.bias), g, relu);
}

void conv2d_backward_input(py::handle dx, py::handle dy, py::handle w, py::handle stride,
                           py::handle padding, py::handle dilation, py::handle groups) {
  const char* op = "conv2d_backward_input";
  const Conv2dBackwardInputArgs a =
      conv2d_backward_input_args(dx, dy, w, stride, padding, dilation, groups, kCuda, op);
  check_device_memory({{&a.dx, "dx"}, {&a.dy, "dy"}, {&a.w, "w"}}, op);
  const Conv2dGeometry g = geometry(a.p);
  py::gil_scoped_release release;
  if (a.dy.dtype == DType::f32)
    dlcore::cuda::conv2d_backward_input(a.dx.data<float>(), a.dy.data<float>(), a.w.data<float>(),
                                        g);
  else
    dlcore::cuda::conv2d_backward_input(a.dx.data<double>(), a.dy.data<double>(),
                                        a.w.data<double>(), g);
}

void conv2d_backward_weight(py::handle dw, py::handle db, py::handle dy, py::handle x,
                            py::handle stride, py::handle padding, py::handle dilation,
                            py::handle groups) {
  const char* op = "conv2d_backward_weight";
  const Conv2dBackwardWeightArgs a =
      conv2d_backward_weight_args(dw, db, dy, x, stride, padding, dilation, groups, kCuda, op);
  check_device_memory({{&a.dw, "dw"}, {opt(a.db), "db"}, {&a.dy, "dy"}, {&a.x, "x"}}, op);
  const Conv2dGeometry g = geometry(a.p);
  py::gil_scoped_release release;
  if (a.x.dtype == DType::f32)
    dlcore::cuda::conv2d_backward_weight(a.dw.data<float>(), opt_data<float>(a.db),
                                         a.dy.data<float>(), a.x.data<float>(), g);
  else
    dlcore::cuda::conv2d_backward_weight(a.dw.data<double>(), opt_data<double>(a.db),
                                         a.dy.data<double>(), a.x.data<double>(), g);
}

}  // namespace

void bind_cuda_conv(py::module_& cuda) {
  cuda.def("conv2d_forward", &conv2d_forward, py::arg("y"), py::arg("x"), py::arg("w"),
           py::arg("bias"), py::arg("stride"), py::arg("padding"), py::arg("dilation"),
           py::arg("groups"), py::arg("relu") = false,
           "y (N, K, Ho, Wo) = conv2d(x, w) + bias, max(0, .) when relu; NCHW, implicit gemm");
  cuda.def("conv2d_backward_input", &conv2d_backward_input, py::arg("dx"), py::arg("dy"),
           py::arg("w"), py::arg("stride"), py::arg("padding"), py::arg("dilation"),
           py::arg("groups"), "dx (N, C, H, W): the gradient of conv2d with respect to x");
  cuda.def("conv2d_backward_weight", &conv2d_backward_weight, py::arg("dw"), py::arg("db"),
           py::arg("dy"), py::arg("x"), py::arg("stride"), py::arg("padding"), py::arg("dilation"),
           py::arg("groups"),
           "dw (K, C/groups, R, S) and db (K,) (or None): the gradients of conv2d's w and bias");
}

}  // namespace dlcore::bind
