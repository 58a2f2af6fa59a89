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
const T* opt_data(const std::optional<ArrayView>& v) {
  return v ? v->data<T>() : nullptr;
}

template <typename T>
T* opt_data_mut(const std::optional<ArrayView>& v) {
  return v ? v->data<T>() : nullptr;
}

void conv2d_forward(py::handle y_obj, py::handle x_obj, py::handle w_obj, py::handle bias_obj,
                    py::handle stride, py::handle padding, py::handle dilation,
                    py::handle groups_obj, bool relu) {
  const char* op = "conv2d_forward";
  const ArrayView y = view(y_obj, kCpu, op, "y"), x = view(x_obj, kCpu, op, "x"),
                  w = view(w_obj, kCpu, op, "w");
  const DType dt = check_float(x, op, "x");
  conv_array(x, x, op, "x", "x", false);
  conv_array(w, x, op, "w", "x", false);
  conv_array(y, x, op, "y", "x", true);
  const std::optional<ArrayView> bias =
      conv_vector(bias_obj, x, w.shape[0], kCpu, op, "bias", false);
  const int64_t groups = conv_groups(groups_obj, op);
  const cpu::ConvShape p = conv_shape(x.shape[0], x.shape[1], x.shape[2], x.shape[3], w, stride,
                                      padding, dilation, groups, op, "x");
  conv_expect_shape(y, {p.n, p.k, p.ho, p.wo}, op, "y", " (N, K, Ho, Wo)");
  conv_no_overlap(y, {&x, &w, bias ? &*bias : nullptr}, op, "y");
  if (y.size() == 0) return;
  py::gil_scoped_release release;
  if (dt == DType::f32)
    cpu::conv2d_forward<float>(y.data<float>(), x.data<float>(), w.data<float>(),
                               opt_data<float>(bias), p, relu);
  else
    cpu::conv2d_forward<double>(y.data<double>(), x.data<double>(), w.data<double>(),
                                opt_data<double>(bias), p, relu);
}

void conv2d_backward_input(py::handle dx_obj, py::handle dy_obj, py::handle w_obj,
                           py::handle stride, py::handle padding, py::handle dilation,
                           py::handle groups_obj) {
  const char* op = "conv2d_backward_input";
  const ArrayView dx = view(dx_obj, kCpu, op, "dx"), dy = view(dy_obj, kCpu, op, "dy"),
                  w = view(w_obj, kCpu, op, "w");
  const DType dt = check_float(dy, op, "dy");
  conv_array(dy, dy, op, "dy", "dy", false);
  conv_array(w, dy, op, "w", "dy", false);
  conv_array(dx, dy, op, "dx", "dy", true);
  const int64_t groups = conv_groups(groups_obj, op);
  const cpu::ConvShape p = conv_shape(dx.shape[0], dx.shape[1], dx.shape[2], dx.shape[3], w, stride,
                                      padding, dilation, groups, op, "dx");
  conv_expect_shape(dy, {p.n, p.k, p.ho, p.wo}, op, "dy", " (N, K, Ho, Wo)");
  conv_no_overlap(dx, {&dy, &w}, op, "dx");
  if (dx.size() == 0) return;
  py::gil_scoped_release release;
  if (dt == DType::f32)
    cpu::conv2d_backward_input<float>(dx.data<float>(), dy.data<float>(), w.data<float>(), p);
  else
    cpu::conv2d_backward_input<double>(dx.data<double>(), dy.data<double>(), w.data<double>(), p);
}

void conv2d_backward_weight(py::handle dw_obj, py::handle db_obj, py::handle dy_obj,
                            py::handle x_obj, py::handle stride, py::handle padding,
                            py::handle dilation, py::handle groups_obj) {
  const char* op = "conv2d_backward_weight";
  const ArrayView dw = view(dw_obj, kCpu, op, "dw");
  const ArrayView dy = view(dy_obj, kCpu, op, "dy"), x = view(x_obj, kCpu, op, "x");
  const DType dt = check_float(x, op, "x");
  conv_array(x, x, op, "x", "x", false);
  conv_array(dy, x, op, "dy", "x", false);
  conv_array(dw, x, op, "dw", "x", true);
  const std::optional<ArrayView> db = conv_vector(db_obj, x, dw.shape[0], kCpu, op, "db", true);
  const int64_t groups = conv_groups(groups_obj, op);
  const cpu::ConvShape p = conv_shape(x.shape[0], x.shape[1], x.shape[2], x.shape[3], dw, stride,
                                      padding, dilation, groups, op, "x");
  conv_expect_shape(dy, {p.n, p.k, p.ho, p.wo}, op, "dy", " (N, K, Ho, Wo)");
  conv_no_overlap(dw, {&dy, &x, db ? &*db : nullptr}, op, "dw");
  if (db) conv_no_overlap(*db, {&dy, &x}, op, "db");
  py::gil_scoped_release release;
  if (dt == DType::f32)
    cpu::conv2d_backward_weight<float>(dw.data<float>(), opt_data_mut<float>(db), dy.data<float>(),
                                       x.data<float>(), p);
  else
    cpu::conv2d_backward_weight<double>(dw.data<double>(), opt_data_mut<double>(db),
                                        dy.data<double>(), x.data<double>(), p);
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
