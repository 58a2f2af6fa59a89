// _C.cuda rnn_forward, rnn_backward over CUDA arrays (__cuda_array_interface__), float32 or
// float64: the checks are rnn_args.h's (shared with the CPU binding), then the device-memory
// check, then the lengths copied to the host and their values checked (rnn_check_length_values,
// the CPU's message), then the launch with the GIL released.
#include <optional>
#include <vector>

#include "bind/array_view.h"
#include "bind/bind.h"
#include "bind/rnn_args.h"
#include "cuda/cuda_api.h"

namespace dlcore::bind {
namespace {

constexpr Device kCuda = Device::cuda;

template <typename T>
T* opt_data(const std::optional<ArrayView>& v) {
  return v ? v->data<T>() : nullptr;
}

const ArrayView* opt(const std::optional<ArrayView>& v) { return v ? &*v : nullptr; }

// The host copy of lengths (empty when None), its values checked against T.
std::vector<int64_t> host_lengths(const std::optional<ArrayView>& lengths, const cpu::RnnShape& p,
                                  const char* op) {
  std::vector<int64_t> h;
  if (!lengths) return h;
  h.resize(size_t(p.b));
  dlcore::cuda::copy_to_host(h.data(), lengths->ptr, h.size() * sizeof(int64_t));
  rnn_check_length_values(h.data(), p.b, p.t, op);
  return h;
}

template <typename T>
void forward_launch(const RnnForwardArgs& a, const std::vector<int64_t>& lens) {
  const int64_t* lh = a.lengths ? lens.data() : nullptr;
  dlcore::cuda::rnn_forward(a.y.data<T>(), a.h_n.data<T>(), opt_data<T>(a.c_n),
                            opt_data<T>(a.saved), a.x.data<T>(), a.h0.data<T>(), opt_data<T>(a.c0),
                            a.w_ih.data<T>(), a.w_hh.data<T>(), opt_data<T>(a.b_ih),
                            opt_data<T>(a.b_hh), opt_data<int64_t>(a.lengths), lh, a.p);
}

void rnn_forward(py::handle mode, py::handle y, py::handle h_n, py::handle c_n, py::handle saved,
                 py::handle x, py::handle h0, py::handle c0, py::handle w_ih, py::handle w_hh,
                 py::handle b_ih, py::handle b_hh, py::handle lengths, py::handle reverse) {
  const char* op = "rnn_forward";
  const RnnForwardArgs a = rnn_forward_args(mode, y, h_n, c_n, saved, x, h0, c0, w_ih, w_hh, b_ih,
                                            b_hh, lengths, reverse, kCuda, op);
  check_device_memory({{&a.y, "y"},
                       {&a.h_n, "h_n"},
                       {opt(a.c_n), "c_n"},
                       {opt(a.saved), "saved"},
                       {&a.x, "x"},
                       {&a.h0, "h0"},
                       {opt(a.c0), "c0"},
                       {&a.w_ih, "w_ih"},
                       {&a.w_hh, "w_hh"},
                       {opt(a.b_ih), "b_ih"},
                       {opt(a.b_hh), "b_hh"},
                       {opt(a.lengths), "lengths"}},
                      op);
  const std::vector<int64_t> lens = host_lengths(a.lengths, a.p, op);
  py::gil_scoped_release release;
  if (a.x.dtype == DType::f32) forward_launch<float>(a, lens);
  else forward_launch<double>(a, lens);
}

template <typename T>
void backward_launch(const RnnBackwardArgs& a, const std::vector<int64_t>& lens) {
  const int64_t* lh = a.lengths ? lens.data() : nullptr;
  dlcore::cuda::rnn_backward(
      opt_data<T>(a.dx), a.dh0.data<T>(), opt_data<T>(a.dc0), a.dw_ih.data<T>(), a.dw_hh.data<T>(),
      opt_data<T>(a.db_ih), opt_data<T>(a.db_hh), a.dy.data<T>(), opt_data<T>(a.dh_n),
      opt_data<T>(a.dc_n), a.x.data<T>(), a.h0.data<T>(), opt_data<T>(a.c0), a.w_ih.data<T>(),
      a.w_hh.data<T>(), a.y.data<T>(), a.saved.data<T>(), opt_data<int64_t>(a.lengths), lh, a.p);
}

void rnn_backward(py::handle mode, py::handle dx, py::handle dh0, py::handle dc0, py::handle dw_ih,
                  py::handle dw_hh, py::handle db_ih, py::handle db_hh, py::handle dy,
                  py::handle dh_n, py::handle dc_n, py::handle x, py::handle h0, py::handle c0,
                  py::handle w_ih, py::handle w_hh, py::handle y, py::handle saved,
                  py::handle lengths, py::handle reverse) {
  const char* op = "rnn_backward";
  const RnnBackwardArgs a =
      rnn_backward_args(mode, dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh, dy, dh_n, dc_n, x, h0, c0,
                        w_ih, w_hh, y, saved, lengths, reverse, kCuda, op);
  check_device_memory({{opt(a.dx), "dx"},
                       {&a.dh0, "dh0"},
                       {opt(a.dc0), "dc0"},
                       {&a.dw_ih, "dw_ih"},
                       {&a.dw_hh, "dw_hh"},
                       {opt(a.db_ih), "db_ih"},
                       {opt(a.db_hh), "db_hh"},
                       {&a.dy, "dy"},
                       {opt(a.dh_n), "dh_n"},
                       {opt(a.dc_n), "dc_n"},
                       {&a.x, "x"},
                       {&a.h0, "h0"},
                       {opt(a.c0), "c0"},
                       {&a.w_ih, "w_ih"},
                       {&a.w_hh, "w_hh"},
                       {&a.y, "y"},
                       {&a.saved, "saved"},
                       {opt(a.lengths), "lengths"}},
                      op);
  const std::vector<int64_t> lens = host_lengths(a.lengths, a.p, op);
  py::gil_scoped_release release;
  if (a.x.dtype == DType::f32) backward_launch<float>(a, lens);
  else backward_launch<double>(a, lens);
}

}  // namespace

void bind_cuda_rnn(py::module_& cuda) {
  cuda.def("rnn_forward", &rnn_forward, py::arg("mode"), py::arg("y"), py::arg("h_n"),
           py::arg("c_n"), py::arg("saved"), py::arg("x"), py::arg("h0"), py::arg("c0"),
           py::arg("w_ih"), py::arg("w_hh"), py::arg("b_ih"), py::arg("b_hh"), py::arg("lengths"),
           py::arg("reverse"),
           "One direction of one lstm / gru / rnn_tanh / rnn_relu layer over x (T, B, I): y, "
           "h_n, c_n and (unless None) saved for the backward");
  cuda.def("rnn_backward", &rnn_backward, py::arg("mode"), py::arg("dx"), py::arg("dh0"),
           py::arg("dc0"), py::arg("dw_ih"), py::arg("dw_hh"), py::arg("db_ih"), py::arg("db_hh"),
           py::arg("dy"), py::arg("dh_n"), py::arg("dc_n"), py::arg("x"), py::arg("h0"),
           py::arg("c0"), py::arg("w_ih"), py::arg("w_hh"), py::arg("y"), py::arg("saved"),
           py::arg("lengths"), py::arg("reverse"),
           "The gradients of rnn_forward (dx may be None; dW, db overwritten)");
}

}  // namespace dlcore::bind
