// Argument checks of the recurrent-layer kernels rnn_forward / rnn_backward, shared by the CPU
// binding (bind_rnn.cpp) and the CUDA one, which views the arrays with its Device. mode is one of
// "lstm", "gru", "rnn_tanh", "rnn_relu" (G = 4, 3, 1, 1 gate blocks; S = 5, 4, 1, 1 saved blocks);
// reverse a bool. Sizes come from the arrays: T, B, I from x (T, B, I), H from w_hh (G*H, H);
// every other array is checked against them. All float arrays share x's dtype (float32 or
// float64) and are C-contiguous; lengths is int64 (B,) with values in [0, T]; outputs are
// writeable and overlap no other argument. c0, c_n, dc0 are required for lstm and must be None
// otherwise; dc_n may only be given for lstm; b_ih/b_hh (and db_ih/db_hh) both or neither.
// Wrong type or dtype: TypeError; anything else: ValueError; both "[op] ...".
// The lengths' values are read from host memory: on the CPU the *_args functions check them; a
// CUDA binding copies lengths to the host and calls rnn_check_length_values itself.
#pragma once
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bind/array_view.h"
#include "bind/norm_args.h"
#include "cpu/rnn.h"

namespace dlcore::bind {

inline cpu::RnnMode rnn_mode(py::handle obj, const char* op) {
  if (!py::isinstance<py::str>(obj))
    fail_type(
        op, "mode must be a str, got " + std::string(py::str(py::type::of(obj).attr("__name__"))));
  const std::string m = obj.cast<std::string>();
  if (m == "lstm") return cpu::RnnMode::lstm;
  if (m == "gru") return cpu::RnnMode::gru;
  if (m == "rnn_tanh") return cpu::RnnMode::rnn_tanh;
  if (m == "rnn_relu") return cpu::RnnMode::rnn_relu;
  fail(op, "mode must be 'lstm', 'gru', 'rnn_tanh' or 'rnn_relu', got '" + m + "'");
}

inline bool rnn_reverse(py::handle obj, const char* op) {
  if (!py::isinstance<py::bool_>(obj))
    fail_type(op, "reverse must be a bool, got " +
                      std::string(py::str(py::type::of(obj).attr("__name__"))));
  return obj.cast<bool>();
}

inline std::string rnn_dims_str(std::initializer_list<int64_t> want) {
  std::string s = "(";
  int i = 0;
  for (int64_t d : want) s += (i++ ? ", " : "") + std::to_string(d);
  return s + (want.size() == 1 ? ",)" : ")");
}

// a: x's dtype, C-contiguous, shape `want` (`what` names the axes in messages).
inline void rnn_array(const ArrayView& a, const ArrayView& x, std::initializer_list<int64_t> want,
                      const char* op, const char* name, const char* what) {
  check_same_dtype(x, a, op, "x", name);
  bool ok = a.ndim() == int(want.size());
  int i = 0;
  for (int64_t d : want) ok = ok && a.shape[i++] == d;
  if (!ok)
    fail(op, std::string(name) + " " + a.shape_str() + " must have shape " + what + " = " +
                 rnn_dims_str(want));
  check_contiguous(a, op, name);
}

inline std::optional<ArrayView> rnn_optional(py::handle obj, const ArrayView& x,
                                             std::initializer_list<int64_t> want, Device dev,
                                             const char* op, const char* name, const char* what) {
  std::optional<ArrayView> v = view_optional(obj, dev, op, name);
  if (v) rnn_array(*v, x, want, op, name, what);
  return v;
}

// An array that lstm needs and the other modes refuse (c0, c_n, dc0).
inline std::optional<ArrayView> rnn_lstm_only(py::handle obj, cpu::RnnMode mode, bool required,
                                              const ArrayView& x,
                                              std::initializer_list<int64_t> want, Device dev,
                                              const char* op, const char* name, const char* what) {
  if (mode != cpu::RnnMode::lstm && !obj.is_none())
    fail(op,
         std::string(name) + " must be None for mode gru / rnn_tanh / rnn_relu (no cell state)");
  if (mode == cpu::RnnMode::lstm && required && obj.is_none())
    fail(op, std::string(name) + " is required for mode lstm, got None");
  return rnn_optional(obj, x, want, dev, op, name, what);
}

// Two optional arrays given both or neither (b_ih/b_hh, db_ih/db_hh).
inline void rnn_pair(py::handle a, py::handle b, const char* op, const char* na, const char* nb) {
  if (a.is_none() != b.is_none())
    fail(op, std::string(na) + " and " + nb + " must both be arrays or both be None");
}

// Every lengths[k] in [0, t] (n values in host memory).
inline void rnn_check_length_values(const int64_t* v, int64_t n, int64_t t, const char* op) {
  for (int64_t k = 0; k < n; ++k)
    if (v[k] < 0 || v[k] > t)
      fail(op, "lengths[" + std::to_string(k) + "] = " + std::to_string(v[k]) +
                   " must be in [0, T] = [0, " + std::to_string(t) + "]");
}

// lengths: None or int64 (B,), C-contiguous; on the CPU its values are checked too.
inline std::optional<ArrayView> rnn_lengths(py::handle obj, int64_t b, int64_t t, Device dev,
                                            const char* op) {
  std::optional<ArrayView> v = view_optional(obj, dev, op, "lengths");
  if (!v) return v;
  check_dtype(*v, DType::i64, "int64", op, "lengths");
  if (v->ndim() != 1 || v->shape[0] != b)
    fail(op, "lengths " + v->shape_str() + " must have shape (B,) = (" + std::to_string(b) + ",)");
  check_contiguous(*v, op, "lengths");
  if (dev == Device::cpu) rnn_check_length_values(v->data<int64_t>(), b, t, op);
  return v;
}

// The shape from x (T, B, I) and w_hh (G*H, H); x float, w_hh x's dtype.
inline cpu::RnnShape rnn_shape(cpu::RnnMode mode, bool reverse, const ArrayView& x,
                               const ArrayView& w_hh, const char* op) {
  check_float(x, op, "x");
  if (x.ndim() != 3) fail(op, "x must be 3-D (T, B, I), got shape " + x.shape_str());
  check_contiguous(x, op, "x");
  check_same_dtype(x, w_hh, op, "x", "w_hh");
  const int64_t g = cpu::rnn_gate_blocks(mode);
  if (w_hh.ndim() != 2 || w_hh.shape[0] != g * w_hh.shape[1])
    fail(op, "w_hh " + w_hh.shape_str() + " must have shape (G*H, H) with G = " +
                 std::to_string(g) + " gate blocks for this mode");
  check_contiguous(w_hh, op, "w_hh");
  return {mode, x.shape[0], x.shape[1], x.shape[2], w_hh.shape[1], reverse};
}

inline std::vector<Named> rnn_named(
    std::vector<Named> named,
    std::initializer_list<std::pair<const std::optional<ArrayView>*, const char*>> opts) {
  return present(opts, std::move(named));
}

// rnn_forward(mode, y, h_n, c_n, saved, x, h0, c0, w_ih, w_hh, b_ih, b_hh, lengths, reverse)
struct RnnForwardArgs {
  ArrayView y, h_n;
  std::optional<ArrayView> c_n, saved;
  ArrayView x, h0;
  std::optional<ArrayView> c0;
  ArrayView w_ih, w_hh;
  std::optional<ArrayView> b_ih, b_hh, lengths;
  cpu::RnnShape p;
};

inline RnnForwardArgs rnn_forward_args(py::handle mode, py::handle y, py::handle h_n,
                                       py::handle c_n, py::handle saved, py::handle x,
                                       py::handle h0, py::handle c0, py::handle w_ih,
                                       py::handle w_hh, py::handle b_ih, py::handle b_hh,
                                       py::handle lengths, py::handle reverse, Device dev,
                                       const char* op) {
  const cpu::RnnMode m = rnn_mode(mode, op);
  const bool rev = rnn_reverse(reverse, op);
  RnnForwardArgs a{view(y, dev, op, "y"),
                   view(h_n, dev, op, "h_n"),
                   {},
                   {},
                   view(x, dev, op, "x"),
                   view(h0, dev, op, "h0"),
                   {},
                   view(w_ih, dev, op, "w_ih"),
                   view(w_hh, dev, op, "w_hh"),
                   {},
                   {},
                   {},
                   {}};
  a.p = rnn_shape(m, rev, a.x, a.w_hh, op);
  const int64_t t = a.p.t, b = a.p.b, h = a.p.h, gh = cpu::rnn_gate_blocks(m) * h;
  const int64_t sh = cpu::rnn_saved_blocks(m) * h;
  rnn_array(a.w_ih, a.x, {gh, a.p.i}, op, "w_ih", "(G*H, I)");
  rnn_array(a.h0, a.x, {b, h}, op, "h0", "(B, H)");
  a.c0 = rnn_lstm_only(c0, m, true, a.x, {b, h}, dev, op, "c0", "(B, H)");
  rnn_pair(b_ih, b_hh, op, "b_ih", "b_hh");
  a.b_ih = rnn_optional(b_ih, a.x, {gh}, dev, op, "b_ih", "(G*H,)");
  a.b_hh = rnn_optional(b_hh, a.x, {gh}, dev, op, "b_hh", "(G*H,)");
  a.lengths = rnn_lengths(lengths, b, t, dev, op);
  rnn_array(a.y, a.x, {t, b, h}, op, "y", "(T, B, H)");
  rnn_array(a.h_n, a.x, {b, h}, op, "h_n", "(B, H)");
  a.c_n = rnn_lstm_only(c_n, m, true, a.x, {b, h}, dev, op, "c_n", "(B, H)");
  a.saved = rnn_optional(saved, a.x, {t, b, sh}, dev, op, "saved", "(T, B, S*H)");
  check_outputs(
      rnn_named({{&a.y, "y"}, {&a.h_n, "h_n"}}, {{&a.c_n, "c_n"}, {&a.saved, "saved"}}),
      rnn_named({{&a.x, "x"}, {&a.h0, "h0"}, {&a.w_ih, "w_ih"}, {&a.w_hh, "w_hh"}},
                {{&a.c0, "c0"}, {&a.b_ih, "b_ih"}, {&a.b_hh, "b_hh"}, {&a.lengths, "lengths"}}),
      op);
  return a;
}

// rnn_backward(mode, dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh, dy, dh_n, dc_n, x, h0, c0, w_ih,
//              w_hh, y, saved, lengths, reverse)
struct RnnBackwardArgs {
  std::optional<ArrayView> dx;
  ArrayView dh0;
  std::optional<ArrayView> dc0;
  ArrayView dw_ih, dw_hh;
  std::optional<ArrayView> db_ih, db_hh;
  ArrayView dy;
  std::optional<ArrayView> dh_n, dc_n;
  ArrayView x, h0;
  std::optional<ArrayView> c0;
  ArrayView w_ih, w_hh, y, saved;
  std::optional<ArrayView> lengths;
  cpu::RnnShape p;
};

inline RnnBackwardArgs rnn_backward_args(py::handle mode, py::handle dx, py::handle dh0,
                                         py::handle dc0, py::handle dw_ih, py::handle dw_hh,
                                         py::handle db_ih, py::handle db_hh, py::handle dy,
                                         py::handle dh_n, py::handle dc_n, py::handle x,
                                         py::handle h0, py::handle c0, py::handle w_ih,
                                         py::handle w_hh, py::handle y, py::handle saved,
                                         py::handle lengths, py::handle reverse, Device dev,
                                         const char* op) {
  const cpu::RnnMode m = rnn_mode(mode, op);
  const bool rev = rnn_reverse(reverse, op);
  RnnBackwardArgs a{{},
                    view(dh0, dev, op, "dh0"),
                    {},
                    view(dw_ih, dev, op, "dw_ih"),
                    view(dw_hh, dev, op, "dw_hh"),
                    {},
                    {},
                    view(dy, dev, op, "dy"),
                    {},
                    {},
                    view(x, dev, op, "x"),
                    view(h0, dev, op, "h0"),
                    {},
                    view(w_ih, dev, op, "w_ih"),
                    view(w_hh, dev, op, "w_hh"),
                    view(y, dev, op, "y"),
                    view(saved, dev, op, "saved"),
                    {},
                    {}};
  a.p = rnn_shape(m, rev, a.x, a.w_hh, op);
  const int64_t t = a.p.t, b = a.p.b, h = a.p.h, gh = cpu::rnn_gate_blocks(m) * h;
  const int64_t sh = cpu::rnn_saved_blocks(m) * h;
  rnn_array(a.w_ih, a.x, {gh, a.p.i}, op, "w_ih", "(G*H, I)");
  rnn_array(a.h0, a.x, {b, h}, op, "h0", "(B, H)");
  a.c0 = rnn_lstm_only(c0, m, true, a.x, {b, h}, dev, op, "c0", "(B, H)");
  rnn_array(a.y, a.x, {t, b, h}, op, "y", "(T, B, H)");
  rnn_array(a.saved, a.x, {t, b, sh}, op, "saved", "(T, B, S*H)");
  rnn_array(a.dy, a.x, {t, b, h}, op, "dy", "(T, B, H)");
  a.dh_n = rnn_optional(dh_n, a.x, {b, h}, dev, op, "dh_n", "(B, H)");
  a.dc_n = rnn_lstm_only(dc_n, m, false, a.x, {b, h}, dev, op, "dc_n", "(B, H)");
  a.lengths = rnn_lengths(lengths, b, t, dev, op);
  a.dx = rnn_optional(dx, a.x, {t, b, a.p.i}, dev, op, "dx", "(T, B, I)");
  rnn_array(a.dh0, a.x, {b, h}, op, "dh0", "(B, H)");
  a.dc0 = rnn_lstm_only(dc0, m, true, a.x, {b, h}, dev, op, "dc0", "(B, H)");
  rnn_array(a.dw_ih, a.x, {gh, a.p.i}, op, "dw_ih", "(G*H, I)");
  rnn_array(a.dw_hh, a.x, {gh, h}, op, "dw_hh", "(G*H, H)");
  rnn_pair(db_ih, db_hh, op, "db_ih", "db_hh");
  a.db_ih = rnn_optional(db_ih, a.x, {gh}, dev, op, "db_ih", "(G*H,)");
  a.db_hh = rnn_optional(db_hh, a.x, {gh}, dev, op, "db_hh", "(G*H,)");
  check_outputs(
      rnn_named({{&a.dh0, "dh0"}, {&a.dw_ih, "dw_ih"}, {&a.dw_hh, "dw_hh"}},
                {{&a.dx, "dx"}, {&a.dc0, "dc0"}, {&a.db_ih, "db_ih"}, {&a.db_hh, "db_hh"}}),
      rnn_named({{&a.dy, "dy"},
                 {&a.x, "x"},
                 {&a.h0, "h0"},
                 {&a.w_ih, "w_ih"},
                 {&a.w_hh, "w_hh"},
                 {&a.y, "y"},
                 {&a.saved, "saved"}},
                {{&a.dh_n, "dh_n"}, {&a.dc_n, "dc_n"}, {&a.c0, "c0"}, {&a.lengths, "lengths"}}),
      op);
  return a;
}

}  // namespace dlcore::bind
