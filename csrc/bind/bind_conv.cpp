// _C.cpu conv2d_forward / conv2d_backward_input / conv2d_backward_weight over numpy arrays
// (NCHW, C-contiguous, float32 or float64; the contract is in docs/kernels.md, the checks in
// conv_args.h).
#include <string>

#include "bind/array_view.h"
#include "bind/bind.h"
#include "bind/conv_args.h"
#include "cpu/conv.h"
#include "cpu/conv_direct.h"
#include "cpu/conv_winograd.h"

namespace dlcore::bind {
namespace {

constexpr Device kCpu = Device::cpu;

template <typename T>
T* opt_data(const std::optional<ArrayView>& v) {
  return v ? v->data<T>() : nullptr;
}

void conv2d_forward(py::handle y, py::handle x, py::handle w, py::handle bias, py::handle stride,
                    py::handle padding, py::handle dilation, py::handle groups, bool relu) {
  const Conv2dForwardArgs a =
      conv2d_forward_args(y, x, w, bias, stride, padding, dilation, groups, kCpu, "conv2d_forward");
  if (a.y.size() == 0) return;
  py::gil_scoped_release release;
  if (a.x.dtype == DType::f32)
    cpu::conv2d_forward<float>(a.y.data<float>(), a.x.data<float>(), a.w.data<float>(),
                               opt_data<float>(a.bias), a.p, relu);
  else
    cpu::conv2d_forward<double>(a.y.data<double>(), a.x.data<double>(), a.w.data<double>(),
                                opt_data<double>(a.bias), a.p, relu);
}

void conv2d_backward_input(py::handle dx, py::handle dy, py::handle w, py::handle stride,
                           py::handle padding, py::handle dilation, py::handle groups) {
  const Conv2dBackwardInputArgs a = conv2d_backward_input_args(
      dx, dy, w, stride, padding, dilation, groups, kCpu, "conv2d_backward_input");
  if (a.dx.size() == 0) return;
  py::gil_scoped_release release;
  if (a.dy.dtype == DType::f32)
    cpu::conv2d_backward_input<float>(a.dx.data<float>(), a.dy.data<float>(), a.w.data<float>(),
                                      a.p);
  else
    cpu::conv2d_backward_input<double>(a.dx.data<double>(), a.dy.data<double>(), a.w.data<double>(),
                                       a.p);
}

void conv2d_backward_weight(py::handle dw, py::handle db, py::handle dy, py::handle x,
                            py::handle stride, py::handle padding, py::handle dilation,
                            py::handle groups) {
  const Conv2dBackwardWeightArgs a = conv2d_backward_weight_args(
      dw, db, dy, x, stride, padding, dilation, groups, kCpu, "conv2d_backward_weight");
  py::gil_scoped_release release;
  if (a.x.dtype == DType::f32)
    cpu::conv2d_backward_weight<float>(a.dw.data<float>(), opt_data<float>(a.db),
                                       a.dy.data<float>(), a.x.data<float>(), a.p);
  else
    cpu::conv2d_backward_weight<double>(a.dw.data<double>(), opt_data<double>(a.db),
                                        a.dy.data<double>(), a.x.data<double>(), a.p);
}

}  // namespace

void bind_conv(py::module_& cpu) {
  cpu.def("conv2d_forward", &conv2d_forward, py::arg("y"), py::arg("x"), py::arg("w"),
          py::arg("bias"), py::arg("stride"), py::arg("padding"), py::arg("dilation"),
          py::arg("groups"), py::arg("relu") = false,
          "y (N, K, Ho, Wo) = conv2d(x (N, C, H, W), w (K, C/groups, R, S)) + bias; "
          "relu: max(0, .). padding is (top, bottom, left, right)");
  cpu.def("conv2d_backward_input", &conv2d_backward_input, py::arg("dx"), py::arg("dy"),
          py::arg("w"), py::arg("stride"), py::arg("padding"), py::arg("dilation"),
          py::arg("groups"), "dx (N, C, H, W) = the gradient of conv2d with respect to x");
  cpu.def("conv2d_backward_weight", &conv2d_backward_weight, py::arg("dw"), py::arg("db"),
          py::arg("dy"), py::arg("x"), py::arg("stride"), py::arg("padding"), py::arg("dilation"),
          py::arg("groups"),
          "dw (K, C/groups, R, S) = the gradient with respect to w; db (K,) = sum of dy over "
          "N, Ho, Wo, or None");
}

// A path mode: None reads it; -1 automatic, 0 never, 1 wherever the path can run.
template <void (*Set)(int), int (*Get)()>
int path_mode(py::object mode, const char* op) {
  if (!mode.is_none()) {
    const int m = mode.cast<int>();
    if (m < -1 || m > 1) fail(op, "mode must be -1, 0 or 1, got " + std::to_string(m));
    Set(m);
  }
  return Get();
}

void bind_conv_instruments(py::module_& instruments) {
  instruments.def(
      "conv_direct_mode",
      [](py::object mode) {
        return path_mode<cpu::set_conv_direct_mode, cpu::conv_direct_mode>(mode,
                                                                           "conv_direct_mode");
      },
      py::arg("mode") = py::none(),
      "the float32 direct conv path: -1 automatic, 0 never, 1 wherever it can run; sets it "
      "when given, returns the mode in force");
  instruments.def(
      "conv_winograd_mode",
      [](py::object mode) {
        return path_mode<cpu::set_conv_winograd_mode, cpu::conv_winograd_mode>(
            mode, "conv_winograd_mode");
      },
      py::arg("mode") = py::none(),
      "the float32 Winograd F(2x2, 3x3) path (forward, backward_input): -1 automatic, 0 never, "
      "1 wherever it can run; sets it when given, returns the mode in force");
}

}  // namespace dlcore::bind
