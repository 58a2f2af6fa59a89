// _C.cuda batch_norm_forward / _inference / _backward and gelu_forward / _backward over CUDA
// arrays, float32 or float64: the kernel contract's signatures and checks. Batch norm views x
// (N, C, ...) as (N, C, L), L the product of the axes after C; per-channel arrays are (C,).
#include <string>
#include <vector>

#include "bind/array_view.h"
#include "bind/bind.h"
#include "bind/cuda_kernel_args.h"
#include "cuda/cuda_api.h"

namespace dlcore::bind {
namespace {

using namespace cuda_args;

struct NCL {
  int64_t n, c, l;
};

NCL ncl(const ArrayView& x, const char* op, const char* name) {
  if (x.ndim() < 2)
    fail(op, std::string(name) + " must be (N, C, ...), got shape " + x.shape_str());
  int64_t l = 1;
  for (int i = 2; i < x.ndim(); ++i) l *= x.shape[i];
  return {x.shape[0], x.shape[1], l};
}

// A per-channel (C,) array of x's dtype; None gives nullopt when optional.
std::optional<ArrayView> channel(py::handle obj, const ArrayView& x, int64_t c, bool optional,
                                 const char* op, const char* name) {
  if (obj.is_none()) {
    if (optional) return std::nullopt;
    fail_type(op, std::string(name) + " must be a CUDA array (C,), got None");
  }
  ArrayView v = like(obj, x, 1, op, name, "x");
  check_shape(v, {c}, op, name, "(C,)");
  return v;
}

void check_eps(double eps, const char* op) {
  if (!(eps >= 0.0)) fail(op, "eps must be >= 0, got " + std::to_string(eps));
}

void batch_norm_forward(py::handle y_obj, py::handle mean_obj, py::handle var_obj, py::handle x_obj,
                        py::handle w_obj, py::handle b_obj, double eps) {
  const char* op = "batch_norm_forward";
  const ArrayView x = float_array(x_obj, 0, op, "x");
  const NCL d = ncl(x, op, "x");
  const ArrayView y = like(y_obj, x, 0, op, "y", "x");
  check_shape(y, shape_of(x), op, "y", "(x's shape)");
  const ArrayView mean = *channel(mean_obj, x, d.c, false, op, "mean");
  const ArrayView var = *channel(var_obj, x, d.c, false, op, "var");
  const auto w = channel(w_obj, x, d.c, true, op, "weight");
  const auto b = channel(b_obj, x, d.c, true, op, "bias");
  check_output(y, op, "y", {{&mean, "mean"}, {&var, "var"}, {opt(w), "weight"}, {opt(b), "bias"}});
  check_same_or_apart(y, x, op, "y", "x");
  check_output(mean, op, "mean", {{&x, "x"}, {&y, "y"}, {&var, "var"}});
  check_output(var, op, "var", {{&x, "x"}, {&y, "y"}});
  check_eps(eps, op);
  check_device(
      {{&y, "y"}, {&mean, "mean"}, {&var, "var"}, {&x, "x"}, {opt(w), "weight"}, {opt(b), "bias"}},
      op);
  py::gil_scoped_release release;
  if (x.dtype == DType::f32)
    dlcore::cuda::batch_norm_forward(y.data<float>(), mean.data<float>(), var.data<float>(),
                                     x.data<float>(), ptr<float>(w), ptr<float>(b), d.n, d.c, d.l,
                                     eps);
  else
    dlcore::cuda::batch_norm_forward(y.data<double>(), mean.data<double>(), var.data<double>(),
                                     x.data<double>(), ptr<double>(w), ptr<double>(b), d.n, d.c,
                                     d.l, eps);
}

void batch_norm_inference(py::handle y_obj, py::handle x_obj, py::handle mean_obj,
                          py::handle var_obj, py::handle w_obj, py::handle b_obj, double eps) {
  const char* op = "batch_norm_inference";
  const ArrayView x = float_array(x_obj, 0, op, "x");
  const NCL d = ncl(x, op, "x");
  const ArrayView y = like(y_obj, x, 0, op, "y", "x");
  check_shape(y, shape_of(x), op, "y", "(x's shape)");
  const ArrayView mean = *channel(mean_obj, x, d.c, false, op, "mean");
  const ArrayView var = *channel(var_obj, x, d.c, false, op, "var");
  const auto w = channel(w_obj, x, d.c, true, op, "weight");
  const auto b = channel(b_obj, x, d.c, true, op, "bias");
  check_output(y, op, "y", {{&mean, "mean"}, {&var, "var"}, {opt(w), "weight"}, {opt(b), "bias"}});
  check_same_or_apart(y, x, op, "y", "x");
  check_eps(eps, op);
  check_device(
      {{&y, "y"}, {&x, "x"}, {&mean, "mean"}, {&var, "var"}, {opt(w), "weight"}, {opt(b), "bias"}},
      op);
  py::gil_scoped_release release;
  if (x.dtype == DType::f32)
    dlcore::cuda::batch_norm_inference(y.data<float>(), x.data<float>(), mean.data<float>(),
                                       var.data<float>(), ptr<float>(w), ptr<float>(b), d.n, d.c,
                                       d.l, eps);
  else
    dlcore::cuda::batch_norm_inference(y.data<double>(), x.data<double>(), mean.data<double>(),
                                       var.data<double>(), ptr<double>(w), ptr<double>(b), d.n, d.c,
                                       d.l, eps);
}

void batch_norm_backward(py::handle dx_obj, py::handle dw_obj, py::handle db_obj, py::handle dy_obj,
                         py::handle x_obj, py::handle mean_obj, py::handle var_obj,
                         py::handle w_obj, double eps) {
  const char* op = "batch_norm_backward";
  const ArrayView x = float_array(x_obj, 0, op, "x");
  const NCL d = ncl(x, op, "x");
  const ArrayView dx = like(dx_obj, x, 0, op, "dx", "x");
  check_shape(dx, shape_of(x), op, "dx", "(x's shape)");
  const auto dw = channel(dw_obj, x, d.c, true, op, "dweight");
  const auto db = channel(db_obj, x, d.c, true, op, "dbias");
  const ArrayView dy = like(dy_obj, x, 0, op, "dy", "x");
  check_shape(dy, shape_of(x), op, "dy", "(x's shape)");
  const ArrayView mean = *channel(mean_obj, x, d.c, false, op, "mean");
  const ArrayView var = *channel(var_obj, x, d.c, false, op, "var");
  const auto w = channel(w_obj, x, d.c, true, op, "weight");
  check_output(dx, op, "dx", {{&mean, "mean"}, {&var, "var"}, {opt(w), "weight"}});
  check_same_or_apart(dx, dy, op, "dx", "dy");
  check_same_or_apart(dx, x, op, "dx", "x");
  if (dw)
    check_output(*dw, op, "dweight", {{&dx, "dx"}, {&dy, "dy"}, {&x, "x"}, {opt(db), "dbias"}});
  if (db) check_output(*db, op, "dbias", {{&dx, "dx"}, {&dy, "dy"}, {&x, "x"}});
  check_eps(eps, op);
  check_device({{&dx, "dx"},
                {opt(dw), "dweight"},
                {opt(db), "dbias"},
                {&dy, "dy"},
                {&x, "x"},
                {&mean, "mean"},
                {&var, "var"},
                {opt(w), "weight"}},
               op);
  py::gil_scoped_release release;
  if (x.dtype == DType::f32)
    dlcore::cuda::batch_norm_backward(dx.data<float>(), ptr<float>(dw), ptr<float>(db),
                                      dy.data<float>(), x.data<float>(), mean.data<float>(),
                                      var.data<float>(), ptr<float>(w), d.n, d.c, d.l, eps);
  else
    dlcore::cuda::batch_norm_backward(dx.data<double>(), ptr<double>(dw), ptr<double>(db),
                                      dy.data<double>(), x.data<double>(), mean.data<double>(),
                                      var.data<double>(), ptr<double>(w), d.n, d.c, d.l, eps);
}

void gelu_forward(py::handle y_obj, py::handle x_obj, bool approximate) {
  const char* op = "gelu_forward";
  const ArrayView x = float_array(x_obj, 0, op, "x");
  const ArrayView y = like(y_obj, x, 0, op, "y", "x");
  check_shape(y, shape_of(x), op, "y", "(x's shape)");
  check_writeable(y, op, "y");
  check_same_or_apart(y, x, op, "y", "x");
  check_device({{&y, "y"}, {&x, "x"}}, op);
  py::gil_scoped_release release;
  if (x.dtype == DType::f32)
    dlcore::cuda::gelu_forward(y.data<float>(), x.data<float>(), x.size(), approximate);
  else dlcore::cuda::gelu_forward(y.data<double>(), x.data<double>(), x.size(), approximate);
}

void gelu_backward(py::handle dx_obj, py::handle dy_obj, py::handle x_obj, bool approximate) {
  const char* op = "gelu_backward";
  const ArrayView x = float_array(x_obj, 0, op, "x");
  const ArrayView dx = like(dx_obj, x, 0, op, "dx", "x");
  check_shape(dx, shape_of(x), op, "dx", "(x's shape)");
  const ArrayView dy = like(dy_obj, x, 0, op, "dy", "x");
  check_shape(dy, shape_of(x), op, "dy", "(x's shape)");
  check_writeable(dx, op, "dx");
  check_same_or_apart(dx, dy, op, "dx", "dy");
  check_same_or_apart(dx, x, op, "dx", "x");
  check_device({{&dx, "dx"}, {&dy, "dy"}, {&x, "x"}}, op);
  py::gil_scoped_release release;
  if (x.dtype == DType::f32)
    dlcore::cuda::gelu_backward(dx.data<float>(), dy.data<float>(), x.data<float>(), x.size(),
                                approximate);
  else
    dlcore::cuda::gelu_backward(dx.data<double>(), dy.data<double>(), x.data<double>(), x.size(),
                                approximate);
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
