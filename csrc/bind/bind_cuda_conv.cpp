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

void conv2d_forward(py::handle y_obj, py::handle x_obj, py::handle w_obj, py::handle bias_obj,
                    py::handle stride, py::handle padding, py::handle dilation,
                    py::handle groups_obj, bool relu) {
  const char* op = "conv2d_forward";
  const ArrayView y = view(y_obj, kCuda, op, "y"), x = view(x_obj, kCuda, op, "x"),
                  w = view(w_obj, kCuda, op, "w");
  const DType dt = check_float(x, op, "x");
  conv_array(x, x, op, "x", "x", false);
  conv_array(w, x, op, "w", "x", false);
  conv_array(y, x, op, "y", "x", true);
  const std::optional<ArrayView> bias =
      conv_vector(bias_obj, x, w.shape[0], kCuda, op, "bias", false);
  const int64_t groups = conv_groups(groups_obj, op);
  const cpu::ConvShape p = conv_shape(x.shape[0], x.shape[1], x.shape[2], x.shape[3], w, stride,
                                      padding, dilation, groups, op, "x");
  conv_expect_shape(y, {p.n, p.k, p.ho, p.wo}, op, "y", " (N, K, Ho, Wo)");
  conv_no_overlap(y, {&x, &w, bias ? &*bias : nullptr}, op, "y");
  check_device_memory({{&y, "y"}, {&x, "x"}, {&w, "w"}, {bias ? &*bias : nullptr, "bias"}}, op);
  const Conv2dGeometry g = geometry(p);
  py::gil_scoped_release release;
  if (dt == DType::f32)
    dlcore::cuda::conv2d_forward(y.data<float>(), x.data<float>(), w.data<float>(),
                                 opt_data<float>(bias), g, relu);
  else
    dlcore::cuda::conv2d_forward(y.data<double>(), x.data<double>(), w.data<double>(),
                                 opt_data<double>(bias), g, relu);
}

void conv2d_backward_input(py::handle dx_obj, py::handle dy_obj, py::handle w_obj,
                           py::handle stride, py::handle padding, py::handle dilation,
                           py::handle groups_obj) {
  const char* op = "conv2d_backward_input";
  const ArrayView dx = view(dx_obj, kCuda, op, "dx"), dy = view(dy_obj, kCuda, op, "dy"),
                  w = view(w_obj, kCuda, op, "w");
  const DType dt = check_float(dy, op, "dy");
  conv_array(dy, dy, op, "dy", "dy", false);
  conv_array(w, dy, op, "w", "dy", false);
  conv_array(dx, dy, op, "dx", "dy", true);
  const int64_t groups = conv_groups(groups_obj, op);
  const cpu::ConvShape p = conv_shape(dx.shape[0], dx.shape[1], dx.shape[2], dx.shape[3], w, stride,
                                      padding, dilation, groups, op, "dx");
  conv_expect_shape(dy, {p.n, p.k, p.ho, p.wo}, op, "dy", " (N, K, Ho, Wo)");
  conv_no_overlap(dx, {&dy, &w}, op, "dx");
  check_device_memory({{&dx, "dx"}, {&dy, "dy"}, {&w, "w"}}, op);
  const Conv2dGeometry g = geometry(p);
  py::gil_scoped_release release;
  if (dt == DType::f32)
    dlcore::cuda::conv2d_backward_input(dx.data<float>(), dy.data<float>(), w.data<float>(), g);
  else
    dlcore::cuda::conv2d_backward_input(dx.data<double>(), dy.data<double>(), w.data<double>(), g);
}

void conv2d_backward_weight(py::handle dw_obj, py::handle db_obj, py::handle dy_obj,
                            py::handle x_obj, py::handle stride, py::handle padding,
                            py::handle dilation, py::handle groups_obj) {
  const char* op = "conv2d_backward_weight";
  const ArrayView dw = view(dw_obj, kCuda, op, "dw");
  const ArrayView dy = view(dy_obj, kCuda, op, "dy"), x = view(x_obj, kCuda, op, "x");
  const DType dt = check_float(x, op, "x");
  conv_array(x, x, op, "x", "x", false);
  conv_array(dy, x, op, "dy", "x", false);
  conv_array(dw, x, op, "dw", "x", true);
  const std::optional<ArrayView> db = conv_vector(db_obj, x, dw.shape[0], kCuda, op, "db", true);
  const int64_t groups = conv_groups(groups_obj, op);
  const cpu::ConvShape p = conv_shape(x.shape[0], x.shape[1], x.shape[2], x.shape[3], dw, stride,
                                      padding, dilation, groups, op, "x");
  conv_expect_shape(dy, {p.n, p.k, p.ho, p.wo}, op, "dy", " (N, K, Ho, Wo)");
  conv_no_overlap(dw, {&dy, &x, db ? &*db : nullptr}, op, "dw");
  if (db) conv_no_overlap(*db, {&dy, &x}, op, "db");
  check_device_memory({{&dw, "dw"}, {db ? &*db : nullptr, "db"}, {&dy, "dy"}, {&x, "x"}}, op);
  const Conv2dGeometry g = geometry(p);
  py::gil_scoped_release release;
  if (dt == DType::f32)
    dlcore::cuda::conv2d_backward_weight(dw.data<float>(), opt_data<float>(db), dy.data<float>(),
                                         x.data<float>(), g);
  else
    dlcore::cuda::conv2d_backward_weight(dw.data<double>(), opt_data<double>(db), dy.data<double>(),
                                         x.data<double>(), g);
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
