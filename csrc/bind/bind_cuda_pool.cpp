// _C.cuda max_pool2d_*, avg_pool2d_*, adaptive_avg_pool2d_* over CUDA arrays: NCHW, float32 or
// float64 (indices int64), the kernel contract's signatures and checks, output sizes by torch's
// pooling_output_shape (ceil_mode: the last window starts inside the input or left padding).
#include <string>
#include <vector>

#include "bind/array_view.h"
#include "bind/bind.h"
#include "bind/cuda_kernel_args.h"
#include "cuda/cuda_api.h"

namespace dlcore::bind {
namespace {

using namespace cuda_args;
using dlcore::cuda::Pool2dGeometry;

// torch's pooling_output_shape with symmetric padding.
int64_t pooled(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil, bool ceil) {
  const int64_t num = in + 2 * pad - dil * (k - 1) - 1 + (ceil ? stride - 1 : 0);
  int64_t out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
  if (ceil && (out - 1) * stride >= in + pad) --out;
  return out;
}

// x_shape (N, C, H, W) with C, H, W >= 1 (torch's rule), the window arguments checked, the
// output size computed.
Pool2dGeometry geometry(const std::vector<int64_t>& x, py::handle kernel, py::handle stride,
                        py::handle padding, py::handle dilation, bool ceil_mode, const char* op,
                        const char* x_name) {
  if (x[1] == 0 || x[2] == 0 || x[3] == 0)
    fail(op, std::string(x_name) + " " + dims_str(x) +
                 " must have non-zero channels, height and width");
  const auto k = int_tuple(kernel, 2, 1, op, "kernel");
  const auto s = int_tuple(stride, 2, 1, op, "stride");
  const auto p = int_tuple(padding, 2, 0, op, "padding");
  const auto d =
      dilation.is_none() ? std::vector<int64_t>{1, 1} : int_tuple(dilation, 2, 1, op, "dilation");
  if (p[0] > k[0] / 2 || p[1] > k[1] / 2)
    fail(op, "padding " + dims_str(p) + " must be at most half of kernel " + dims_str(k));
  Pool2dGeometry g{x[0] * x[1], x[2], x[3], 0, 0, k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]};
  g.ho = pooled(g.h, g.kernel_h, g.pad_h, g.stride_h, g.dil_h, ceil_mode);
  g.wo = pooled(g.w, g.kernel_w, g.pad_w, g.stride_w, g.dil_w, ceil_mode);
  if (g.ho < 1 || g.wo < 1)
    fail(op, std::string(x_name) + " " + dims_str(x) + " gives an output of (" +
                 std::to_string(g.ho) + ", " + std::to_string(g.wo) + "): too small for kernel " +
                 dims_str(k) + " with padding " + dims_str(p) + " and dilation " + dims_str(d));
  return g;
}

std::vector<int64_t> out_shape(const std::vector<int64_t>& x, const Pool2dGeometry& g) {
  return {x[0], x[1], g.ho, g.wo};
}

void max_pool2d_forward(py::handle y_obj, py::handle idx_obj, py::handle x_obj, py::handle kernel,
                        py::handle stride, py::handle padding, py::handle dilation,
                        bool ceil_mode) {
  const char* op = "max_pool2d_forward";
  const ArrayView x = float_array(x_obj, 4, op, "x");
  const ArrayView y = like(y_obj, x, 4, op, "y", "x");
  ArrayView idx = view(idx_obj, kCuda, op, "indices");
  check_dtype(idx, DType::i64, "int64", op, "indices");
  check_ndim(idx, 4, op, "indices");
  check_contiguous(idx, op, "indices");
  check_output(y, op, "y", {{&x, "x"}});
  check_output(idx, op, "indices", {{&x, "x"}, {&y, "y"}});
  const auto xs = shape_of(x);
  const Pool2dGeometry g = geometry(xs, kernel, stride, padding, dilation, ceil_mode, op, "x");
  check_shape(y, out_shape(xs, g), op, "y", "(N, C, Ho, Wo)");
  check_shape(idx, out_shape(xs, g), op, "indices", "(y's shape)");
  check_device({{&y, "y"}, {&idx, "indices"}, {&x, "x"}}, op);
  py::gil_scoped_release release;
  if (x.dtype == DType::f32)
    dlcore::cuda::max_pool2d_forward(y.data<float>(), idx.data<int64_t>(), x.data<float>(), g);
  else dlcore::cuda::max_pool2d_forward(y.data<double>(), idx.data<int64_t>(), x.data<double>(), g);
}

void max_pool2d_backward(py::handle dx_obj, py::handle dy_obj, py::handle idx_obj) {
  const char* op = "max_pool2d_backward";
  const ArrayView dy = float_array(dy_obj, 4, op, "dy");
  const ArrayView dx = like(dx_obj, dy, 4, op, "dx", "dy");
  ArrayView idx = view(idx_obj, kCuda, op, "indices");
  check_dtype(idx, DType::i64, "int64", op, "indices");
  check_ndim(idx, 4, op, "indices");
  check_contiguous(idx, op, "indices");
  check_output(dx, op, "dx", {{&dy, "dy"}, {&idx, "indices"}});
  check_shape(idx, shape_of(dy), op, "indices", "(dy's shape)");
  if (dx.shape[0] != dy.shape[0] || dx.shape[1] != dy.shape[1])
    fail(op, "dx " + dx.shape_str() + " and dy " + dy.shape_str() + " must have the same N and C");
  Pool2dGeometry g{dx.shape[0] * dx.shape[1],
                   dx.shape[2],
                   dx.shape[3],
                   dy.shape[2],
                   dy.shape[3],
                   1,
                   1,
                   1,
                   1,
                   0,
                   0,
                   1,
                   1};
  if (g.h * g.w == 0 && g.planes * g.ho * g.wo > 0)
    fail(op, "dx " + dx.shape_str() + " has empty planes for dy " + dy.shape_str());
  check_device({{&dx, "dx"}, {&dy, "dy"}, {&idx, "indices"}}, op);
  py::gil_scoped_release release;  // an index outside the plane raises before dx is written
  if (dy.dtype == DType::f32)
    dlcore::cuda::max_pool2d_backward(dx.data<float>(), dy.data<float>(), idx.data<int64_t>(), g);
  else
    dlcore::cuda::max_pool2d_backward(dx.data<double>(), dy.data<double>(), idx.data<int64_t>(), g);
}

void avg_pool2d_forward(py::handle y_obj, py::handle x_obj, py::handle kernel, py::handle stride,
                        py::handle padding, bool ceil_mode, bool count_include_pad,
                        int64_t divisor) {
  const char* op = "avg_pool2d_forward";
  const ArrayView x = float_array(x_obj, 4, op, "x");
  const ArrayView y = like(y_obj, x, 4, op, "y", "x");
  check_output(y, op, "y", {{&x, "x"}});
  const auto xs = shape_of(x);
  const Pool2dGeometry g = geometry(xs, kernel, stride, padding, py::none(), ceil_mode, op, "x");
  check_shape(y, out_shape(xs, g), op, "y", "(N, C, Ho, Wo)");
  check_device({{&y, "y"}, {&x, "x"}}, op);
  py::gil_scoped_release release;
  if (x.dtype == DType::f32)
    dlcore::cuda::avg_pool2d_forward(y.data<float>(), x.data<float>(), g, count_include_pad,
                                     divisor);
  else
    dlcore::cuda::avg_pool2d_forward(y.data<double>(), x.data<double>(), g, count_include_pad,
                                     divisor);
}

void avg_pool2d_backward(py::handle dx_obj, py::handle dy_obj, py::handle kernel, py::handle stride,
                         py::handle padding, bool ceil_mode, bool count_include_pad,
                         int64_t divisor) {
  const char* op = "avg_pool2d_backward";
  const ArrayView dy = float_array(dy_obj, 4, op, "dy");
  const ArrayView dx = like(dx_obj, dy, 4, op, "dx", "dy");
  check_output(dx, op, "dx", {{&dy, "dy"}});
  const auto xs = shape_of(dx);
  const Pool2dGeometry g = geometry(xs, kernel, stride, padding, py::none(), ceil_mode, op, "dx");
  check_shape(dy, out_shape(xs, g), op, "dy", "(N, C, Ho, Wo)");
  check_device({{&dx, "dx"}, {&dy, "dy"}}, op);
  py::gil_scoped_release release;
  if (dy.dtype == DType::f32)
    dlcore::cuda::avg_pool2d_backward(dx.data<float>(), dy.data<float>(), g, count_include_pad,
                                      divisor);
  else
    dlcore::cuda::avg_pool2d_backward(dx.data<double>(), dy.data<double>(), g, count_include_pad,
                                      divisor);
}

// in (N, C, H, W) with C, H, W >= 1 and out (N, C, Ho, Wo): the same N and C.
Pool2dGeometry adaptive_geometry(const ArrayView& in, const ArrayView& out, const char* op,
                                 const char* nin, const char* nout) {
  if (in.shape[1] == 0 || in.shape[2] == 0 || in.shape[3] == 0)
    fail(op, std::string(nin) + " " + in.shape_str() +
                 " must have non-zero channels, height and width");
  if (out.shape[0] != in.shape[0] || out.shape[1] != in.shape[1])
    fail(op, std::string(nout) + " " + out.shape_str() + " must have the N and C of " + nin + " " +
                 in.shape_str());
  return {in.shape[0] * in.shape[1],
          in.shape[2],
          in.shape[3],
          out.shape[2],
          out.shape[3],
          1,
          1,
          1,
          1,
          0,
          0,
          1,
          1};
}

void adaptive_avg_pool2d_forward(py::handle y_obj, py::handle x_obj) {
  const char* op = "adaptive_avg_pool2d_forward";
  const ArrayView x = float_array(x_obj, 4, op, "x");
  const ArrayView y = like(y_obj, x, 4, op, "y", "x");
  check_output(y, op, "y", {{&x, "x"}});
  const Pool2dGeometry g = adaptive_geometry(x, y, op, "x", "y");
  check_device({{&y, "y"}, {&x, "x"}}, op);
  py::gil_scoped_release release;
  if (x.dtype == DType::f32)
    dlcore::cuda::adaptive_avg_pool2d_forward(y.data<float>(), x.data<float>(), g);
  else dlcore::cuda::adaptive_avg_pool2d_forward(y.data<double>(), x.data<double>(), g);
}

void adaptive_avg_pool2d_backward(py::handle dx_obj, py::handle dy_obj) {
  const char* op = "adaptive_avg_pool2d_backward";
  const ArrayView dy = float_array(dy_obj, 4, op, "dy");
  const ArrayView dx = like(dx_obj, dy, 4, op, "dx", "dy");
  check_output(dx, op, "dx", {{&dy, "dy"}});
  const Pool2dGeometry g = adaptive_geometry(dx, dy, op, "dx", "dy");
  check_device({{&dx, "dx"}, {&dy, "dy"}}, op);
  py::gil_scoped_release release;
  if (dy.dtype == DType::f32)
    dlcore::cuda::adaptive_avg_pool2d_backward(dx.data<float>(), dy.data<float>(), g);
  else dlcore::cuda::adaptive_avg_pool2d_backward(dx.data<double>(), dy.data<double>(), g);
}

}  // namespace

void bind_cuda_pool(py::module_& cuda) {
  cuda.def("max_pool2d_forward", &max_pool2d_forward, py::arg("y"), py::arg("indices"),
           py::arg("x"), py::arg("kernel"), py::arg("stride"), py::arg("padding"),
           py::arg("dilation"), py::arg("ceil_mode"),
           "y and int64 indices (flat h*W + w per plane) of the 2-D max pool of x (NCHW)");
  cuda.def("max_pool2d_backward", &max_pool2d_backward, py::arg("dx"), py::arg("dy"),
           py::arg("indices"), "dx zeroed, then dy added at indices");
  cuda.def("avg_pool2d_forward", &avg_pool2d_forward, py::arg("y"), py::arg("x"), py::arg("kernel"),
           py::arg("stride"), py::arg("padding"), py::arg("ceil_mode"),
           py::arg("count_include_pad"), py::arg("divisor"),
           "2-D average pool (divisor 0: torch's default, else divisor_override)");
  cuda.def("avg_pool2d_backward", &avg_pool2d_backward, py::arg("dx"), py::arg("dy"),
           py::arg("kernel"), py::arg("stride"), py::arg("padding"), py::arg("ceil_mode"),
           py::arg("count_include_pad"), py::arg("divisor"), "the gradient of avg_pool2d");
  cuda.def("adaptive_avg_pool2d_forward", &adaptive_avg_pool2d_forward, py::arg("y"), py::arg("x"),
           "adaptive 2-D average pool; the output size is y's");
  cuda.def("adaptive_avg_pool2d_backward", &adaptive_avg_pool2d_backward, py::arg("dx"),
           py::arg("dy"), "the gradient of adaptive_avg_pool2d");
}

}  // namespace dlcore::bind
