// Recurrent layers on the CPU: one direction of one layer of torch.nn.LSTM / GRU / RNN, time-major.
//
// mode lstm (G = 4 gate blocks i, f, g, o; S = 5 saved blocks i, f, g, o, c), gru (G = 3: r, z, n;
// S = 4: r, z, n, hn with hn = W_hn h + b_hn), rnn_tanh and rnn_relu (G = 1; S = 1: h).
// x (t, b, i); h0, c0, h_n, c_n (b, h); y (t, b, h); saved (t, b, S*h); w_ih (G*h, i);
// w_hh (G*h, h); b_ih, b_hh (G*h) or both null; lengths (b) int64 in [0, t] or null (all t).
// Row r takes part in the steps s < lengths[r]; at its other steps its state is carried and
// y[s, r] = 0. reverse runs s = t-1 .. 0 (row r starts from h0 at s = lengths[r] - 1).
// All arrays C-contiguous. Kernels assume valid arguments (csrc/bind/rnn_args.h checks them) and
// overwrite their outputs. Deterministic: the same inputs and thread count give bit-identical
// outputs. The full contract: docs/kernels.md.
#pragma once
#include <cstdint>

namespace dlcore::cpu {

enum class RnnMode { lstm, gru, rnn_tanh, rnn_relu };

inline int rnn_gate_blocks(RnnMode m) {  // G
  return m == RnnMode::lstm ? 4 : m == RnnMode::gru ? 3 : 1;
}
inline int rnn_saved_blocks(RnnMode m) {  // S
  return m == RnnMode::lstm ? 5 : m == RnnMode::gru ? 4 : 1;
}

struct RnnShape {
  RnnMode mode;
  int64_t t, b, i, h;  // steps, batch rows, input size, hidden size
  bool reverse;
};

// Null pointers: c0, c_n (not lstm), saved (inference), b_ih/b_hh, lengths.
template <typename T>
struct RnnForwardArgs {
  T *y, *h_n, *c_n, *saved;
  const T *x, *h0, *c0, *w_ih, *w_hh, *b_ih, *b_hh;
  const int64_t* lengths;
};

// Null pointers: dx (not wanted), dc0 / dc_n / c0 (not lstm; dc_n also when zero), dh_n (zero),
// db_ih/db_hh (not wanted), lengths. saved is the forward's.
template <typename T>
struct RnnBackwardArgs {
  T *dx, *dh0, *dc0, *dw_ih, *dw_hh, *db_ih, *db_hh;
  const T *dy, *dh_n, *dc_n, *x, *h0, *c0, *w_ih, *w_hh, *y, *saved;
  const int64_t* lengths;
};

template <typename T>
void rnn_forward(const RnnShape& p, const RnnForwardArgs<T>& a);

// The gradients of sum(dy * y) + sum(dh_n * h_n) + sum(dc_n * c_n); dw_*, db_* overwritten.
template <typename T>
void rnn_backward(const RnnShape& p, const RnnBackwardArgs<T>& a);

}  // namespace dlcore::cpu
