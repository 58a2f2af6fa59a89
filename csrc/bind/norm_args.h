// Argument checks of the batch-norm and GELU kernels, shared by the CPU binding (bind_norm.cpp)
// and a CUDA one: every array float32/float64 of one dtype and C-contiguous, outputs writeable
// and overlapping no other argument; x (N, C, *) is viewed as (N, C, L) with L the product of
// the trailing axes; per-channel arrays are (C,). The *Args structs hold the checked views.
#pragma once
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bind/array_view.h"

namespace dlcore::bind {

struct Ncl {
  int64_t n = 0, c = 0, l = 1;
};

inline bool same_shape(const ArrayView& a, const ArrayView& b) {
  if (a.ndim() != b.ndim()) return false;
  for (int i = 0; i < a.ndim(); ++i)
    if (a.shape[i] != b.shape[i]) return false;
  return true;
}

// a has ref's dtype and shape and is C-contiguous.
inline void check_like(const ArrayView& a, const ArrayView& ref, const char* op, const char* na,
                       const char* nref) {
  check_same_dtype(ref, a, op, nref, na);
  check_contiguous(a, op, na);
  if (!same_shape(a, ref))
    fail(op, std::string(na) + " " + a.shape_str() + " must have the shape of " + nref + " " +
                 ref.shape_str());
}

// x: float, C-contiguous, (N, C, *) with at least 2 axes.
inline Ncl check_ncl(const ArrayView& x, const char* op, const char* name) {
  check_float(x, op, name);
  check_contiguous(x, op, name);
  if (x.ndim() < 2)
    fail(op,
         std::string(name) + " must be (N, C, *) with at least 2 axes, got shape " + x.shape_str());
  Ncl d{x.shape[0], x.shape[1], 1};
  for (int i = 2; i < x.ndim(); ++i) d.l *= x.shape[i];
  return d;
}

// A per-channel array: x's dtype, shape (c,), C-contiguous.
inline void check_channels(const ArrayView& v, const ArrayView& x, int64_t c, const char* op,
                           const char* name) {
  check_same_dtype(x, v, op, "x", name);
  check_contiguous(v, op, name);
  if (v.ndim() != 1 || v.shape[0] != c)
    fail(op, std::string(name) + " must have shape (" + std::to_string(c) + ",) for x " +
                 x.shape_str() + ", got " + v.shape_str());
}

inline std::optional<ArrayView> optional_channels(py::handle obj, const ArrayView& x, int64_t c,
                                                  Device dev, const char* op, const char* name) {
  if (obj.is_none()) return std::nullopt;
  ArrayView v = view(obj, dev, op, name);
  check_channels(v, x, c, op, name);
  return v;
}

using Named = std::pair<const ArrayView*, const char*>;

// The arguments that are present (an absent optional is skipped).
inline std::vector<Named> present(
    std::initializer_list<std::pair<const std::optional<ArrayView>*, const char*>> opts,
    std::vector<Named> named) {
  for (const auto& [v, name] : opts)
    if (*v) named.emplace_back(&**v, name);
  return named;
}

// Each output is writeable and shares no memory with another output or an input.
inline void check_outputs(const std::vector<Named>& outs, const std::vector<Named>& ins,
                          const char* op) {
  for (const Named& o : outs) check_writeable(*o.first, op, o.second);
  for (size_t i = 0; i < outs.size(); ++i) {
    for (size_t j = i + 1; j < outs.size(); ++j)
      if (overlaps(*outs[i].first, *outs[j].first))
        fail(op, std::string(outs[i].second) + " must not overlap " + outs[j].second);
    for (const Named& a : ins)
      if (overlaps(*outs[i].first, *a.first))
        fail(op, std::string(outs[i].second) + " must not overlap " + a.second);
  }
}

template <typename T>
T* ptr_or_null(const std::optional<ArrayView>& v) {
  return v ? v->data<T>() : nullptr;
}

// batch_norm_forward(y, mean, var, x, weight, bias, eps)
struct BatchNormForwardArgs {
  ArrayView y, mean, var, x;
  std::optional<ArrayView> weight, bias;
  Ncl d;
};

inline BatchNormForwardArgs batch_norm_forward_args(py::handle y, py::handle mean, py::handle var,
                                                    py::handle x, py::handle weight,
                                                    py::handle bias, Device dev, const char* op) {
  BatchNormForwardArgs a{view(y, dev, op, "y"),
                         view(mean, dev, op, "mean"),
                         view(var, dev, op, "var"),
                         view(x, dev, op, "x"),
                         {},
                         {},
                         {}};
  a.d = check_ncl(a.x, op, "x");
  check_like(a.y, a.x, op, "y", "x");
  check_channels(a.mean, a.x, a.d.c, op, "mean");
  check_channels(a.var, a.x, a.d.c, op, "var");
  a.weight = optional_channels(weight, a.x, a.d.c, dev, op, "weight");
  a.bias = optional_channels(bias, a.x, a.d.c, dev, op, "bias");
  check_outputs({{&a.y, "y"}, {&a.mean, "mean"}, {&a.var, "var"}},
                present({{&a.weight, "weight"}, {&a.bias, "bias"}}, {{&a.x, "x"}}), op);
  return a;
}

// batch_norm_inference(y, x, mean, var, weight, bias, eps)
struct BatchNormInferenceArgs {
  ArrayView y, x, mean, var;
  std::optional<ArrayView> weight, bias;
  Ncl d;
};

inline BatchNormInferenceArgs batch_norm_inference_args(py::handle y, py::handle x, py::handle mean,
                                                        py::handle var, py::handle weight,
                                                        py::handle bias, Device dev,
                                                        const char* op) {
  BatchNormInferenceArgs a{view(y, dev, op, "y"),
                           view(x, dev, op, "x"),
                           view(mean, dev, op, "mean"),
                           view(var, dev, op, "var"),
                           {},
                           {},
                           {}};
  a.d = check_ncl(a.x, op, "x");
  check_like(a.y, a.x, op, "y", "x");
  check_channels(a.mean, a.x, a.d.c, op, "mean");
  check_channels(a.var, a.x, a.d.c, op, "var");
  a.weight = optional_channels(weight, a.x, a.d.c, dev, op, "weight");
  a.bias = optional_channels(bias, a.x, a.d.c, dev, op, "bias");
  check_outputs({{&a.y, "y"}},
                present({{&a.weight, "weight"}, {&a.bias, "bias"}},
                        {{&a.x, "x"}, {&a.mean, "mean"}, {&a.var, "var"}}),
                op);
  return a;
}

// batch_norm_backward(dx, dweight, dbias, dy, x, mean, var, weight, eps)
struct BatchNormBackwardArgs {
  ArrayView dx;
  std::optional<ArrayView> dweight, dbias;
  ArrayView dy, x, mean, var;
  std::optional<ArrayView> weight;
  Ncl d;
};

inline BatchNormBackwardArgs batch_norm_backward_args(py::handle dx, py::handle dweight,
                                                      py::handle dbias, py::handle dy, py::handle x,
                                                      py::handle mean, py::handle var,
                                                      py::handle weight, Device dev,
                                                      const char* op) {
  BatchNormBackwardArgs a{view(dx, dev, op, "dx"),
                          {},
                          {},
                          view(dy, dev, op, "dy"),
                          view(x, dev, op, "x"),
                          view(mean, dev, op, "mean"),
                          view(var, dev, op, "var"),
                          {},
                          {}};
  a.d = check_ncl(a.x, op, "x");
  check_like(a.dx, a.x, op, "dx", "x");
  check_like(a.dy, a.x, op, "dy", "x");
  check_channels(a.mean, a.x, a.d.c, op, "mean");
  check_channels(a.var, a.x, a.d.c, op, "var");
  a.dweight = optional_channels(dweight, a.x, a.d.c, dev, op, "dweight");
  a.dbias = optional_channels(dbias, a.x, a.d.c, dev, op, "dbias");
  a.weight = optional_channels(weight, a.x, a.d.c, dev, op, "weight");
  check_outputs(present({{&a.dweight, "dweight"}, {&a.dbias, "dbias"}}, {{&a.dx, "dx"}}),
                present({{&a.weight, "weight"}},
                        {{&a.dy, "dy"}, {&a.x, "x"}, {&a.mean, "mean"}, {&a.var, "var"}}),
                op);
  return a;
}

// gelu_forward(y, x, approximate) and gelu_backward(dx, dy, x, approximate): any shape.
struct GeluArgs {
  ArrayView out, x;
  std::optional<ArrayView> dy;
};

// dy: nullptr for the forward.
inline GeluArgs gelu_args(py::handle out, const py::handle* dy, py::handle x, Device dev,
                          const char* op, const char* nout) {
  GeluArgs a{view(out, dev, op, nout), view(x, dev, op, "x"), {}};
  check_float(a.x, op, "x");
  check_contiguous(a.x, op, "x");
  check_like(a.out, a.x, op, nout, "x");
  if (dy) {
    a.dy = view(*dy, dev, op, "dy");
    check_like(*a.dy, a.x, op, "dy", "x");
  }
  check_outputs({{&a.out, nout}}, present({{&a.dy, "dy"}}, {{&a.x, "x"}}), op);
  return a;
}

}  // namespace dlcore::bind
