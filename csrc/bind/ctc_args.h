// Argument checks of the CTC loss kernels, shared by the CPU binding (bind_ctc.cpp) and the CUDA
// one, which views the arrays with its Device:
//   ctc_loss_forward(loss, log_alpha, log_probs, targets, input_lengths, target_lengths, blank)
//   ctc_loss_backward(grad, dloss, log_probs, targets, input_lengths, target_lengths, blank,
//                     log_alpha, loss)
// log_probs (T, N, C) float32/float64; every float array of its dtype; targets int64 (N, S);
// input_lengths, target_lengths int64 (N,); loss, dloss (N,); log_alpha (N, T, 2S+1);
// grad (T, N, C). All C-contiguous; outputs writeable and overlapping no other argument;
// blank a Python int (not bool) in [0, C). The *_args functions run every check that needs no
// array values and return the checked views and sizes.
// The values (lengths in range, targets in [0, C) and not blank) are checked by
// check_ctc_values over host pointers: the CPU binding passes the arrays' data; the CUDA binding
// copies the three int64 arrays to the host (N + N*S values) and calls the same function, so
// both refuse the same values with the same message. Call it after the *_args function.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include "bind/array_view.h"

namespace dlcore::bind {

struct CtcShape {
  int64_t t = 0, n = 0, c = 0, s = 0;  // time steps, batch, classes, padded target length
  int64_t blank = 0;
};

// blank: a Python int, not bool, in [0, c).
inline int64_t ctc_blank(py::handle obj, int64_t c, const char* op) {
  if (!py::isinstance<py::int_>(obj) || py::isinstance<py::bool_>(obj))
    fail_type(op, "blank must be an int, got " +
                      std::string(py::str(py::type::of(obj).attr("__name__"))));
  const int64_t blank = obj.cast<int64_t>();
  if (blank < 0 || blank >= c)
    fail(op, "blank " + std::to_string(blank) + " must be in [0, C) for " + std::to_string(c) +
                 " classes");
  return blank;
}

inline std::string ctc_shape_str(std::initializer_list<int64_t> dims) {
  std::string s = "(";
  int i = 0;
  for (int64_t d : dims) s += (i++ ? ", " : "") + std::to_string(d);
  return s + (dims.size() == 1 ? ",)" : ")");
}

// a: C-contiguous with exactly the given shape (dtype checked by the caller).
inline void ctc_expect(const ArrayView& a, std::initializer_list<int64_t> want, const char* op,
                       const char* name, const char* what) {
  check_contiguous(a, op, name);
  bool ok = a.ndim() == int(want.size());
  int i = 0;
  for (int64_t d : want) ok = ok && a.shape[i++] == d;
  if (!ok)
    fail(op, std::string(name) + " " + a.shape_str() + " must have shape " + ctc_shape_str(want) +
                 " " + what);
}

// log_probs (T, N, C) float; targets int64 (N, S); both lengths int64 (N,); blank in [0, C).
inline CtcShape ctc_inputs(const ArrayView& log_probs, const ArrayView& targets,
                           const ArrayView& input_lengths, const ArrayView& target_lengths,
                           py::handle blank, const char* op) {
  check_float(log_probs, op, "log_probs");
  check_ndim(log_probs, 3, op, "log_probs");
  check_contiguous(log_probs, op, "log_probs");
  CtcShape d;
  d.t = log_probs.shape[0], d.n = log_probs.shape[1], d.c = log_probs.shape[2];
  check_dtype(targets, DType::i64, "int64", op, "targets");
  check_ndim(targets, 2, op, "targets");
  d.s = targets.shape[1];
  ctc_expect(targets, {d.n, d.s}, op, "targets", "(N, S): one row per batch item of log_probs");
  check_dtype(input_lengths, DType::i64, "int64", op, "input_lengths");
  ctc_expect(input_lengths, {d.n}, op, "input_lengths", "(N,)");
  check_dtype(target_lengths, DType::i64, "int64", op, "target_lengths");
  ctc_expect(target_lengths, {d.n}, op, "target_lengths", "(N,)");
  d.blank = ctc_blank(blank, d.c, op);
  return d;
}

// A float array of log_probs' dtype with the given shape.
inline void ctc_float(const ArrayView& a, const ArrayView& log_probs,
                      std::initializer_list<int64_t> want, const char* op, const char* name,
                      const char* what) {
  check_same_dtype(log_probs, a, op, "log_probs", name);
  ctc_expect(a, want, op, name, what);
}

// Each output writeable and overlapping no other output or input.
inline void ctc_outputs(std::initializer_list<std::pair<const ArrayView*, const char*>> outs,
                        std::initializer_list<std::pair<const ArrayView*, const char*>> ins,
                        const char* op) {
  for (const auto& [o, name] : outs) check_writeable(*o, op, name);
  for (auto i = outs.begin(); i != outs.end(); ++i) {
    for (auto j = i + 1; j != outs.end(); ++j)
      if (overlaps(*i->first, *j->first))
        fail(op, std::string(i->second) + " must not overlap " + j->second);
    for (const auto& [a, name] : ins)
      if (overlaps(*i->first, *a)) fail(op, std::string(i->second) + " must not overlap " + name);
  }
}

// ctc_loss_forward(loss, log_alpha, log_probs, targets, input_lengths, target_lengths, blank)
struct CtcForwardArgs {
  ArrayView loss, log_alpha, log_probs, targets, input_lengths, target_lengths;
  CtcShape d;
};

inline CtcForwardArgs ctc_loss_forward_args(py::handle loss, py::handle log_alpha,
                                            py::handle log_probs, py::handle targets,
                                            py::handle input_lengths, py::handle target_lengths,
                                            py::handle blank, Device dev, const char* op) {
  CtcForwardArgs a{view(loss, dev, op, "loss"),
                   view(log_alpha, dev, op, "log_alpha"),
                   view(log_probs, dev, op, "log_probs"),
                   view(targets, dev, op, "targets"),
                   view(input_lengths, dev, op, "input_lengths"),
                   view(target_lengths, dev, op, "target_lengths"),
                   {}};
  a.d = ctc_inputs(a.log_probs, a.targets, a.input_lengths, a.target_lengths, blank, op);
  ctc_float(a.loss, a.log_probs, {a.d.n}, op, "loss", "(N,)");
  ctc_float(a.log_alpha, a.log_probs, {a.d.n, a.d.t, 2 * a.d.s + 1}, op, "log_alpha",
            "(N, T, 2S+1)");
  ctc_outputs({{&a.loss, "loss"}, {&a.log_alpha, "log_alpha"}},
              {{&a.log_probs, "log_probs"},
               {&a.targets, "targets"},
               {&a.input_lengths, "input_lengths"},
               {&a.target_lengths, "target_lengths"}},
              op);
  return a;
}

// ctc_loss_backward(grad, dloss, log_probs, targets, input_lengths, target_lengths, blank,
//                   log_alpha, loss)
struct CtcBackwardArgs {
  ArrayView grad, dloss, log_probs, targets, input_lengths, target_lengths, log_alpha, loss;
  CtcShape d;
};

inline CtcBackwardArgs ctc_loss_backward_args(py::handle grad, py::handle dloss,
                                              py::handle log_probs, py::handle targets,
                                              py::handle input_lengths, py::handle target_lengths,
                                              py::handle blank, py::handle log_alpha,
                                              py::handle loss, Device dev, const char* op) {
  CtcBackwardArgs a{view(grad, dev, op, "grad"),
                    view(dloss, dev, op, "dloss"),
                    view(log_probs, dev, op, "log_probs"),
                    view(targets, dev, op, "targets"),
                    view(input_lengths, dev, op, "input_lengths"),
                    view(target_lengths, dev, op, "target_lengths"),
                    view(log_alpha, dev, op, "log_alpha"),
                    view(loss, dev, op, "loss"),
                    {}};
  a.d = ctc_inputs(a.log_probs, a.targets, a.input_lengths, a.target_lengths, blank, op);
  ctc_float(a.grad, a.log_probs, {a.d.t, a.d.n, a.d.c}, op, "grad", "(T, N, C): log_probs'");
  ctc_float(a.dloss, a.log_probs, {a.d.n}, op, "dloss", "(N,)");
  ctc_float(a.log_alpha, a.log_probs, {a.d.n, a.d.t, 2 * a.d.s + 1}, op, "log_alpha",
            "(N, T, 2S+1)");
  ctc_float(a.loss, a.log_probs, {a.d.n}, op, "loss", "(N,)");
  ctc_outputs({{&a.grad, "grad"}},
              {{&a.dloss, "dloss"},
               {&a.log_probs, "log_probs"},
               {&a.targets, "targets"},
               {&a.input_lengths, "input_lengths"},
               {&a.target_lengths, "target_lengths"},
               {&a.log_alpha, "log_alpha"},
               {&a.loss, "loss"}},
              op);
  return a;
}

// The values, over host copies: 0 <= input_lengths[n] <= T, 0 <= target_lengths[n] <= S, and
// targets[n, s] in [0, C) and != blank for s < target_lengths[n] (the padding is not read).
inline void check_ctc_values(const CtcShape& d, const int64_t* targets,
                             const int64_t* input_lengths, const int64_t* target_lengths,
                             const char* op) {
  for (int64_t n = 0; n < d.n; ++n) {
    const int64_t li = input_lengths[n], lt = target_lengths[n];
    if (li < 0 || li > d.t)
      fail(op, "input_lengths[" + std::to_string(n) + "] = " + std::to_string(li) +
                   " must be in [0, T] with T = " + std::to_string(d.t));
    if (lt < 0 || lt > d.s)
      fail(op, "target_lengths[" + std::to_string(n) + "] = " + std::to_string(lt) +
                   " must be in [0, S] with S = " + std::to_string(d.s));
    for (int64_t s = 0; s < lt; ++s) {
      const int64_t v = targets[n * d.s + s];
      const std::string where =
          "targets[" + std::to_string(n) + ", " + std::to_string(s) + "] = " + std::to_string(v);
      if (v < 0 || v >= d.c)
        fail(op, where + " is out of range for " + std::to_string(d.c) + " classes");
      if (v == d.blank) fail(op, where + " is the blank label");
    }
  }
}

}  // namespace dlcore::bind
