// _C.cpu rnn_forward / rnn_backward over numpy arrays: one direction of one layer of an LSTM,
// GRU or Elman RNN, time-major (the contract in docs/kernels.md, the checks in rnn_args.h).
#include <vector>

#include "bind/array_view.h"
#include "bind/bind.h"
#include "bind/rnn_args.h"
#include "cpu/rnn.h"

namespace dlcore::bind {
namespace {

constexpr Device kCpu = Device::cpu;

template <typename T>
T* data_or_null(const std::optional<ArrayView>& v) {
  return v ? v->data<T>() : nullptr;
}

// The checked lengths, copied while the GIL is held: the kernel does not read an array that
// another Python thread could change once the GIL is released.
std::vector<int64_t> lengths_copy(const std::optional<ArrayView>& v) {
  if (!v) return {};
  const int64_t* p = v->data<int64_t>();
  return std::vector<int64_t>(p, p + v->shape[0]);
}

template <typename T>
void forward_kernel(const RnnForwardArgs& a, const int64_t* lengths) {
  const cpu::RnnForwardArgs<T> k{
      a.y.data<T>(),    a.h_n.data<T>(),         data_or_null<T>(a.c_n),  data_or_null<T>(a.saved),
      a.x.data<T>(),    a.h0.data<T>(),          data_or_null<T>(a.c0),   a.w_ih.data<T>(),
      a.w_hh.data<T>(), data_or_null<T>(a.b_ih), data_or_null<T>(a.b_hh), lengths};
  cpu::rnn_forward<T>(a.p, k);
}

template <typename T>
void backward_kernel(const RnnBackwardArgs& a, const int64_t* lengths) {
  const cpu::RnnBackwardArgs<T> k{data_or_null<T>(a.dx),
                                  a.dh0.data<T>(),
                                  data_or_null<T>(a.dc0),
                                  a.dw_ih.data<T>(),
                                  a.dw_hh.data<T>(),
                                  data_or_null<T>(a.db_ih),
                                  data_or_null<T>(a.db_hh),
                                  a.dy.data<T>(),
                                  data_or_null<T>(a.dh_n),
                                  data_or_null<T>(a.dc_n),
                                  a.x.data<T>(),
                                  a.h0.data<T>(),
                                  data_or_null<T>(a.c0),
                                  a.w_ih.data<T>(),
                                  a.w_hh.data<T>(),
                                  a.y.data<T>(),
                                  a.saved.data<T>(),
                                  lengths};
  cpu::rnn_backward<T>(a.p, k);
}

void rnn_forward(py::handle mode, py::handle y, py::handle h_n, py::handle c_n, py::handle saved,
                 py::handle x, py::handle h0, py::handle c0, py::handle w_ih, py::handle w_hh,
                 py::handle b_ih, py::handle b_hh, py::handle lengths, py::handle reverse) {
  const RnnForwardArgs a = rnn_forward_args(mode, y, h_n, c_n, saved, x, h0, c0, w_ih, w_hh, b_ih,
                                            b_hh, lengths, reverse, kCpu, "rnn_forward");
  const std::vector<int64_t> lens = lengths_copy(a.lengths);
  const int64_t* lp = a.lengths ? lens.data() : nullptr;
  py::gil_scoped_release release;
  if (a.x.dtype == DType::f32) forward_kernel<float>(a, lp);
  else forward_kernel<double>(a, lp);
}

void rnn_backward(py::handle mode, py::handle dx, py::handle dh0, py::handle dc0, py::handle dw_ih,
                  py::handle dw_hh, py::handle db_ih, py::handle db_hh, py::handle dy,
                  py::handle dh_n, py::handle dc_n, py::handle x, py::handle h0, py::handle c0,
                  py::handle w_ih, py::handle w_hh, py::handle y, py::handle saved,
                  py::handle lengths, py::handle reverse) {
  const RnnBackwardArgs a =
      rnn_backward_args(mode, dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh, dy, dh_n, dc_n, x, h0, c0,
                        w_ih, w_hh, y, saved, lengths, reverse, kCpu, "rnn_backward");
  const std::vector<int64_t> lens = lengths_copy(a.lengths);
  const int64_t* lp = a.lengths ? lens.data() : nullptr;
  py::gil_scoped_release release;
  if (a.x.dtype == DType::f32) backward_kernel<float>(a, lp);
  else backward_kernel<double>(a, lp);
}

}  // namespace

void bind_rnn(py::module_& cpu) {
  cpu.def("rnn_forward", &rnn_forward, py::arg("mode"), py::arg("y"), py::arg("h_n"),
          py::arg("c_n"), py::arg("saved"), py::arg("x"), py::arg("h0"), py::arg("c0"),
          py::arg("w_ih"), py::arg("w_hh"), py::arg("b_ih"), py::arg("b_hh"), py::arg("lengths"),
          py::arg("reverse"),
          "one direction of one recurrent layer, time-major: mode 'lstm', 'gru', 'rnn_tanh' or "
          "'rnn_relu'; y (T, B, H), h_n, c_n (B, H) (c_n: lstm, else None), saved (T, B, S*H) or "
          "None; x (T, B, I), h0 (B, H), c0 (B, H) or None, w_ih (G*H, I), w_hh (G*H, H), "
          "b_ih, b_hh (G*H,) or None, lengths int64 (B,) or None, reverse bool");
  cpu.def("rnn_backward", &rnn_backward, py::arg("mode"), py::arg("dx"), py::arg("dh0"),
          py::arg("dc0"), py::arg("dw_ih"), py::arg("dw_hh"), py::arg("db_ih"), py::arg("db_hh"),
          py::arg("dy"), py::arg("dh_n"), py::arg("dc_n"), py::arg("x"), py::arg("h0"),
          py::arg("c0"), py::arg("w_ih"), py::arg("w_hh"), py::arg("y"), py::arg("saved"),
          py::arg("lengths"), py::arg("reverse"),
          "the gradients of sum(dy * y) + sum(dh_n * h_n) + sum(dc_n * c_n) of rnn_forward; "
          "dx (or None), dh0, dc0, dw_ih, dw_hh, db_ih, db_hh (or None) overwritten");
}

}  // namespace dlcore::bind
