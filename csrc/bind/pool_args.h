// Argument checks of the pooling kernels, shared by the CPU binding (bind_pool.cpp) and a CUDA
// one: every array 4-D NCHW and C-contiguous, float32/float64 of one dtype (indices int64),
// outputs writeable and apart from the inputs; kernel/stride/padding/dilation tuples of two ints
// (kernel, stride, dilation >= 1; 0 <= padding <= kernel/2, torch's rule); the output plane size
// torch's (pool_output_size) and >= 1. The *Args structs hold the checked views and geometry.
#pragma once
#include <string>

#include "bind/array_view.h"
#include "cpu/pool.h"

namespace dlcore::bind {

struct Pair {
  int64_t h, w;
};

// A Python tuple (or list) of two ints, each >= min: "[op] name must be ...".
inline Pair pair_arg(py::handle obj, const char* op, const char* name, int64_t min) {
  const std::string want =
      std::string(name) + " must be a tuple of two ints >= " + std::to_string(min);
  if (!py::isinstance<py::tuple>(obj) && !py::isinstance<py::list>(obj))
    fail_type(op, want + ", got " + std::string(py::str(py::type::of(obj).attr("__name__"))));
  auto seq = py::reinterpret_borrow<py::sequence>(obj);
  if (seq.size() != 2) fail(op, want + ", got " + std::string(py::repr(obj)));
  int64_t v[2];
  for (int i = 0; i < 2; ++i) {
    py::handle e = seq[i];
    if (!py::isinstance<py::int_>(e) || py::isinstance<py::bool_>(e))
      fail_type(op, want + ", got " + std::string(py::repr(obj)));
    v[i] = e.cast<int64_t>();
    if (v[i] < min) fail(op, want + ", got " + std::string(py::repr(obj)));
  }
  return {v[0], v[1]};
}

inline std::string pair_str(Pair p) {
  return "(" + std::to_string(p.h) + ", " + std::to_string(p.w) + ")";
}

// A float input or gradient: 4-D, C-contiguous.
inline void check_planes(const ArrayView& a, const char* op, const char* name) {
  check_float(a, op, name);
  check_ndim(a, 4, op, name);
  check_contiguous(a, op, name);
}

// An array of (n, c, h, w) with ref's dtype (or int64 when is_index), C-contiguous, writeable
// when `out`.
inline void check_shaped(const ArrayView& a, const ArrayView& ref, int64_t h, int64_t w, bool out,
                         bool is_index, const char* op, const char* name, const char* nref) {
  if (is_index) check_dtype(a, DType::i64, "int64", op, name);
  else check_same_dtype(ref, a, op, nref, name);
  check_contiguous(a, op, name);
  if (out) check_writeable(a, op, name);
  if (a.ndim() != 4 || a.shape[0] != ref.shape[0] || a.shape[1] != ref.shape[1] ||
      a.shape[2] != h || a.shape[3] != w)
    fail(op, std::string(name) + " " + a.shape_str() + " must have shape (" +
                 std::to_string(ref.shape[0]) + ", " + std::to_string(ref.shape[1]) + ", " +
                 std::to_string(h) + ", " + std::to_string(w) + ") for " + nref + " " +
                 ref.shape_str());
}

inline void check_apart(const ArrayView& out, const ArrayView& in, const char* op, const char* nout,
                        const char* nin) {
  if (overlaps(out, in)) fail(op, std::string(nout) + " overlaps " + nin);
}

// The geometry of pooling the planes of `in` (N, C, H, W); ValueError for an empty plane, padding
// above kernel/2 or an output plane below 1x1.
inline cpu::Pool2dGeom pool_geom(const ArrayView& in, Pair k, Pair s, Pair p, Pair d,
                                 bool ceil_mode, const char* op, const char* nin) {
  if (in.shape[2] < 1 || in.shape[3] < 1)
    fail(op, std::string(nin) + " " + in.shape_str() + " has an empty plane");
  if (2 * p.h > k.h || 2 * p.w > k.w)
    fail(op, "padding " + pair_str(p) + " must be at most half of kernel " + pair_str(k));
  cpu::Pool2dGeom g{in.shape[0] * in.shape[1],
                    in.shape[2],
                    in.shape[3],
                    0,
                    0,
                    k.h,
                    k.w,
                    s.h,
                    s.w,
                    p.h,
                    p.w,
                    d.h,
                    d.w};
  g.ho = cpu::pool_output_size(g.h, k.h, s.h, p.h, d.h, ceil_mode);
  g.wo = cpu::pool_output_size(g.w, k.w, s.w, p.w, d.w, ceil_mode);
  if (g.ho < 1 || g.wo < 1)
    fail(op, std::string(nin) + " " + in.shape_str() + " is too small for kernel " + pair_str(k) +
                 ", stride " + pair_str(s) + ", padding " + pair_str(p) + ", dilation " +
                 pair_str(d) + ": output plane (" + std::to_string(g.ho) + ", " +
                 std::to_string(g.wo) + ")");
  return g;
}

struct MaxPoolForwardArgs {
  ArrayView y, indices, x;
  cpu::Pool2dGeom g;
};

inline MaxPoolForwardArgs max_pool2d_forward_args(py::handle y, py::handle indices, py::handle x,
                                                  py::handle kernel, py::handle stride,
                                                  py::handle padding, py::handle dilation,
                                                  bool ceil_mode, Device dev, const char* op) {
  MaxPoolForwardArgs a{
      view(y, dev, op, "y"), view(indices, dev, op, "indices"), view(x, dev, op, "x"), {}};
  check_planes(a.x, op, "x");
  const Pair k = pair_arg(kernel, op, "kernel", 1), s = pair_arg(stride, op, "stride", 1);
  const Pair p = pair_arg(padding, op, "padding", 0), d = pair_arg(dilation, op, "dilation", 1);
  a.g = pool_geom(a.x, k, s, p, d, ceil_mode, op, "x");
  check_shaped(a.y, a.x, a.g.ho, a.g.wo, true, false, op, "y", "x");
  check_shaped(a.indices, a.x, a.g.ho, a.g.wo, true, true, op, "indices", "x");
  check_apart(a.y, a.x, op, "y", "x");
  check_apart(a.indices, a.x, op, "indices", "x");
  check_apart(a.indices, a.y, op, "indices", "y");
  return a;
}

struct MaxPoolBackwardArgs {
  ArrayView dx, dy, indices;
};

inline MaxPoolBackwardArgs max_pool2d_backward_args(py::handle dx, py::handle dy,
                                                    py::handle indices, Device dev,
                                                    const char* op) {
  MaxPoolBackwardArgs a{view(dx, dev, op, "dx"), view(dy, dev, op, "dy"),
                        view(indices, dev, op, "indices")};
  check_planes(a.dy, op, "dy");
  check_shaped(a.indices, a.dy, a.dy.shape[2], a.dy.shape[3], false, true, op, "indices", "dy");
  check_same_dtype(a.dy, a.dx, op, "dy", "dx");
  check_contiguous(a.dx, op, "dx");
  check_writeable(a.dx, op, "dx");
  check_ndim(a.dx, 4, op, "dx");
  check_shaped(a.dx, a.dy, a.dx.shape[2], a.dx.shape[3], true, false, op, "dx", "dy");
  check_apart(a.dx, a.dy, op, "dx", "dy");
  check_apart(a.dx, a.indices, op, "dx", "indices");
  return a;
}

struct AvgPoolArgs {
  ArrayView out, in;  // forward: y, x; backward: dx, dy
  cpu::Pool2dGeom g;
  bool count_include_pad;
  int64_t divisor;
};

// forward: (y, x), the geometry from x; backward: (dx, dy), the geometry from dx.
inline AvgPoolArgs avg_pool2d_args(py::handle out, py::handle in, py::handle kernel,
                                   py::handle stride, py::handle padding, bool ceil_mode,
                                   bool count_include_pad, int64_t divisor, bool backward,
                                   Device dev, const char* op) {
  const char* nout = backward ? "dx" : "y";
  const char* nin = backward ? "dy" : "x";
  AvgPoolArgs a{view(out, dev, op, nout), view(in, dev, op, nin), {}, count_include_pad, divisor};
  check_planes(a.in, op, nin);
  const Pair k = pair_arg(kernel, op, "kernel", 1), s = pair_arg(stride, op, "stride", 1);
  const Pair p = pair_arg(padding, op, "padding", 0);
  if (backward) {
    check_same_dtype(a.in, a.out, op, nin, nout);
    check_ndim(a.out, 4, op, nout);
    check_contiguous(a.out, op, nout);
    check_writeable(a.out, op, nout);
    a.g = pool_geom(a.out, k, s, p, {1, 1}, ceil_mode, op, nout);
    check_shaped(a.in, a.out, a.g.ho, a.g.wo, false, false, op, nin, nout);
  } else {
    a.g = pool_geom(a.in, k, s, p, {1, 1}, ceil_mode, op, nin);
    check_shaped(a.out, a.in, a.g.ho, a.g.wo, true, false, op, nout, nin);
  }
  check_apart(a.out, a.in, op, nout, nin);
  return a;
}

struct AdaptiveArgs {
  ArrayView out, in;  // forward: y, x; backward: dx, dy
  int64_t planes, h, w, ho, wo;
};

// The output plane (ho, wo) comes from y (forward) or dy (backward); a non-empty output plane
// needs a non-empty input plane.
inline AdaptiveArgs adaptive_avg_pool2d_args(py::handle out, py::handle in, bool backward,
                                             Device dev, const char* op) {
  const char* nout = backward ? "dx" : "y";
  const char* nin = backward ? "dy" : "x";
  AdaptiveArgs a{view(out, dev, op, nout), view(in, dev, op, nin), 0, 0, 0, 0, 0};
  check_planes(a.in, op, nin);
  check_same_dtype(a.in, a.out, op, nin, nout);
  check_ndim(a.out, 4, op, nout);
  check_shaped(a.out, a.in, a.out.shape[2], a.out.shape[3], true, false, op, nout, nin);
  const ArrayView& big = backward ? a.out : a.in;
  const ArrayView& small = backward ? a.in : a.out;
  a.planes = big.shape[0] * big.shape[1];
  a.h = big.shape[2], a.w = big.shape[3], a.ho = small.shape[2], a.wo = small.shape[3];
  if ((a.ho > 0 && a.h == 0) || (a.wo > 0 && a.w == 0))
    fail(op, std::string(backward ? "dx " : "x ") + big.shape_str() +
                 " has an empty plane for output plane (" + std::to_string(a.ho) + ", " +
                 std::to_string(a.wo) + ")");
  check_apart(a.out, a.in, op, nout, nin);
  return a;
}

}  // namespace dlcore::bind
