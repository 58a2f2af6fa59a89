// The one pybind11 module, dlcore._C: validates numpy arrays (shape, dtype, strides,
// writeability), releases the GIL and calls the plain C++ kernels in csrc/cpu and csrc/cuda.
// Submodules: _C.cpu (numpy arrays) and, in a CUDA build, _C.cuda (raw device pointers as ints).
// Errors: std::invalid_argument -> ValueError, TypeError for dtypes; messages name the op.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cpu/cache_info.h"
#include "cpu/gemm.h"
#include "cpu/isa.h"
#include "cpu/optim.h"
#include "cpu/probe.h"
#include "cpu/softmax.h"
#if defined(DLCORE_WITH_CUDA)
#include "cuda/cuda_api.h"
#endif

namespace py = pybind11;
using namespace dlcore;

// ---- argument checking -------------------------------------------------------------------

namespace {

std::string shape_str(const py::array& a) {
  std::ostringstream s;
  s << "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s << (i ? ", " : "") << a.shape(i);
  s << (a.ndim() == 1 ? ",)" : ")");
  return s.str();
}

[[noreturn]] void fail(const std::string& op, const std::string& msg) {
  throw std::invalid_argument("[" + op + "] " + msg);
}

enum class DType { f32, f64 };

DType float_dtype(const py::array& a, const char* op, const char* name) {
  if (a.dtype().is(py::dtype::of<float>())) return DType::f32;
  if (a.dtype().is(py::dtype::of<double>())) return DType::f64;
  throw py::type_error(std::string("[") + op + "] " + name + " must be float32 or float64, got " +
                       std::string(py::str(a.dtype())));
}

void check_same_dtype(const py::array& a, const py::array& b, const char* op, const char* na,
                      const char* nb) {
  if (!a.dtype().is(b.dtype()))
    throw py::type_error(std::string("[") + op + "] " + na + " and " + nb +
                         " must have the same dtype, got " + std::string(py::str(a.dtype())) +
                         " and " + std::string(py::str(b.dtype())));
}

void check_ndim(const py::array& a, int ndim, const char* op, const char* name) {
  if (a.ndim() != ndim)
    fail(op, std::string(name) + " must be " + std::to_string(ndim) + "-D, got shape " +
                 shape_str(a));
}

void check_contiguous(const py::array& a, const char* op, const char* name) {
  if (!(a.flags() & py::array::c_style))
    fail(op, std::string(name) + " must be C-contiguous");
}

void check_writeable(const py::array& a, const char* op, const char* name) {
  if (!a.writeable()) fail(op, std::string(name) + " must be writeable");
}

void check_size(const py::array& a, py::ssize_t n, const char* op, const char* name) {
  if (a.size() != n)
    fail(op, std::string(name) + " must have " + std::to_string(n) + " elements, got shape " +
                 shape_str(a));
}

// A 2-D operand of gemm as (pointer, transposed, leading dimension), read from numpy strides:
// either the column stride is 1 (row-major, ld = row stride) or the row stride is 1 (a transposed
// view, ld = column stride). Anything else needs a copy, which the Python layer makes.
struct MatRef {
  bool trans;
  int64_t ld;
};

MatRef mat_ref(int64_t rows, int64_t cols, int64_t s0, int64_t s1, const char* op,
               const char* name) {
  if (rows == 0 || cols == 0) return {false, std::max<int64_t>(cols, 1)};  // never read
  const bool unit_col = cols == 1 || s1 == 1;
  const bool unit_row = rows == 1 || s0 == 1;
  if (unit_col && (rows == 1 || s0 >= cols)) return {false, rows == 1 ? std::max<int64_t>(cols, 1) : s0};
  if (unit_row && (cols == 1 || s1 >= rows)) return {true, cols == 1 ? std::max<int64_t>(rows, 1) : s1};
  fail(op, std::string(name) + " needs a unit stride along one of its last two axes (strides " +
               std::to_string(s0) + ", " + std::to_string(s1) + " elements)");
}

int64_t elem_stride(const py::array& a, int axis, const char* op, const char* name) {
  const py::ssize_t s = a.strides(axis), item = a.itemsize();
  if (s < 0 || s % item != 0)
    fail(op, std::string(name) + " has a negative or misaligned stride on axis " +
                 std::to_string(axis));
  return s / item;
}

bool overlaps(const py::array& a, const py::array& b) {
  auto span = [](const py::array& x) {
    const char* lo = static_cast<const char*>(x.data());
    py::ssize_t extent = x.itemsize();
    for (py::ssize_t i = 0; i < x.ndim(); ++i) extent += (x.shape(i) - 1) * x.strides(i);
    return std::make_pair(lo, lo + extent);
  };
  if (a.size() == 0 || b.size() == 0) return false;
  auto [a0, a1] = span(a);
  auto [b0, b1] = span(b);
  return a0 < b1 && b0 < a1;
}

// ---- gemm --------------------------------------------------------------------------------

// out = alpha * a @ b + beta * out. a (m, k), b (k, n), out (m, n); or batched with a leading
// axis of equal length on all three (a or b may have batch stride 0, i.e. a broadcast view).
template <typename T>
void gemm_typed(const py::array& a, const py::array& b, py::array& out, double alpha,
                double beta) {
  const char* op = "gemm";
  const int nd = int(out.ndim());
  const int64_t m = out.shape(nd - 2), n = out.shape(nd - 1), k = a.shape(nd - 1);
  const MatRef ra = mat_ref(m, k, elem_stride(a, nd - 2, op, "a"), elem_stride(a, nd - 1, op, "a"), op, "a");
  const MatRef rb = mat_ref(k, n, elem_stride(b, nd - 2, op, "b"), elem_stride(b, nd - 1, op, "b"), op, "b");
  const MatRef rc = mat_ref(m, n, elem_stride(out, nd - 2, op, "out"), elem_stride(out, nd - 1, op, "out"), op, "out");
  if (rc.trans && m > 1 && n > 1) fail(op, "out must have unit stride along its last axis");
  const T* pa = static_cast<const T*>(a.data());
  const T* pb = static_cast<const T*>(b.data());
  T* pc = static_cast<T*>(out.mutable_data());
  py::gil_scoped_release release;
  if (nd == 2) {
    cpu::gemm<T>(ra.trans, rb.trans, m, n, k, T(alpha), pa, ra.ld, pb, rb.ld, T(beta), pc, rc.ld);
  } else {
    cpu::gemm_batched<T>(out.shape(0), ra.trans, rb.trans, m, n, k, T(alpha), pa, ra.ld,
                         a.strides(0) / a.itemsize(), pb, rb.ld, b.strides(0) / b.itemsize(),
                         T(beta), pc, rc.ld, out.strides(0) / out.itemsize());
  }
}

void gemm(const py::array& a, const py::array& b, py::array out, double alpha, double beta) {
  const char* op = "gemm";
  const DType dt = float_dtype(a, op, "a");
  check_same_dtype(a, b, op, "a", "b");
  check_same_dtype(a, out, op, "a", "out");
  check_writeable(out, op, "out");
  const auto nd = out.ndim();
  if (nd != 2 && nd != 3) fail(op, "out must be 2-D or 3-D, got shape " + shape_str(out));
  if (a.ndim() != nd || b.ndim() != nd)
    fail(op, "a " + shape_str(a) + ", b " + shape_str(b) + " and out " + shape_str(out) +
                 " must have the same number of dimensions");
  const py::ssize_t m = out.shape(nd - 2), n = out.shape(nd - 1), k = a.shape(nd - 1);
  if (a.shape(nd - 2) != m || b.shape(nd - 2) != k || b.shape(nd - 1) != n)
    fail(op, "shapes a " + shape_str(a) + " @ b " + shape_str(b) + " -> out " + shape_str(out) +
                 " do not match: need a (m, k), b (k, n), out (m, n)");
  if (nd == 3 && (a.shape(0) != out.shape(0) || b.shape(0) != out.shape(0)))
    fail(op, "batch sizes of a " + shape_str(a) + ", b " + shape_str(b) + " and out " +
                 shape_str(out) + " differ");
  if (nd == 3 && out.shape(0) > 1 && elem_stride(out, 0, op, "out") < m * n && m * n > 0)
    fail(op, "out's batch stride is smaller than one matrix");
  if (overlaps(out, a) || overlaps(out, b)) fail(op, "out must not overlap a or b");
  if (dt == DType::f32) gemm_typed<float>(a, b, out, alpha, beta);
  else gemm_typed<double>(a, b, out, alpha, beta);
}

// The gemm blocking in use and the measurement overrides (see csrc/cpu/gemm.h).
py::dict gemm_info() {
  py::dict d;
  auto put = [](py::dict& out, const cpu::GemmBlocking& b) {
    out["kernel"] = b.kernel;
    out["mr"] = b.mr;
    out["nr"] = b.nr;
    out["mc"] = b.mc;
    out["kc"] = b.kc;
    out["nc"] = b.nc;
    out["kc_fused"] = b.kc_fused;
    out["b_group"] = b.b_group;
    out["fused_rows"] = b.fused_rows;
  };
  py::dict f32, f64;
  put(f32, cpu::gemm_blocking<float>());
  put(f64, cpu::gemm_blocking<double>());
  d["float32"] = f32;
  d["float64"] = f64;
  const cpu::CacheInfo& ci = cpu::cache_info();
  d["l1d"] = ci.l1d;
  d["l2"] = ci.l2;
  d["l3"] = ci.l3;
  d["cache_source"] = ci.source;
  return d;
}

void gemm_tune(py::kwargs kw) {
  cpu::GemmTuning t;  // keys left out return to automatic
  for (auto item : kw) {
    const std::string key = py::str(item.first);
    const py::handle v = item.second;
    if (key == "mc") t.mc = v.cast<int64_t>();
    else if (key == "kc") t.kc = v.cast<int64_t>();
    else if (key == "nc") t.nc = v.cast<int64_t>();
    else if (key == "pack_a") t.pack_a = v.cast<int>();
    else if (key == "pack_b") t.pack_b = v.cast<int>();
    else if (key == "thread_flops") t.thread_flops = v.cast<double>();
    else if (key == "fused_rows") t.fused_rows = v.cast<int64_t>();
    else if (key == "fuse_group") t.fuse_group = v.cast<int64_t>();
    else if (key == "prefetch") t.prefetch = v.cast<int>();
    else if (key == "b_group") t.b_group = v.cast<int64_t>();
    else if (key == "pack_ahead") t.pack_ahead = v.cast<int>();
    else if (key == "huge_pages") t.huge_pages = v.cast<int>();
    else if (key == "thread_gate") t.thread_gate = v.cast<int>();
    else if (key == "avx512_twin") t.avx512_twin = v.cast<bool>();
    else fail("gemm_tune", "unknown key '" + key + "'");
  }
  if (t.mc < 0 || t.kc < 0 || t.nc < 0 || t.b_group < 0)
    fail("gemm_tune", "block sizes must be >= 0");
  if (t.avx512_twin && cpu::active_isa() < cpu::Isa::avx2)
    fail("gemm_tune", std::string("avx512_twin runs on avx2; the active ISA is ") +
                          cpu::isa_name(cpu::active_isa()));
  cpu::gemm_tuning() = t;
}

// ---- softmax and cross-entropy -------------------------------------------------------------

template <typename T>
using Arr = py::array_t<T, py::array::c_style>;

void check_2d_pair(const py::array& out, const py::array& x, const char* op) {
  float_dtype(x, op, "x");
  check_same_dtype(x, out, op, "x", "out");
  check_ndim(x, 2, op, "x");
  check_contiguous(x, op, "x");
  check_contiguous(out, op, "out");
  check_writeable(out, op, "out");
  if (out.ndim() != 2 || out.shape(0) != x.shape(0) || out.shape(1) != x.shape(1))
    fail(op, "out " + shape_str(out) + " must have the shape of x " + shape_str(x));
}

void log_softmax_forward(py::array out, const py::array& x) {
  check_2d_pair(out, x, "log_softmax_forward");
  const int64_t n = x.shape(0), c = x.shape(1);
  if (c == 0) return;
  py::gil_scoped_release release;
  if (x.dtype().is(py::dtype::of<float>()))
    cpu::log_softmax_forward<float>(static_cast<float*>(out.mutable_data()), static_cast<const float*>(x.data()), n, c);
  else
    cpu::log_softmax_forward<double>(static_cast<double*>(out.mutable_data()), static_cast<const double*>(x.data()), n, c);
}

void log_softmax_backward(py::array dx, const py::array& dy, const py::array& y) {
  const char* op = "log_softmax_backward";
  check_2d_pair(dx, dy, op);
  check_2d_pair(dx, y, op);
  const int64_t n = y.shape(0), c = y.shape(1);
  py::gil_scoped_release release;
  if (y.dtype().is(py::dtype::of<float>()))
    cpu::log_softmax_backward<float>(static_cast<float*>(dx.mutable_data()), static_cast<const float*>(dy.data()), static_cast<const float*>(y.data()), n, c);
  else
    cpu::log_softmax_backward<double>(static_cast<double*>(dx.mutable_data()), static_cast<const double*>(dy.data()), static_cast<const double*>(y.data()), n, c);
}

void check_targets(const py::array& targets, int64_t n, int64_t c, const char* op) {
  if (!targets.dtype().is(py::dtype::of<int64_t>()))
    throw py::type_error(std::string("[") + op + "] targets must be int64, got " +
                         std::string(py::str(targets.dtype())));
  check_ndim(targets, 1, op, "targets");
  check_contiguous(targets, op, "targets");
  if (targets.shape(0) != n)
    fail(op, "targets " + shape_str(targets) + " must have one entry per row of logits (" +
                 std::to_string(n) + ")");
  const int64_t* t = static_cast<const int64_t*>(targets.data());
  for (int64_t i = 0; i < n; ++i)
    if (t[i] < 0 || t[i] >= c)
      fail(op, "target " + std::to_string(t[i]) + " at row " + std::to_string(i) +
                   " is out of range [0, " + std::to_string(c) + ")");
}

void cross_entropy_forward(py::array loss, py::array log_probs, const py::array& logits,
                           const py::array& targets) {
  const char* op = "cross_entropy_forward";
  check_2d_pair(log_probs, logits, op);
  const int64_t n = logits.shape(0), c = logits.shape(1);
  check_same_dtype(logits, loss, op, "logits", "loss");
  check_contiguous(loss, op, "loss");
  check_writeable(loss, op, "loss");
  check_size(loss, n, op, "loss");
  if (c == 0) fail(op, "logits need at least one class, got shape " + shape_str(logits));
  check_targets(targets, n, c, op);
  const int64_t* t = static_cast<const int64_t*>(targets.data());
  py::gil_scoped_release release;
  if (logits.dtype().is(py::dtype::of<float>()))
    cpu::cross_entropy_forward<float>(static_cast<float*>(loss.mutable_data()), static_cast<float*>(log_probs.mutable_data()), static_cast<const float*>(logits.data()), t, n, c);
  else
    cpu::cross_entropy_forward<double>(static_cast<double*>(loss.mutable_data()), static_cast<double*>(log_probs.mutable_data()), static_cast<const double*>(logits.data()), t, n, c);
}

void cross_entropy_backward(py::array dlogits, const py::array& log_probs,
                            const py::array& targets, const py::array& dloss) {
  const char* op = "cross_entropy_backward";
  check_2d_pair(dlogits, log_probs, op);
  const int64_t n = log_probs.shape(0), c = log_probs.shape(1);
  check_same_dtype(log_probs, dloss, op, "log_probs", "dloss");
  check_contiguous(dloss, op, "dloss");
  check_size(dloss, n, op, "dloss");
  check_targets(targets, n, c, op);
  const int64_t* t = static_cast<const int64_t*>(targets.data());
  py::gil_scoped_release release;
  if (log_probs.dtype().is(py::dtype::of<float>()))
    cpu::cross_entropy_backward<float>(static_cast<float*>(dlogits.mutable_data()), static_cast<const float*>(log_probs.data()), t, static_cast<const float*>(dloss.data()), n, c);
  else
    cpu::cross_entropy_backward<double>(static_cast<double*>(dlogits.mutable_data()), static_cast<const double*>(log_probs.data()), t, static_cast<const double*>(dloss.data()), n, c);
}

// ---- optimizers ----------------------------------------------------------------------------

// Each state buffer must be a contiguous, writeable array of param's dtype and size.
void check_state(const py::array& param, const py::array& buf, const char* op, const char* name) {
  check_same_dtype(param, buf, op, "param", name);
  check_contiguous(buf, op, name);
  check_writeable(buf, op, name);
  check_size(buf, param.size(), op, name);
}

void check_param_grad(const py::array& param, const py::array& grad, const char* op) {
  float_dtype(param, op, "param");
  check_contiguous(param, op, "param");
  check_writeable(param, op, "param");
  check_same_dtype(param, grad, op, "param", "grad");
  check_contiguous(grad, op, "grad");
  check_size(grad, param.size(), op, "grad");
}

template <typename T>
T* ptr_or_null(const py::object& o) {
  return o.is_none() ? nullptr : static_cast<T*>(o.cast<py::array>().mutable_data());
}

void sgd_step(py::array param, const py::array& grad, py::object momentum_buf, double lr,
              double momentum, double dampening, double weight_decay, bool nesterov,
              bool maximize, bool first_step) {
  const char* op = "sgd_step";
  check_param_grad(param, grad, op);
  if (momentum != 0.0) {
    if (momentum_buf.is_none()) fail(op, "momentum != 0 needs a momentum_buf");
    check_state(param, momentum_buf.cast<py::array>(), op, "momentum_buf");
  }
  const cpu::SgdHyper h{lr, momentum, dampening, weight_decay, nesterov, maximize};
  const int64_t n = param.size();
  if (param.dtype().is(py::dtype::of<float>())) {
    float* buf = momentum != 0.0 ? ptr_or_null<float>(momentum_buf) : nullptr;
    py::gil_scoped_release release;
    cpu::sgd_step<float>(static_cast<float*>(param.mutable_data()), buf, static_cast<const float*>(grad.data()), n, h, first_step);
  } else {
    double* buf = momentum != 0.0 ? ptr_or_null<double>(momentum_buf) : nullptr;
    py::gil_scoped_release release;
    cpu::sgd_step<double>(static_cast<double*>(param.mutable_data()), buf, static_cast<const double*>(grad.data()), n, h, first_step);
  }
}

template <typename T>
void adam_typed(py::array& param, const py::array& grad, py::array& m, py::array& v,
                py::object& vmax, const cpu::AdamHyper& h) {
  T* pvmax = h.amsgrad ? ptr_or_null<T>(vmax) : nullptr;
  T* pp = static_cast<T*>(param.mutable_data());
  T* pm = static_cast<T*>(m.mutable_data());
  T* pv = static_cast<T*>(v.mutable_data());
  const T* pg = static_cast<const T*>(grad.data());
  const int64_t n = param.size();
  py::gil_scoped_release release;
  cpu::adam_step<T>(pp, pm, pv, pvmax, pg, n, h);
}

void adam_step(py::array param, const py::array& grad, py::array exp_avg, py::array exp_avg_sq,
               py::object max_exp_avg_sq, int64_t step, double lr, double beta1, double beta2,
               double eps, double weight_decay, bool decoupled_weight_decay, bool amsgrad,
               bool maximize, double lr_divisor) {
  const char* op = "adam_step";
  check_param_grad(param, grad, op);
  check_state(param, exp_avg, op, "exp_avg");
  check_state(param, exp_avg_sq, op, "exp_avg_sq");
  if (amsgrad) {
    if (max_exp_avg_sq.is_none()) fail(op, "amsgrad needs max_exp_avg_sq");
    check_state(param, max_exp_avg_sq.cast<py::array>(), op, "max_exp_avg_sq");
  }
  if (step < 1) fail(op, "step must be >= 1, got " + std::to_string(step));
  if (!(lr_divisor > 0.0)) fail(op, "lr_divisor must be > 0");
  const cpu::AdamHyper h{lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay,
                         amsgrad, maximize, step, lr_divisor};
  if (param.dtype().is(py::dtype::of<float>()))
    adam_typed<float>(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, h);
  else
    adam_typed<double>(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, h);
}

template <typename T>
void adagrad_typed(py::array& param, const py::array& grad, py::array& sum,
                   const cpu::AdagradHyper& h) {
  T* pp = static_cast<T*>(param.mutable_data());
  T* ps = static_cast<T*>(sum.mutable_data());
  const T* pg = static_cast<const T*>(grad.data());
  const int64_t n = param.size();
  py::gil_scoped_release release;
  cpu::adagrad_step<T>(pp, ps, pg, n, h);
}

void adagrad_step(py::array param, const py::array& grad, py::array state_sum, int64_t step,
                  double lr, double lr_decay, double weight_decay, double eps, bool maximize) {
  const char* op = "adagrad_step";
  check_param_grad(param, grad, op);
  check_state(param, state_sum, op, "state_sum");
  if (step < 1) fail(op, "step must be >= 1, got " + std::to_string(step));
  const cpu::AdagradHyper h{lr, lr_decay, weight_decay, eps, maximize, step};
  if (param.dtype().is(py::dtype::of<float>())) adagrad_typed<float>(param, grad, state_sum, h);
  else adagrad_typed<double>(param, grad, state_sum, h);
}

template <typename T>
void rmsprop_typed(py::array& param, const py::array& grad, py::array& sq, py::object& ga,
                   py::object& mb, const cpu::RmspropHyper& h) {
  T* pga = h.centered ? ptr_or_null<T>(ga) : nullptr;
  T* pmb = h.momentum > 0.0 ? ptr_or_null<T>(mb) : nullptr;
  T* pp = static_cast<T*>(param.mutable_data());
  T* psq = static_cast<T*>(sq.mutable_data());
  const T* pg = static_cast<const T*>(grad.data());
  const int64_t n = param.size();
  py::gil_scoped_release release;
  cpu::rmsprop_step<T>(pp, psq, pga, pmb, pg, n, h);
}

void rmsprop_step(py::array param, const py::array& grad, py::array square_avg,
                  py::object grad_avg, py::object momentum_buf, double lr, double alpha,
                  double eps, double weight_decay, double momentum, bool centered,
                  bool maximize) {
  const char* op = "rmsprop_step";
  check_param_grad(param, grad, op);
  check_state(param, square_avg, op, "square_avg");
  if (centered) {
    if (grad_avg.is_none()) fail(op, "centered=True needs grad_avg");
    check_state(param, grad_avg.cast<py::array>(), op, "grad_avg");
  }
  if (momentum > 0.0) {
    if (momentum_buf.is_none()) fail(op, "momentum > 0 needs momentum_buf");
    check_state(param, momentum_buf.cast<py::array>(), op, "momentum_buf");
  }
  const cpu::RmspropHyper h{lr, alpha, eps, weight_decay, momentum, centered, maximize};
  if (param.dtype().is(py::dtype::of<float>()))
    rmsprop_typed<float>(param, grad, square_avg, grad_avg, momentum_buf, h);
  else
    rmsprop_typed<double>(param, grad, square_avg, grad_avg, momentum_buf, h);
}

// Reads ro and reads+writes every array of rw once (rw[k] += ro): the bandwidth floor of an
// optimizer step with len(rw) read-write streams and one read-only stream.
void stream_probe(std::vector<py::array> rw, const py::array& ro) {
  const char* op = "stream_probe";
  if (rw.empty() || rw.size() > 4)
    fail(op, "rw must hold 1 to 4 arrays, got " + std::to_string(rw.size()));
  float_dtype(ro, op, "ro");
  check_contiguous(ro, op, "ro");
  for (const auto& a : rw) check_state(ro, a, op, "rw[k]");
  const int64_t n = ro.size();
  const int k = int(rw.size());
  if (ro.dtype().is(py::dtype::of<float>())) {
    float* ptrs[4] = {};
    for (int i = 0; i < k; ++i) ptrs[i] = static_cast<float*>(rw[i].mutable_data());
    const float* pr = static_cast<const float*>(ro.data());
    py::gil_scoped_release release;
    cpu::stream_probe<float>(ptrs, k, pr, n);
  } else {
    double* ptrs[4] = {};
    for (int i = 0; i < k; ++i) ptrs[i] = static_cast<double*>(rw[i].mutable_data());
    const double* pr = static_cast<const double*>(ro.data());
    py::gil_scoped_release release;
    cpu::stream_probe<double>(ptrs, k, pr, n);
  }
}

// ---- runtime information -------------------------------------------------------------------

py::dict build_info() {
  py::dict d;
  d["version"] = DLCORE_VERSION;
  d["compiler"] = DLCORE_COMPILER;
#if defined(DLCORE_OPENMP)
  d["openmp"] = true;
#else
  d["openmp"] = false;
#endif
#if defined(DLCORE_WITH_CUDA)
  d["cuda"] = true;
#else
  d["cuda"] = false;
#endif
  return d;
}

void set_isa(const std::string& name) {
  cpu::Isa isa;
  if (!cpu::parse_isa(name, &isa))
    throw std::invalid_argument("[set_isa] unknown ISA '" + name +
                                "': expected generic, avx2 or avx512");
  if (isa > cpu::detected_isa())
    throw std::invalid_argument("[set_isa] this CPU supports at most " +
                                std::string(cpu::isa_name(cpu::detected_isa())) + ", not " + name);
  cpu::set_active_isa(isa);
}

}  // namespace

PYBIND11_MODULE(_C, m) {
  m.doc() = "dlcore kernels (see csrc/). Import through dlcore.backend, not directly.";
  m.def("build_info", &build_info, "Version, compiler and build options");
#if defined(DLCORE_WITH_CUDA)
  m.def("has_cuda", [] { return true; }, "True when the CUDA kernels were compiled in");
#else
  m.def("has_cuda", [] { return false; }, "True when the CUDA kernels were compiled in");
#endif

  py::module_ cpu_m = m.def_submodule("cpu", "CPU kernels over numpy arrays");
  cpu_m.def("detected_isa", [] { return std::string(cpu::isa_name(cpu::detected_isa())); });
  cpu_m.def("active_isa", [] { return std::string(cpu::isa_name(cpu::active_isa())); });
  cpu_m.def("set_isa", &set_isa, py::arg("name"), "Lower the kernel ISA (for tests)");
  cpu_m.def("max_threads", &cpu::max_threads);
  cpu_m.def("set_num_threads", &cpu::set_num_threads, py::arg("n"));

  cpu_m.def("gemm", &gemm, py::arg("a"), py::arg("b"), py::arg("out"), py::arg("alpha") = 1.0,
            py::arg("beta") = 0.0, "out = alpha * a @ b + beta * out (2-D or batched 3-D)");
  cpu_m.def("gemm_info", &gemm_info,
            "Blocking (mr, nr, mc, kc, nc, kc_fused, b_group, fused_rows) and cache sizes in use");
  cpu_m.def("gemm_tune", &gemm_tune,
            "Override gemm blocking for measurement: mc, kc, nc, b_group, pack_a, pack_b, "
            "thread_flops, fused_rows, fuse_group, prefetch, pack_ahead, huge_pages, "
            "thread_gate, avx512_twin (no arguments = automatic)");
  cpu_m.def("gemm_threads", &cpu::gemm_threads, py::arg("m"), py::arg("n"), py::arg("k"),
            "Threads gemm would use for an (m, n, k) product");

  // ---- FMA peak probe
  cpu_m.def(
      "fma_probe",
      [](double seconds, int threads) {
        if (!(seconds > 0)) fail("fma_probe", "seconds must be > 0");
        py::gil_scoped_release release;
        return threads <= 1 ? cpu::fma_probe(seconds) : cpu::fma_probe_threads(seconds, threads);
      },
      py::arg("seconds") = 0.2, py::arg("threads") = 1,
      "Peak GFLOP/s of a register-only FMA loop in the active ISA (summed over threads)");
  cpu_m.def(
      "gemm_kernel_peak",
      [](int64_t k, int64_t tiles, double seconds) {
        if (k < 1 || k > (int64_t(1) << 16))
          fail("gemm_kernel_peak", "k must be in [1, 65536], got " + std::to_string(k));
        if (tiles < 1 || tiles > 1024)
          fail("gemm_kernel_peak", "tiles must be in [1, 1024], got " + std::to_string(tiles));
        if (!(seconds > 0)) fail("gemm_kernel_peak", "seconds must be > 0");
        py::gil_scoped_release release;
        return cpu::gemm_kernel_peak(k, tiles, seconds);
      },
      py::arg("k") = 256, py::arg("tiles") = 16, py::arg("seconds") = 0.2,
      "GFLOP/s of the active float32 gemm micro-kernel on `tiles` row tiles of one call at "
      "depth k, its packed slivers and C in cache (L1 for k <= 256): gemm's ceiling without "
      "the memory system");

  cpu_m.def("log_softmax_forward", &log_softmax_forward, py::arg("out"), py::arg("x"));
  cpu_m.def("log_softmax_backward", &log_softmax_backward, py::arg("dx"), py::arg("dy"),
            py::arg("y"));
  cpu_m.def("cross_entropy_forward", &cross_entropy_forward, py::arg("loss"),
            py::arg("log_probs"), py::arg("logits"), py::arg("targets"));
  cpu_m.def("cross_entropy_backward", &cross_entropy_backward, py::arg("dlogits"),
            py::arg("log_probs"), py::arg("targets"), py::arg("dloss"));

  cpu_m.def("sgd_step", &sgd_step, py::arg("param"), py::arg("grad"), py::arg("momentum_buf"),
            py::arg("lr"), py::arg("momentum") = 0.0, py::arg("dampening") = 0.0,
            py::arg("weight_decay") = 0.0, py::arg("nesterov") = false,
            py::arg("maximize") = false, py::arg("first_step") = false,
            "Fused SGD over one flat buffer, in place");
  cpu_m.def("adam_step", &adam_step, py::arg("param"), py::arg("grad"), py::arg("exp_avg"),
            py::arg("exp_avg_sq"), py::arg("max_exp_avg_sq"), py::arg("step"), py::arg("lr"),
            py::arg("beta1"), py::arg("beta2"), py::arg("eps"), py::arg("weight_decay") = 0.0,
            py::arg("decoupled_weight_decay") = false, py::arg("amsgrad") = false,
            py::arg("maximize") = false, py::arg("lr_divisor") = 1.0,
            "Fused Adam/AdamW (Eve via lr_divisor) over one flat buffer, in place");
  cpu_m.def("adagrad_step", &adagrad_step, py::arg("param"), py::arg("grad"),
            py::arg("state_sum"), py::arg("step"), py::arg("lr"), py::arg("lr_decay") = 0.0,
            py::arg("weight_decay") = 0.0, py::arg("eps") = 1e-10, py::arg("maximize") = false,
            "Fused Adagrad over one flat buffer, in place");
  cpu_m.def("rmsprop_step", &rmsprop_step, py::arg("param"), py::arg("grad"),
            py::arg("square_avg"), py::arg("grad_avg"), py::arg("momentum_buf"), py::arg("lr"),
            py::arg("alpha") = 0.99, py::arg("eps") = 1e-8, py::arg("weight_decay") = 0.0,
            py::arg("momentum") = 0.0, py::arg("centered") = false, py::arg("maximize") = false,
            "Fused RMSprop (centered, momentum) over one flat buffer, in place");
  cpu_m.def("stream_probe", &stream_probe, py::arg("rw"), py::arg("ro"),
            "Bandwidth floor: rw[k] += ro for every array in rw (1 to 4), one pass");

#if defined(DLCORE_WITH_CUDA)
  py::module_ cu = m.def_submodule("cuda", "CUDA kernels over raw device pointers");
  cu.def("device_count", &dlcore::cuda::device_count);
  cu.def("runtime_version", &dlcore::cuda::runtime_version);
  cu.def("synchronize", [] {
    py::gil_scoped_release release;
    dlcore::cuda::synchronize();
  });
  cu.def(
      "sgd_step",
      [](uintptr_t param, uintptr_t grad, uintptr_t momentum_buf, int64_t n, double lr,
         double momentum, double dampening, double weight_decay, bool nesterov, bool maximize,
         bool first_step) {
        if (momentum != 0.0 && momentum_buf == 0)
          throw std::invalid_argument("[cuda.sgd_step] momentum != 0 needs a momentum_buf");
        const cpu::SgdHyper h{lr, momentum, dampening, weight_decay, nesterov, maximize};
        py::gil_scoped_release release;
        dlcore::cuda::sgd_step(reinterpret_cast<float*>(param),
                               reinterpret_cast<float*>(momentum_buf),
                               reinterpret_cast<const float*>(grad), n, h, first_step);
      },
      py::arg("param"), py::arg("grad"), py::arg("momentum_buf"), py::arg("n"), py::arg("lr"),
      py::arg("momentum") = 0.0, py::arg("dampening") = 0.0, py::arg("weight_decay") = 0.0,
      py::arg("nesterov") = false, py::arg("maximize") = false, py::arg("first_step") = false,
      "Fused SGD over float32 device buffers (pointers as ints)");
  cu.def(
      "adam_step",
      [](uintptr_t param, uintptr_t grad, uintptr_t exp_avg, uintptr_t exp_avg_sq,
         uintptr_t max_exp_avg_sq, int64_t n, int64_t step, double lr, double beta1,
         double beta2, double eps, double weight_decay, bool decoupled_weight_decay,
         bool amsgrad, bool maximize, double lr_divisor) {
        const char* op = "cuda.adam_step";
        if (step < 1) fail(op, "step must be >= 1, got " + std::to_string(step));
        if (!(lr_divisor > 0.0)) fail(op, "lr_divisor must be > 0");
        if (amsgrad && max_exp_avg_sq == 0) fail(op, "amsgrad needs max_exp_avg_sq");
        if (n > 0 && (param == 0 || grad == 0 || exp_avg == 0 || exp_avg_sq == 0))
          fail(op, "null device pointer");
        const cpu::AdamHyper h{lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay,
                               amsgrad, maximize, step, lr_divisor};
        py::gil_scoped_release release;
        dlcore::cuda::adam_step(reinterpret_cast<float*>(param),
                                reinterpret_cast<float*>(exp_avg),
                                reinterpret_cast<float*>(exp_avg_sq),
                                reinterpret_cast<float*>(max_exp_avg_sq),
                                reinterpret_cast<const float*>(grad), n, h);
      },
      py::arg("param"), py::arg("grad"), py::arg("exp_avg"), py::arg("exp_avg_sq"),
      py::arg("max_exp_avg_sq"), py::arg("n"), py::arg("step"), py::arg("lr"),
      py::arg("beta1"), py::arg("beta2"), py::arg("eps"), py::arg("weight_decay") = 0.0,
      py::arg("decoupled_weight_decay") = false, py::arg("amsgrad") = false,
      py::arg("maximize") = false, py::arg("lr_divisor") = 1.0,
      "Fused Adam/AdamW/AMSGrad (Eve via lr_divisor) over float32 device buffers");
#endif
}
