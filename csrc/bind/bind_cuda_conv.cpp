// _C.cuda conv2d_forward, conv2d_backward_input, conv2d_backward_weight over CUDA arrays
// (__cuda_array_interface__), NCHW, float32 or float64: the signatures and checks of the
// kernel contract (docs/kernels.md); the output size is checked against
// Ho = (H + top + bottom - dh*(R-1) - 1) // sh + 1 (>= 1), Wo alike.
#include <string>
#include <vector>

#include "bind/array_view.h"
#include "bind/bind.h"
#include "bind/cuda_kernel_args.h"
#include "cuda/cuda_api.h"

namespace dlcore::bind {
namespace {

using namespace cuda_args;
using dlcore::cuda::Conv2dGeometry;

// The scalar arguments and the geometry they give with x (N, C, H, W) and w (K, C/g, R, S).
struct ConvArgs {
  std::vector<int64_t> stride, padding, dilation;
  int64_t groups;
};

ConvArgs conv_args(py::handle stride, py::handle padding, py::handle dilation, int64_t groups,
                   const char* op) {
  ConvArgs a{int_tuple(stride, 2, 1, op, "stride"), int_tuple(padding, 4, 0, op, "padding"),
             int_tuple(dilation, 2, 1, op, "dilation"), groups};
  if (groups < 1) fail(op, "groups must be >= 1, got " + std::to_string(groups));
  return a;
}

// x_shape (N, C, H, W), w (K, C/groups, R, S): channel checks, then the output size.
Conv2dGeometry geometry(const std::vector<int64_t>& x, const ArrayView& w, const ConvArgs& a,
                        const char* op, const char* x_name) {
  const int64_t g = a.groups, C = x[1], K = w.shape[0];
  if (C % g != 0 || K % g != 0)
    fail(op, "groups=" + std::to_string(g) + " must divide the input channels (" +
                 std::to_string(C) + ") and the output channels (" + std::to_string(K) + ")");
  if (w.shape[1] != C / g)
    fail(op, "w " + w.shape_str() + " must have C/groups = " + std::to_string(C / g) +
                 " input channels (" + x_name + " has C = " + std::to_string(C) + ")");
  Conv2dGeometry o{x[0],
                   C,
                   x[2],
                   x[3],
                   K,
                   w.shape[2],
                   w.shape[3],
                   0,
                   0,
                   a.stride[0],
                   a.stride[1],
                   a.padding[0],
                   a.padding[2],
                   a.dilation[0],
                   a.dilation[1],
                   g};
  const int64_t nh = o.h + a.padding[0] + a.padding[1] - o.dil_h * (o.r - 1) - 1;
  const int64_t nw = o.w + a.padding[2] + a.padding[3] - o.dil_w * (o.s - 1) - 1;
  if (nh < 0 || nw < 0)
    fail(op, "the padded input (" + std::to_string(nh + o.dil_h * (o.r - 1) + 1) + ", " +
                 std::to_string(nw + o.dil_w * (o.s - 1) + 1) +
                 ") is smaller than the dilated kernel (" +
                 std::to_string(o.dil_h * (o.r - 1) + 1) + ", " +
                 std::to_string(o.dil_w * (o.s - 1) + 1) + ")");
  o.ho = nh / o.stride_h + 1;
  o.wo = nw / o.stride_w + 1;
  return o;
}

std::string out_why(const Conv2dGeometry& g) {
  return "(N, K, Ho, Wo) for N=" + std::to_string(g.n) + ", K=" + std::to_string(g.k);
}

void conv2d_forward(py::handle y_obj, py::handle x_obj, py::handle w_obj, py::handle bias_obj,
                    py::handle stride, py::handle padding, py::handle dilation, int64_t groups,
                    bool relu) {
  const char* op = "conv2d_forward";
  const ArrayView x = float_array(x_obj, 4, op, "x");
  const ArrayView w = like(w_obj, x, 4, op, "w", "x");
  const auto bias = like_optional(bias_obj, x, 1, op, "bias", "x");
  const ArrayView y = like(y_obj, x, 4, op, "y", "x");
  check_output(y, op, "y", {{&x, "x"}, {&w, "w"}, {opt(bias), "bias"}});
  const Conv2dGeometry g =
      geometry(shape_of(x), w, conv_args(stride, padding, dilation, groups, op), op, "x");
  if (bias) check_shape(*bias, {g.k}, op, "bias", "(K,)");
  check_shape(y, {g.n, g.k, g.ho, g.wo}, op, "y", out_why(g));
  check_device({{&y, "y"}, {&x, "x"}, {&w, "w"}, {opt(bias), "bias"}}, op);
  py::gil_scoped_release release;
  if (x.dtype == DType::f32)
    dlcore::cuda::conv2d_forward(y.data<float>(), x.data<float>(), w.data<float>(),
                                 ptr<float>(bias), g, relu);
  else
    dlcore::cuda::conv2d_forward(y.data<double>(), x.data<double>(), w.data<double>(),
                                 ptr<double>(bias), g, relu);
}

void conv2d_backward_input(py::handle dx_obj, py::handle dy_obj, py::handle w_obj,
                           py::handle stride, py::handle padding, py::handle dilation,
                           int64_t groups) {
  const char* op = "conv2d_backward_input";
  const ArrayView dy = float_array(dy_obj, 4, op, "dy");
  const ArrayView w = like(w_obj, dy, 4, op, "w", "dy");
  const ArrayView dx = like(dx_obj, dy, 4, op, "dx", "dy");
  check_output(dx, op, "dx", {{&dy, "dy"}, {&w, "w"}});
  const Conv2dGeometry g =
      geometry(shape_of(dx), w, conv_args(stride, padding, dilation, groups, op), op, "dx");
  check_shape(dy, {g.n, g.k, g.ho, g.wo}, op, "dy", out_why(g));
  check_device({{&dx, "dx"}, {&dy, "dy"}, {&w, "w"}}, op);
  py::gil_scoped_release release;
  if (dy.dtype == DType::f32)
    dlcore::cuda::conv2d_backward_input(dx.data<float>(), dy.data<float>(), w.data<float>(), g);
  else
    dlcore::cuda::conv2d_backward_input(dx.data<double>(), dy.data<double>(), w.data<double>(), g);
}

void conv2d_backward_weight(py::handle dw_obj, py::handle db_obj, py::handle dy_obj,
                            py::handle x_obj, py::handle stride, py::handle padding,
                            py::handle dilation, int64_t groups) {
  const char* op = "conv2d_backward_weight";
  const ArrayView x = float_array(x_obj, 4, op, "x");
  const ArrayView dy = like(dy_obj, x, 4, op, "dy", "x");
  const ArrayView dw = like(dw_obj, x, 4, op, "dw", "x");
  const auto db = like_optional(db_obj, x, 1, op, "db", "x");
  check_output(dw, op, "dw", {{&x, "x"}, {&dy, "dy"}, {opt(db), "db"}});
  if (db) check_output(*db, op, "db", {{&x, "x"}, {&dy, "dy"}});
  const Conv2dGeometry g =
      geometry(shape_of(x), dw, conv_args(stride, padding, dilation, groups, op), op, "x");
  if (db) check_shape(*db, {g.k}, op, "db", "(K,)");
  check_shape(dy, {g.n, g.k, g.ho, g.wo}, op, "dy", out_why(g));
  check_device({{&dw, "dw"}, {opt(db), "db"}, {&dy, "dy"}, {&x, "x"}}, op);
  py::gil_scoped_release release;
  if (x.dtype == DType::f32)
    dlcore::cuda::conv2d_backward_weight(dw.data<float>(), ptr<float>(db), dy.data<float>(),
                                         x.data<float>(), g);
  else
    dlcore::cuda::conv2d_backward_weight(dw.data<double>(), ptr<double>(db), dy.data<double>(),
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
