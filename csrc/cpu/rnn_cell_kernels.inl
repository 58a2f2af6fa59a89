// Bodies of the fused recurrent cell rows (rnn_cell.h), included into one namespace per ISA
// (rnn_cell.cpp: portable; rnn_cell_avx2.cpp: -mavx2 -mfma). Not a standalone header.
// Branch-free loops over the hidden units so that they vectorise. float32: sigmoid and tanh
// through exp_cell (relative error ~2e-7 where the result is a normal float; nan propagates,
// +-inf saturate); float64: std::exp / std::tanh.

// e^x in float for x <= 88 (above: undefined value, callers clamp): Cody-Waite reduction by ln 2
// and a degree-7 polynomial (relative error ~1e-7); x below -87 gives e^-87 (~1.6e-38, no
// subnormal results); nan gives nan. 2^k is built from the rounding sum's bits (a bit copy and
// unsigned arithmetic: no float-to-int conversion, defined for every input).
inline float exp_cell(float x) {
  const float xc = -87.0f > x ? -87.0f : x;  // nan: the comparison fails, nan goes on
  const float kf = xc * 1.44269504088896341f + 12582912.0f;  // 1.5 * 2^23 + round(x / ln 2)
  const float k = kf - 12582912.0f;
  const float r = (xc - k * 0.693145751953125f) - k * 1.42860682030941723212e-6f;
  float p = 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  uint32_t bits;
  std::memcpy(&bits, &kf, sizeof bits);
  bits = (bits - 0x4B400000u + 127u) << 23;  // k + 127 in [1, 254] for x in [-87, 88]
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// 1 / (1 + e^-x), e^-x clamped at e^88 (x < -88 gives ~6e-39 instead of a subnormal)
inline float sigmoid_of(float x) {
  const float nx = -x;
  return 1.0f / (1.0f + exp_cell(88.0f < nx ? 88.0f : nx));  // nan goes on
}
inline double sigmoid_of(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// tanh: an odd Taylor polynomial below |x| = 0.4 (terms to x^13: relative error < 1e-8), else
// sign(x) (1 - e) / (1 + e) with e = exp(-2|x|) (no cancellation: e <= 0.45).
inline float tanh_of(float x) {
  const float a = std::fabs(x);
  const float e = exp_cell(-2.0f * a);
  const float big = (1.0f - e) / (1.0f + e);
  const float x2 = x * x;
  float p = 21844.0f / 6081075.0f;
  p = p * x2 - 1382.0f / 155925.0f;
  p = p * x2 + 62.0f / 2835.0f;
  p = p * x2 - 17.0f / 315.0f;
  p = p * x2 + 2.0f / 15.0f;
  p = p * x2 - 1.0f / 3.0f;
  const float small = x + x * x2 * p;
  const float r = std::copysign(big, x);
  return a < 0.4f ? small : r;  // nan: a < 0.4 false, r = nan
}
inline double tanh_of(double x) { return std::tanh(x); }

template <typename T>
inline T relu_of(T x) {
  return x < T(0) ? T(0) : x;  // nan stays nan
}

template <typename T>
void lstm_forward_row(int64_t h, T* __restrict g, const T* __restrict bias, T* __restrict hs,
                      T* __restrict cs, T* __restrict y) {
  for (int64_t j = 0; j < h; ++j) {
    const T i = sigmoid_of(g[j] + bias[j]), f = sigmoid_of(g[h + j] + bias[h + j]);
    const T gg = tanh_of(g[2 * h + j] + bias[2 * h + j]);
    const T o = sigmoid_of(g[3 * h + j] + bias[3 * h + j]);
    const T c = f * cs[j] + i * gg;
    const T hn = o * tanh_of(c);
    g[j] = i, g[h + j] = f, g[2 * h + j] = gg, g[3 * h + j] = o, g[4 * h + j] = c;
    cs[j] = c, hs[j] = hn, y[j] = hn;
  }
}

template <typename T>
void gru_forward_row(int64_t h, T* __restrict g, const T* __restrict bias, const T* __restrict gh,
                     const T* __restrict b_hn, T* __restrict hs, T* __restrict y) {
  for (int64_t j = 0; j < h; ++j) {
    const T r = sigmoid_of(g[j] + bias[j] + gh[j]);
    const T z = sigmoid_of(g[h + j] + bias[h + j] + gh[h + j]);
    const T hn = gh[2 * h + j] + b_hn[j];
    const T n = tanh_of(g[2 * h + j] + bias[2 * h + j] + r * hn);
    const T out = (T(1) - z) * n + z * hs[j];
    g[j] = r, g[h + j] = z, g[2 * h + j] = n, g[3 * h + j] = hn;
    hs[j] = out, y[j] = out;
  }
}

template <typename T, bool Relu>
void rnn_forward_row(int64_t h, T* __restrict g, const T* __restrict bias, T* __restrict hs,
                     T* __restrict y) {
  for (int64_t j = 0; j < h; ++j) {
    const T out = Relu ? relu_of(g[j] + bias[j]) : tanh_of(g[j] + bias[j]);
    g[j] = out, hs[j] = out, y[j] = out;
  }
}

template <typename T>
void lstm_backward_row(int64_t h, const T* __restrict s, const T* __restrict dy,
                       const T* __restrict cp, T* __restrict dh, T* __restrict dc,
                       T* __restrict dg) {
  for (int64_t j = 0; j < h; ++j) {
    const T i = s[j], f = s[h + j], gg = s[2 * h + j], o = s[3 * h + j], c = s[4 * h + j];
    const T tc = tanh_of(c);
    const T dht = dh[j] + dy[j];
    const T dct = dc[j] + dht * o * (T(1) - tc * tc);
    dg[j] = dct * gg * i * (T(1) - i);
    dg[h + j] = dct * cp[j] * f * (T(1) - f);
    dg[2 * h + j] = dct * i * (T(1) - gg * gg);
    dg[3 * h + j] = dht * tc * o * (T(1) - o);
    dc[j] = dct * f;
    dh[j] = T(0);
  }
}

template <typename T>
void gru_backward_row(int64_t h, const T* __restrict s, const T* __restrict dy,
                      const T* __restrict hp, T* __restrict dh, T* __restrict dgi,
                      T* __restrict dgh) {
  for (int64_t j = 0; j < h; ++j) {
    const T r = s[j], z = s[h + j], n = s[2 * h + j], hn = s[3 * h + j];
    const T dht = dh[j] + dy[j];
    const T dnp = dht * (T(1) - z) * (T(1) - n * n);
    const T dr = dnp * hn * r * (T(1) - r);
    const T dz = dht * (hp[j] - n) * z * (T(1) - z);
    dgi[j] = dr, dgi[h + j] = dz, dgi[2 * h + j] = dnp;
    dgh[j] = dr, dgh[h + j] = dz, dgh[2 * h + j] = dnp * r;
    dh[j] = dht * z;
  }
}

template <typename T, bool Relu>
void rnn_backward_row(int64_t h, const T* __restrict s, const T* __restrict dy, T* __restrict dh,
                      T* __restrict dg) {
  for (int64_t j = 0; j < h; ++j) {
    const T out = s[j], dht = dh[j] + dy[j];
    dg[j] = Relu ? (out > T(0) ? dht : T(0)) : dht * (T(1) - out * out);
    dh[j] = T(0);
  }
}

inline bool row_active(const int64_t* lengths, int64_t r, int64_t t) {
  return !lengths || t < lengths[r];
}

template <typename T>
void forward_rows(const CellForwardStep<T>& s, int64_t r0, int64_t r1) {
  const int64_t h = s.h, sh = int64_t(rnn_saved_blocks(s.mode)) * h;
  for (int64_t r = r0; r < r1; ++r) {
    T* y = s.y + r * h;
    if (!row_active(s.lengths, r, s.t)) {
      std::fill(y, y + h, T(0));
      continue;
    }
    T* g = s.g + r * sh;
    T* hs = s.hs + r * h;
    switch (s.mode) {
      case RnnMode::lstm: lstm_forward_row(h, g, s.bias, hs, s.cs + r * h, y); break;
      case RnnMode::gru: gru_forward_row(h, g, s.bias, s.gh + r * 3 * h, s.b_hn, hs, y); break;
      case RnnMode::rnn_tanh: rnn_forward_row<T, false>(h, g, s.bias, hs, y); break;
      case RnnMode::rnn_relu: rnn_forward_row<T, true>(h, g, s.bias, hs, y); break;
    }
  }
}

template <typename T>
void backward_rows(const CellBackwardStep<T>& s, int64_t r0, int64_t r1) {
  const int64_t h = s.h, gh = int64_t(rnn_gate_blocks(s.mode)) * h;
  const int64_t sh = int64_t(rnn_saved_blocks(s.mode)) * h;
  for (int64_t r = r0; r < r1; ++r) {
    T* dgi = s.dgi + r * gh;
    T* dgh = s.dgh + r * gh;
    if (!row_active(s.lengths, r, s.t)) {
      std::fill(dgi, dgi + gh, T(0));
      if (dgh != dgi) std::fill(dgh, dgh + gh, T(0));
      continue;
    }
    const T* sv = s.saved + r * sh;
    const T* dy = s.dy + r * h;
    T* dh = s.dh + r * h;
    switch (s.mode) {
      case RnnMode::lstm: lstm_backward_row(h, sv, dy, s.cp[r], dh, s.dc + r * h, dgi); break;
      case RnnMode::gru: gru_backward_row(h, sv, dy, s.hp[r], dh, dgi, dgh); break;
      case RnnMode::rnn_tanh: rnn_backward_row<T, false>(h, sv, dy, dh, dgi); break;
      case RnnMode::rnn_relu: rnn_backward_row<T, true>(h, sv, dy, dh, dgi); break;
    }
  }
}
