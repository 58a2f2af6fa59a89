// Argument checks of the conv2d kernels, shared by the CPU binding (bind_conv.cpp) and the CUDA
// one (bind_cuda_conv.cpp), which views the arrays with its Device: the geometry tuples (stride
// (sh, sw) >= 1, padding (top, bottom, left, right) >= 0, dilation (dh, dw) >= 1, groups >= 1
// dividing C and K), the 4-D float arrays of one dtype, C-contiguous, outputs writeable and not
// overlapping an input, and every shape against x (N, C, H, W), w (K, C/groups, R, S), y (N, K, Ho,
// Wo) with torch's Ho and Wo. The conv2d_*_args functions run every check of one op and return the
// checked views and shape.
#pragma once
#include <initializer_list>
#include <optional>
#include <string>

#include "bind/array_view.h"
#include "cpu/conv.h"

namespace dlcore::bind {

// A Python tuple of exactly n ints, each >= lo.
inline void conv_tuple(py::handle obj, int n, int64_t lo, int64_t* out, const char* op,
                       const char* name) {
  if (!py::isinstance<py::tuple>(obj))
    fail_type(op, std::string(name) + " must be a tuple of " + std::to_string(n) + " ints, got " +
                      std::string(py::str(py::type::of(obj).attr("__name__"))));
  const py::tuple t = py::reinterpret_borrow<py::tuple>(obj);
  if (int(t.size()) != n)
    fail(op, std::string(name) + " must have " + std::to_string(n) + " entries, got " +
                 std::string(py::str(obj)));
  for (int i = 0; i < n; ++i) {
    if (!py::isinstance<py::int_>(t[i]) || py::isinstance<py::bool_>(t[i]))
      fail_type(op, std::string(name) + " must hold ints, got " + std::string(py::str(obj)));
    out[i] = t[i].cast<int64_t>();
    if (out[i] < lo)
      fail(op, std::string(name) + " entries must be >= " + std::to_string(lo) + ", got " +
                   std::string(py::str(obj)));
  }
}

// groups: a Python int (bool refused).
inline int64_t conv_groups(py::handle obj, const char* op) {
  if (!py::isinstance<py::int_>(obj) || py::isinstance<py::bool_>(obj))
    fail_type(op, "groups must be an int, got " +
                      std::string(py::str(py::type::of(obj).attr("__name__"))));
  return obj.cast<int64_t>();
}

// The geometry arguments and x's / w's sizes; returns the checked shape (ho, wo computed).
inline cpu::ConvShape conv_shape(int64_t n, int64_t c, int64_t h, int64_t w, const ArrayView& wt,
                                 py::handle stride, py::handle padding, py::handle dilation,
                                 int64_t groups, const char* op, const char* xname) {
  cpu::ConvShape p{};
  int64_t st[2], pad[4], dil[2];
  conv_tuple(stride, 2, 1, st, op, "stride");
  conv_tuple(padding, 4, 0, pad, op, "padding");
  conv_tuple(dilation, 2, 1, dil, op, "dilation");
  if (groups < 1) fail(op, "groups must be >= 1, got " + std::to_string(groups));
  p.n = n, p.c = c, p.h = h, p.w = w;
  p.k = wt.shape[0], p.r = wt.shape[2], p.s = wt.shape[3];
  p.stride_h = st[0], p.stride_w = st[1];
  p.pad_top = pad[0], p.pad_bottom = pad[1], p.pad_left = pad[2], p.pad_right = pad[3];
  p.dil_h = dil[0], p.dil_w = dil[1];
  p.groups = groups;
  if (c % groups != 0 || p.k % groups != 0)
    fail(op, "groups=" + std::to_string(groups) + " must divide the input channels (" +
                 std::to_string(c) + ") and the output channels (w " + wt.shape_str() + ")");
  if (wt.shape[1] != c / groups)
    fail(op, "w " + wt.shape_str() + " must have C/groups = " + std::to_string(c / groups) +
                 " input channels for " + xname + " with " + std::to_string(c) +
                 " channels and groups=" + std::to_string(groups));
  const int64_t eh = p.dil_h * (p.r - 1) + 1, ew = p.dil_w * (p.s - 1) + 1;
  const int64_t ph = h + p.pad_top + p.pad_bottom, pw = w + p.pad_left + p.pad_right;
  if (ph < eh || pw < ew)
    fail(op, std::string(xname) + " spatial size (" + std::to_string(h) + ", " + std::to_string(w) +
                 ") padded to (" + std::to_string(ph) + ", " + std::to_string(pw) +
                 ") is smaller than the dilated kernel (" + std::to_string(eh) + ", " +
                 std::to_string(ew) + ")");
  p.ho = (ph - eh) / p.stride_h + 1;
  p.wo = (pw - ew) / p.stride_w + 1;
  return p;
}

// A 4-D array of ref's dtype, C-contiguous (and writeable when an output).
inline void conv_array(const ArrayView& a, const ArrayView& ref, const char* op, const char* name,
                       const char* nref, bool output) {
  check_same_dtype(ref, a, op, nref, name);
  check_ndim(a, 4, op, name);
  check_contiguous(a, op, name);
  if (output) check_writeable(a, op, name);
}

inline void conv_expect_shape(const ArrayView& a, std::initializer_list<int64_t> want,
                              const char* op, const char* name, const char* why) {
  bool ok = a.ndim() == int(want.size());
  int i = 0;
  for (int64_t d : want) ok = ok && a.shape[i++] == d;
  if (ok) return;
  std::string s = "(";
  i = 0;
  for (int64_t d : want) s += (i++ ? ", " : "") + std::to_string(d);
  if (want.size() == 1) s += ",";
  fail(op, std::string(name) + " " + a.shape_str() + " must have shape " + s + ")" + why);
}

// An optional (K,) vector of ref's dtype: bias (input) or db (output).
inline std::optional<ArrayView> conv_vector(py::handle obj, const ArrayView& ref, int64_t k,
                                            Device dev, const char* op, const char* name,
                                            bool output) {
  std::optional<ArrayView> v = view_optional(obj, dev, op, name);
  if (!v) return v;
  check_same_dtype(ref, *v, op, "w", name);
  check_contiguous(*v, op, name);
  if (output) check_writeable(*v, op, name);
  conv_expect_shape(*v, {k}, op, name, " (one entry per output channel)");
  return v;
}

inline void conv_no_overlap(const ArrayView& out, std::initializer_list<const ArrayView*> ins,
                            const char* op, const char* name) {
  for (const ArrayView* a : ins)
    if (a && overlaps(out, *a)) fail(op, std::string(name) + " must not overlap an input");
}

// ref a float array and the one dtype of all three; ref and in 4-D inputs, out a 4-D output.
inline void conv_arrays(const ArrayView& ref, const ArrayView& in, const ArrayView& out,
                        const char* op, const char* nref, const char* nin, const char* nout) {
  check_float(ref, op, nref);
  conv_array(ref, ref, op, nref, nref, false);
  conv_array(in, ref, op, nin, nref, false);
  conv_array(out, ref, op, nout, nref, true);
}

// groups and the geometry from in (N, C, H, W) and w; out (N, K, Ho, Wo) checked against it.
inline cpu::ConvShape conv_geometry(const ArrayView& in, const ArrayView& w, const ArrayView& out,
                                    py::handle stride, py::handle padding, py::handle dilation,
                                    py::handle groups, const char* op, const char* nin,
                                    const char* nout) {
  const cpu::ConvShape p = conv_shape(in.shape[0], in.shape[1], in.shape[2], in.shape[3], w, stride,
                                      padding, dilation, conv_groups(groups, op), op, nin);
  conv_expect_shape(out, {p.n, p.k, p.ho, p.wo}, op, nout, " (N, K, Ho, Wo)");
  return p;
}

// conv2d_forward(y, x, w, bias, stride, padding, dilation, groups)
struct Conv2dForwardArgs {
  ArrayView y, x, w;
  std::optional<ArrayView> bias;
  cpu::ConvShape p;
};

inline Conv2dForwardArgs conv2d_forward_args(py::handle y, py::handle x, py::handle w,
                                             py::handle bias, py::handle stride, py::handle padding,
                                             py::handle dilation, py::handle groups, Device dev,
                                             const char* op) {
  Conv2dForwardArgs a{view(y, dev, op, "y"), view(x, dev, op, "x"), view(w, dev, op, "w"), {}, {}};
  conv_arrays(a.x, a.w, a.y, op, "x", "w", "y");
  a.bias = conv_vector(bias, a.x, a.w.shape[0], dev, op, "bias", false);
  a.p = conv_geometry(a.x, a.w, a.y, stride, padding, dilation, groups, op, "x", "y");
  conv_no_overlap(a.y, {&a.x, &a.w, a.bias ? &*a.bias : nullptr}, op, "y");
  return a;
}

// conv2d_backward_input(dx, dy, w, stride, padding, dilation, groups)
struct Conv2dBackwardInputArgs {
  ArrayView dx, dy, w;
  cpu::ConvShape p;
};

inline Conv2dBackwardInputArgs conv2d_backward_input_args(py::handle dx, py::handle dy,
                                                          py::handle w, py::handle stride,
                                                          py::handle padding, py::handle dilation,
                                                          py::handle groups, Device dev,
                                                          const char* op) {
  Conv2dBackwardInputArgs a{
      view(dx, dev, op, "dx"), view(dy, dev, op, "dy"), view(w, dev, op, "w"), {}};
  conv_arrays(a.dy, a.w, a.dx, op, "dy", "w", "dx");
  a.p = conv_geometry(a.dx, a.w, a.dy, stride, padding, dilation, groups, op, "dx", "dy");
  conv_no_overlap(a.dx, {&a.dy, &a.w}, op, "dx");
  return a;
}

// conv2d_backward_weight(dw, db, dy, x, stride, padding, dilation, groups)
struct Conv2dBackwardWeightArgs {
  ArrayView dw;
  std::optional<ArrayView> db;
  ArrayView dy, x;
  cpu::ConvShape p;
};

inline Conv2dBackwardWeightArgs conv2d_backward_weight_args(py::handle dw, py::handle db,
                                                            py::handle dy, py::handle x,
                                                            py::handle stride, py::handle padding,
                                                            py::handle dilation, py::handle groups,
                                                            Device dev, const char* op) {
  Conv2dBackwardWeightArgs a{
      view(dw, dev, op, "dw"), {}, view(dy, dev, op, "dy"), view(x, dev, op, "x"), {}};
  conv_arrays(a.x, a.dy, a.dw, op, "x", "dy", "dw");
  a.db = conv_vector(db, a.x, a.dw.shape[0], dev, op, "db", true);
  a.p = conv_geometry(a.x, a.dw, a.dy, stride, padding, dilation, groups, op, "x", "dy");
  conv_no_overlap(a.dw, {&a.dy, &a.x, a.db ? &*a.db : nullptr}, op, "dw");
  if (a.db) conv_no_overlap(*a.db, {&a.dy, &a.x}, op, "db");
  return a;
}

}  // namespace dlcore::bind
