// Private to rnn.cpp: one time step of the fused recurrent cell (gate nonlinearities and state
// update; its backward likewise) over the batch rows, for one mode. The portable build and the
// AVX2+FMA build (rnn_cell_avx2.cpp) share rnn_cell_kernels.inl; rnn_cell.cpp dispatches.
// Row r is active at step t when lengths is null or t < lengths[r]; inactive rows leave the
// states alone (forward: y row = 0; backward: dg rows = 0).
#pragma once
#include <cstdint>

#include "cpu/rnn.h"

namespace dlcore::cpu {

// Layouts (h = hidden size, rows of the batch, each array row-major with the given row length):
//   g    (b, S*h): in: pre-activations less the bias, lstm and rnn x W_ih^T + h W_hh^T (G*h),
//        gru x W_ih^T (3h); out: the saved blocks (rnn.h): lstm i f g o c, gru r z n hn, rnn h.
//   bias (G*h): added to g's pre-activations: lstm and rnn b_ih + b_hh, gru b_ih + (b_hr, b_hz, 0).
//   gh   (b, 3h), gru only: h W_hh^T (no bias); b_hn (h), gru only.
//   hs, cs (b, h): the state before the step, overwritten with the state after it (cs: lstm).
//   y    (b, h): this step's output.
template <typename T>
struct CellForwardStep {
  RnnMode mode;
  int64_t b, h, t;
  const int64_t* lengths;
  T* g;
  const T* bias;
  const T* gh;
  const T* b_hn;
  T *hs, *cs, *y;
};

// Backward of one step at forward step t. Row r's previous state is hp[r] / cp[r] (the caller
// picks y / saved c of the previous processed step or h0 / c0 per row; only gru reads hp,
// only lstm cp). saved (b, S*h) this step's; dy (b, h).
//   dh, dc (b, h): in: the gradient reaching the state after the step (without dy);
//     out, active rows: dh = the direct part of the gradient of the previous state (gru: dht * z,
//     else 0; the caller adds dgh W_hh), dc = the gradient of the previous cell state.
//   dgi (b, G*h): the gradient of the pre-activations of the input projection; dgh (b, G*h)
//     that of the recurrent one (gru; for the other modes dgh == dgi and is not written twice).
template <typename T>
struct CellBackwardStep {
  RnnMode mode;
  int64_t b, h, t;
  const int64_t* lengths;
  bool reverse;
  const T* saved;
  const T* dy;
  const T* const* hp;
  const T* const* cp;
  T *dh, *dc, *dgi, *dgh;
};

template <typename T>
void cell_forward_step(const CellForwardStep<T>& s);
template <typename T>
void cell_backward_step(const CellBackwardStep<T>& s);

}  // namespace dlcore::cpu
