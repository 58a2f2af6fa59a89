// The fused cell kernels of the recurrent layers (rnn.cu), one thread per (row b, unit j) of a
// time step, .cu only. Gate pre-activations are xg[t] + hg (the input projection with b_ih, the
// recurrent product with b_hh), gate blocks of H in torch's order (LSTM i, f, g, o; GRU r, z, n).
// A row takes part in step t when t < lengths[b] (lengths nullptr: always); at other steps its
// state is carried, its y is 0 and its gate gradients are 0.
#pragma once
#include "cuda/cuda_api.h"
#include "cuda/cuda_common.cuh"

#include <cstdint>

namespace dlcore::cuda {

using cpu::RnnMode;

template <RnnMode M>
struct RnnGates {
  static constexpr int G = M == RnnMode::lstm ? 4 : M == RnnMode::gru ? 3 : 1;
  static constexpr int S = M == RnnMode::lstm ? 5 : M == RnnMode::gru ? 4 : 1;
};

template <typename T>
__device__ inline T sigmoid(T v) {
  return T(1) / (T(1) + exp(-v));
}

__device__ inline int64_t row_length(const int64_t* lengths, int64_t b, int64_t t_all) {
  return lengths != nullptr ? lengths[b] : t_all;
}

// Step t forward. h, c (b, h): the running state (h_n, c_n), read and updated in place.
// saved_t (b, S*h) or nullptr: lstm [i, f, g, o, c], gru [r, z, n, hn], rnn [h].
template <typename T, RnnMode M>
__global__ void rnn_cell_forward(T* y_t, T* h, T* c, T* saved_t, const T* xg_t, const T* hg,
                                 const int64_t* lengths, int64_t t, int64_t t_all, int64_t nb,
                                 int64_t nh) {
  constexpr int G = RnnGates<M>::G, S = RnnGates<M>::S;
  const int64_t n = nb * nh;
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < n;
       e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t b = e / nh, j = e - b * nh;
    if (t >= row_length(lengths, b, t_all)) {
      y_t[e] = T(0);
      continue;
    }
    const T* xr = xg_t + b * G * nh + j;
    const T* hr = hg + b * G * nh + j;
    T* sv = saved_t != nullptr ? saved_t + b * S * nh + j : nullptr;
    T hn;
    if constexpr (M == RnnMode::lstm) {
      const T ig = sigmoid(xr[0] + hr[0]), fg = sigmoid(xr[nh] + hr[nh]);
      const T gg = tanh(xr[2 * nh] + hr[2 * nh]), og = sigmoid(xr[3 * nh] + hr[3 * nh]);
      const T cn = fg * c[e] + ig * gg;
      hn = og * tanh(cn);
      c[e] = cn;
      if (sv != nullptr) {
        sv[0] = ig, sv[nh] = fg, sv[2 * nh] = gg, sv[3 * nh] = og, sv[4 * nh] = cn;
      }
    } else if constexpr (M == RnnMode::gru) {
      const T r = sigmoid(xr[0] + hr[0]), z = sigmoid(xr[nh] + hr[nh]);
      const T ghn = hr[2 * nh], ng = tanh(xr[2 * nh] + r * ghn);
      hn = (T(1) - z) * ng + z * h[e];
      if (sv != nullptr) sv[0] = r, sv[nh] = z, sv[2 * nh] = ng, sv[3 * nh] = ghn;
    } else {
      const T a = xr[0] + hr[0];
      hn = M == RnnMode::rnn_tanh ? tanh(a) : (a > T(0) || a != a ? a : T(0));  // relu keeps NaN
      if (sv != nullptr) sv[0] = hn;
    }
    h[e] = hn;
    y_t[e] = hn;
  }
}

// Step t backward. dh, dc (b, h): the gradient of the running state (dh0, dc0), read and
// updated in place to the gradient of the previous state less the recurrent product
// dgh_t @ w_hh, which the caller adds next. Writes dgi_t, dgh_t (b, G*h): the gate
// pre-activation gradients on the input side and on the recurrent side (the same but for
// GRU's n block, r * dn there; dgh_t == dgi_t otherwise), and hprev_t (b, h): the previous
// state (0 at an inactive step), for dW_hh = dgh^T hprev after the loop.
template <typename T, RnnMode M>
__global__ void rnn_cell_backward(T* dgi_t, T* dgh_t, T* hprev_t, T* dh, T* dc, const T* dy_t,
                                  const T* y, const T* saved, const T* h0, const T* c0,
                                  const int64_t* lengths, int64_t t, int64_t t_all, int64_t nb,
                                  int64_t nh, bool reverse) {
  constexpr int G = RnnGates<M>::G, S = RnnGates<M>::S;
  const int64_t n = nb * nh;
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < n;
       e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t b = e / nh, j = e - b * nh;
    const int64_t len = row_length(lengths, b, t_all);
    T* gi = dgi_t + b * G * nh + j;
    T* gh = dgh_t + b * G * nh + j;
    if (t >= len) {
      for (int k = 0; k < G; ++k) gi[k * nh] = T(0), gh[k * nh] = T(0);
      hprev_t[e] = T(0);
      continue;
    }
    const int64_t tp = reverse ? t + 1 : t - 1;  // the previous processed step
    const bool prev = tp >= 0 && tp < len;
    const T hp = prev ? y[(tp * nb + b) * nh + j] : h0[e];
    const T* sv = saved + (t * nb + b) * S * nh + j;
    const T dht = dh[e] + dy_t[e];
    hprev_t[e] = hp;
    if constexpr (M == RnnMode::lstm) {
      const T ig = sv[0], fg = sv[nh], gg = sv[2 * nh], og = sv[3 * nh], ct = sv[4 * nh];
      const T cp = prev ? saved[(tp * nb + b) * S * nh + 4 * nh + j] : c0[e];
      const T tc = tanh(ct);
      const T dct = dc[e] + dht * og * (T(1) - tc * tc);
      gi[0] = dct * gg * ig * (T(1) - ig);
      gi[nh] = dct * cp * fg * (T(1) - fg);
      gi[2 * nh] = dct * ig * (T(1) - gg * gg);
      gi[3 * nh] = dht * tc * og * (T(1) - og);
      dc[e] = dct * fg;
      dh[e] = T(0);
    } else if constexpr (M == RnnMode::gru) {
      const T r = sv[0], z = sv[nh], ng = sv[2 * nh], ghn = sv[3 * nh];
      const T dnp = dht * (T(1) - z) * (T(1) - ng * ng);
      const T drp = dnp * ghn * r * (T(1) - r), dzp = dht * (hp - ng) * z * (T(1) - z);
      gi[0] = drp, gi[nh] = dzp, gi[2 * nh] = dnp;
      gh[0] = drp, gh[nh] = dzp, gh[2 * nh] = dnp * r;
      dh[e] = dht * z;
    } else {
      const T hv = sv[0];
      gi[0] = M == RnnMode::rnn_tanh ? dht * (T(1) - hv * hv) : (hv > T(0) ? dht : T(0));
      dh[e] = T(0);
    }
  }
}

// dst[e] = src[e] (or 0 when src is nullptr), n elements.
template <typename T>
__global__ void copy_or_zero(T* dst, const T* src, int64_t n) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < n;
       e += int64_t(gridDim.x) * blockDim.x)
    dst[e] = src != nullptr ? src[e] : T(0);
}

// out[col] = sum over rows of a[row, col] (a (rows, cols) row-major), summed in double in a fixed
// order: thread (lane, part) of a block of 256 sums the rows part, part + 8, ... of column
// blockIdx.x * 32 + lane; the 8 parts are added in order.
template <typename T>
__global__ void column_sums(T* out, const T* a, int64_t rows, int64_t cols) {
  __shared__ double part[8][33];
  const int lane = threadIdx.x % 32, p = threadIdx.x / 32;
  const int64_t col = int64_t(blockIdx.x) * 32 + lane;
  double acc = 0.0;
  if (col < cols)
    for (int64_t r = p; r < rows; r += 8) acc += double(a[r * cols + col]);
  part[p][lane] = acc;
  __syncthreads();
  if (p == 0 && col < cols) {
    double s = 0.0;
    for (int q = 0; q < 8; ++q) s += part[q][lane];
    out[col] = T(s);
  }
}

}  // namespace dlcore::cuda
