// One direction of one recurrent layer (lstm, gru, rnn_tanh, rnn_relu) on the GPU, time-major,
// issue 19's contract (docs/kernels.md). The sequence loop runs on the host:
//   forward:  xg = x w_ih^T + b_ih for all steps (one gemm), then per step
//             hg = h w_hh^T + b_hh (the recurrent gemm) and one fused cell kernel;
//   backward: per step (in the reverse of the forward's order) one fused cell kernel writing the
//             gate gradients dg_t, then dh += dg_t w_hh; after the loop dx = dg w_ih,
//             dw_ih = dg^T x, dw_hh = dg^T hprev (single gemms over all t*b rows) and the bias
//             gradients as column sums of dg.
// The running state lives in the outputs (h_n, c_n forward; dh0, dc0 backward). The recurrent
// gemm of a step covers only rows up to the last one active at that step (from the host copy of
// the lengths, which the binding has checked). Same inputs, same bits (no atomics).
#include "cuda/cuda_api.h"
#include "cuda/cuda_common.cuh"
#include "cuda/gemm_tiled.cuh"
#include "cuda/rnn_cells.cuh"
#include "cuda/workspace.cuh"

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <string>
#include <vector>

namespace dlcore::cuda {
namespace {

using cpu::RnnShape;

int gates(RnnMode m) { return m == RnnMode::lstm ? 4 : m == RnnMode::gru ? 3 : 1; }

// The gemm indices (rows t*b, columns g*h, inner i or h) fit in an int, and the column tiles
// (g*h, i, h) fit in the grid's y.
void check_fits(const RnnShape& s, const char* op) {
  const int64_t lim = INT_MAX / 2, gh = gates(s.mode) * s.h;
  if (s.t * s.b > lim || s.i > lim || gh > lim || s.b * gh > lim)
    throw std::invalid_argument(std::string("[") + op +
                                "] the sizes are too large for the CUDA kernel (an index "
                                "exceeds 2^30)");
  if (std::max({gh, s.i, s.h}) > int64_t(65535) * 32)  // gemm column tiles on the grid's y
    throw std::invalid_argument(std::string("[") + op +
                                "] the input size, or gates * hidden size, exceeds 2097120 on "
                                "CUDA");
}

// Per step t: 1 + the last row active at t (0 when none); lengths_host nullptr: all rows.
std::vector<int64_t> active_rows(const int64_t* lengths_host, const RnnShape& s) {
  std::vector<int64_t> upto(size_t(s.t), lengths_host != nullptr ? 0 : s.b);
  if (lengths_host != nullptr)
    for (int64_t b = 0; b < s.b; ++b)
      for (int64_t t = 0; t < lengths_host[b]; ++t) upto[t] = b + 1;
  return upto;
}

template <typename T>
void copy_or_zero_launch(T* dst, const T* src, int64_t n) {
  if (n == 0) return;
  copy_or_zero<T><<<grid_for(n), kBlock>>>(dst, src, n);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
GemmOperands<T> product(const T* a, bool ta, int64_t lda, const T* b, bool tb, int64_t ldb, T* c,
                        int64_t ldc, int64_t m, int64_t n, int64_t k, const T* bias = nullptr,
                        bool accumulate = false) {
  return {a, b, c, bias, int(m), int(n), int(k), lda, ldb, ldc, ta, tb, accumulate};
}

template <typename T, RnnMode M>
void forward(T* y, T* h_n, T* c_n, T* saved, const T* x, const T* h0, const T* c0, const T* w_ih,
             const T* w_hh, const T* b_ih, const T* b_hh, const int64_t* lengths,
             const int64_t* lengths_host, const RnnShape& s) {
  const char* op = "rnn_forward";
  check_fits(s, op);
  const std::vector<int64_t> upto = active_rows(lengths_host, s);
  const int64_t nb = s.b, nh = s.h, gh = RnnGates<M>::G * nh, sh = RnnGates<M>::S * nh;
  copy_or_zero_launch(h_n, h0, nb * nh);
  if constexpr (M == RnnMode::lstm) copy_or_zero_launch(c_n, c0, nb * nh);
  if (s.t == 0 || nb * nh == 0) return;
  Workspace ws(Workspace::padded(s.t * nb * gh * sizeof(T)) +
               Workspace::padded(nb * gh * sizeof(T)));
  T* xg = ws.take<T>(s.t * nb * gh);
  T* hg = ws.take<T>(nb * gh);
  gemm_tiled(product(x, false, s.i, w_ih, true, s.i, xg, gh, s.t * nb, gh, s.i, b_ih));
  for (int64_t k = 0; k < s.t; ++k) {
    const int64_t t = s.reverse ? s.t - 1 - k : k;
    if (upto[t] > 0)
      gemm_tiled(product(h_n, false, nh, w_hh, true, nh, hg, gh, upto[t], gh, nh, b_hh));
    rnn_cell_forward<T, M><<<grid_for(nb * nh), kBlock>>>(
        y + t * nb * nh, h_n, c_n, saved != nullptr ? saved + t * nb * sh : nullptr,
        xg + t * nb * gh, hg, lengths, t, s.t, nb, nh);
    CUDA_CHECK(cudaGetLastError());
  }
}

template <typename T, RnnMode M>
void backward(T* dx, T* dh0, T* dc0, T* dw_ih, T* dw_hh, T* db_ih, T* db_hh, const T* dy,
              const T* dh_n, const T* dc_n, const T* x, const T* h0, const T* c0, const T* w_ih,
              const T* w_hh, const T* y, const T* saved, const int64_t* lengths,
              const int64_t* lengths_host, const RnnShape& s) {
  const char* op = "rnn_backward";
  check_fits(s, op);
  const std::vector<int64_t> upto = active_rows(lengths_host, s);
  const int64_t nb = s.b, nh = s.h, gh = RnnGates<M>::G * nh, rows = s.t * nb;
  constexpr bool kGru = M == RnnMode::gru;
  copy_or_zero_launch(dh0, dh_n, nb * nh);
  if constexpr (M == RnnMode::lstm) copy_or_zero_launch(dc0, dc_n, nb * nh);
  Workspace ws(Workspace::padded(rows * gh * sizeof(T)) * (kGru ? 2 : 1) +
               Workspace::padded(rows * nh * sizeof(T)));
  T* dgi = ws.take<T>(rows * gh);
  T* dgh = kGru ? ws.take<T>(rows * gh) : dgi;  // differs from dgi in GRU's n block only
  T* hprev = ws.take<T>(rows * nh);
  for (int64_t k = 0; k < s.t && nb * nh > 0; ++k) {
    const int64_t t = s.reverse ? k : s.t - 1 - k;
    rnn_cell_backward<T, M><<<grid_for(nb * nh), kBlock>>>(
        dgi + t * nb * gh, dgh + t * nb * gh, hprev + t * nb * nh, dh0, dc0, dy + t * nb * nh, y,
        saved, h0, c0, lengths, t, s.t, nb, nh, s.reverse);
    CUDA_CHECK(cudaGetLastError());
    if (upto[t] > 0)
      gemm_tiled(product(dgh + t * nb * gh, false, gh, w_hh, false, nh, dh0, nh, upto[t], nh, gh,
                         static_cast<const T*>(nullptr), true));
  }
  if (dx != nullptr)
    gemm_tiled(product<T>(dgi, false, gh, w_ih, false, s.i, dx, s.i, rows, s.i, gh));
  gemm_tiled(product<T>(dgi, true, gh, x, false, s.i, dw_ih, s.i, gh, s.i, rows));
  gemm_tiled(product<T>(dgh, true, gh, hprev, false, nh, dw_hh, nh, gh, nh, rows));
  const int blocks = int((gh + 31) / 32);
  if (db_ih != nullptr && gh > 0) {
    column_sums<T><<<blocks, 256>>>(db_ih, dgi, rows, gh);
    CUDA_CHECK(cudaGetLastError());
    column_sums<T><<<blocks, 256>>>(db_hh, dgh, rows, gh);
    CUDA_CHECK(cudaGetLastError());
  }
}

}  // namespace

template <typename T>
void rnn_forward(T* y, T* h_n, T* c_n, T* saved, const T* x, const T* h0, const T* c0,
                 const T* w_ih, const T* w_hh, const T* b_ih, const T* b_hh, const int64_t* lengths,
                 const int64_t* lengths_host, const RnnShape& s) {
  switch (s.mode) {
    case RnnMode::lstm:
      return forward<T, RnnMode::lstm>(y, h_n, c_n, saved, x, h0, c0, w_ih, w_hh, b_ih, b_hh,
                                       lengths, lengths_host, s);
    case RnnMode::gru:
      return forward<T, RnnMode::gru>(y, h_n, c_n, saved, x, h0, c0, w_ih, w_hh, b_ih, b_hh,
                                      lengths, lengths_host, s);
    case RnnMode::rnn_tanh:
      return forward<T, RnnMode::rnn_tanh>(y, h_n, c_n, saved, x, h0, c0, w_ih, w_hh, b_ih, b_hh,
                                           lengths, lengths_host, s);
    case RnnMode::rnn_relu:
      return forward<T, RnnMode::rnn_relu>(y, h_n, c_n, saved, x, h0, c0, w_ih, w_hh, b_ih, b_hh,
                                           lengths, lengths_host, s);
  }
}

template <typename T>
void rnn_backward(T* dx, T* dh0, T* dc0, T* dw_ih, T* dw_hh, T* db_ih, T* db_hh, const T* dy,
                  const T* dh_n, const T* dc_n, const T* x, const T* h0, const T* c0, const T* w_ih,
                  const T* w_hh, const T* y, const T* saved, const int64_t* lengths,
                  const int64_t* lengths_host, const RnnShape& s) {
#define DLCORE_RNN_BACKWARD(M)                                                                     \
  return backward<T, M>(dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh, dy, dh_n, dc_n, x, h0, c0, w_ih, \
                        w_hh, y, saved, lengths, lengths_host, s)
  switch (s.mode) {
    case RnnMode::lstm: DLCORE_RNN_BACKWARD(RnnMode::lstm);
    case RnnMode::gru: DLCORE_RNN_BACKWARD(RnnMode::gru);
    case RnnMode::rnn_tanh: DLCORE_RNN_BACKWARD(RnnMode::rnn_tanh);
    case RnnMode::rnn_relu: DLCORE_RNN_BACKWARD(RnnMode::rnn_relu);
  }
#undef DLCORE_RNN_BACKWARD
}

#define DLCORE_RNN_INSTANTIATE(T)                                                                \
  template void rnn_forward<T>(T*, T*, T*, T*, const T*, const T*, const T*, const T*, const T*, \
                               const T*, const T*, const int64_t*, const int64_t*,               \
                               const RnnShape&);                                                 \
  template void rnn_backward<T>(T*, T*, T*, T*, T*, T*, T*, const T*, const T*, const T*,        \
                                const T*, const T*, const T*, const T*, const T*, const T*,      \
                                const T*, const int64_t*, const int64_t*, const RnnShape&);
DLCORE_RNN_INSTANTIATE(float)
DLCORE_RNN_INSTANTIATE(double)

}  // namespace dlcore::cuda
