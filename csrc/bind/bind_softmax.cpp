// _C.cpu log_softmax_forward/backward and cross_entropy_forward/backward over numpy arrays:
// (N, C) C-contiguous float32/float64, targets int64 (N,) in [0, C).
#include <string>

#include "bind/array_view.h"
#include "bind/bind.h"
#include "cpu/softmax.h"

namespace dlcore::bind {
namespace {

constexpr Device kCpu = Device::cpu;

// x (N, C) and out of x's dtype and shape, both C-contiguous, out writeable.
void check_2d_pair(const ArrayView& out, const ArrayView& x, const char* op, const char* nout,
                   const char* nx) {
  check_float(x, op, nx);
  check_same_dtype(x, out, op, nx, nout);
  check_ndim(x, 2, op, nx);
  check_contiguous(x, op, nx);
  check_contiguous(out, op, nout);
  check_writeable(out, op, nout);
  if (out.ndim() != 2 || out.shape[0] != x.shape[0] || out.shape[1] != x.shape[1])
    fail(op, std::string(nout) + " " + out.shape_str() + " must have the shape of " + nx + " " +
                 x.shape_str());
}

// Same shape, dtype and contiguity as ref (an input).
void check_like(const ArrayView& x, const ArrayView& ref, const char* op, const char* nx,
                const char* nref) {
  check_same_dtype(ref, x, op, nref, nx);
  check_contiguous(x, op, nx);
  if (x.ndim() != 2 || x.shape[0] != ref.shape[0] || x.shape[1] != ref.shape[1])
    fail(op, std::string(nx) + " " + x.shape_str() + " must have the shape of " + nref + " " +
                 ref.shape_str());
}

void check_targets(const ArrayView& targets, int64_t n, int64_t c, const char* op) {
  check_dtype(targets, DType::i64, "int64", op, "targets");
  check_ndim(targets, 1, op, "targets");
  check_contiguous(targets, op, "targets");
  if (targets.shape[0] != n)
    fail(op, "targets " + targets.shape_str() + " must have one entry per row of logits (" +
                 std::to_string(n) + ")");
  const int64_t* t = targets.data<int64_t>();
  for (int64_t i = 0; i < n; ++i)
    if (t[i] < 0 || t[i] >= c)
      fail(op, "target " + std::to_string(t[i]) + " at row " + std::to_string(i) +
                   " is out of range [0, " + std::to_string(c) + ")");
}

// A 1-D (or any shape) vector of n elements of ref's dtype, C-contiguous.
void check_vector(const ArrayView& v, const ArrayView& ref, int64_t n, const char* op,
                  const char* name, const char* nref) {
  check_same_dtype(ref, v, op, nref, name);
  check_contiguous(v, op, name);
  check_size(v, n, op, name);
}

void log_softmax_forward(py::handle out_obj, py::handle x_obj) {
  const char* op = "log_softmax_forward";
  const ArrayView out = view(out_obj, kCpu, op, "out"), x = view(x_obj, kCpu, op, "x");
  check_2d_pair(out, x, op, "out", "x");
  const int64_t n = x.shape[0], c = x.shape[1];
  if (c == 0) return;
  py::gil_scoped_release release;
  if (x.dtype == DType::f32)
    cpu::log_softmax_forward<float>(out.data<float>(), x.data<float>(), n, c);
  else cpu::log_softmax_forward<double>(out.data<double>(), x.data<double>(), n, c);
}

void log_softmax_backward(py::handle dx_obj, py::handle dy_obj, py::handle y_obj) {
  const char* op = "log_softmax_backward";
  const ArrayView dx = view(dx_obj, kCpu, op, "dx"), dy = view(dy_obj, kCpu, op, "dy"),
                  y = view(y_obj, kCpu, op, "y");
  check_2d_pair(dx, y, op, "dx", "y");
  check_like(dy, y, op, "dy", "y");
  const int64_t n = y.shape[0], c = y.shape[1];
  py::gil_scoped_release release;
  if (y.dtype == DType::f32)
    cpu::log_softmax_backward<float>(dx.data<float>(), dy.data<float>(), y.data<float>(), n, c);
  else
    cpu::log_softmax_backward<double>(dx.data<double>(), dy.data<double>(), y.data<double>(), n, c);
}

void cross_entropy_forward(py::handle loss_obj, py::handle lp_obj, py::handle logits_obj,
                           py::handle targets_obj) {
  const char* op = "cross_entropy_forward";
  const ArrayView loss = view(loss_obj, kCpu, op, "loss");
  const ArrayView log_probs = view(lp_obj, kCpu, op, "log_probs");
  const ArrayView logits = view(logits_obj, kCpu, op, "logits");
  const ArrayView targets = view(targets_obj, kCpu, op, "targets");
  check_2d_pair(log_probs, logits, op, "log_probs", "logits");
  const int64_t n = logits.shape[0], c = logits.shape[1];
  check_vector(loss, logits, n, op, "loss", "logits");
  check_writeable(loss, op, "loss");
  if (c == 0) fail(op, "logits need at least one class, got shape " + logits.shape_str());
  check_targets(targets, n, c, op);
  const int64_t* t = targets.data<int64_t>();
  py::gil_scoped_release release;
  if (logits.dtype == DType::f32)
    cpu::cross_entropy_forward<float>(loss.data<float>(), log_probs.data<float>(),
                                      logits.data<float>(), t, n, c);
  else
    cpu::cross_entropy_forward<double>(loss.data<double>(), log_probs.data<double>(),
                                       logits.data<double>(), t, n, c);
}

void cross_entropy_backward(py::handle dlogits_obj, py::handle lp_obj, py::handle targets_obj,
                            py::handle dloss_obj) {
  const char* op = "cross_entropy_backward";
  const ArrayView dlogits = view(dlogits_obj, kCpu, op, "dlogits");
  const ArrayView log_probs = view(lp_obj, kCpu, op, "log_probs");
  const ArrayView targets = view(targets_obj, kCpu, op, "targets");
  const ArrayView dloss = view(dloss_obj, kCpu, op, "dloss");
  check_2d_pair(dlogits, log_probs, op, "dlogits", "log_probs");
  const int64_t n = log_probs.shape[0], c = log_probs.shape[1];
  check_vector(dloss, log_probs, n, op, "dloss", "log_probs");
  check_targets(targets, n, c, op);
  const int64_t* t = targets.data<int64_t>();
  py::gil_scoped_release release;
  if (log_probs.dtype == DType::f32)
    cpu::cross_entropy_backward<float>(dlogits.data<float>(), log_probs.data<float>(), t,
                                       dloss.data<float>(), n, c);
  else
    cpu::cross_entropy_backward<double>(dlogits.data<double>(), log_probs.data<double>(), t,
                                        dloss.data<double>(), n, c);
}

}  // namespace

void bind_softmax(py::module_& cpu) {
  cpu.def("log_softmax_forward", &log_softmax_forward, py::arg("out"), py::arg("x"),
          "out (N, C) = x - logsumexp(x, axis=1)");
  cpu.def("log_softmax_backward", &log_softmax_backward, py::arg("dx"), py::arg("dy"), py::arg("y"),
          "dx = dy - exp(y) * sum(dy, axis=1), y the forward output");
  cpu.def("cross_entropy_forward", &cross_entropy_forward, py::arg("loss"), py::arg("log_probs"),
          py::arg("logits"), py::arg("targets"),
          "loss (N,) = -log_softmax(logits)[i, targets[i]]; log_probs saved for the backward");
  cpu.def("cross_entropy_backward", &cross_entropy_backward, py::arg("dlogits"),
          py::arg("log_probs"), py::arg("targets"), py::arg("dloss"),
          "dlogits = dloss[i] * (softmax(logits) - onehot(targets))");
}

}  // namespace dlcore::bind
