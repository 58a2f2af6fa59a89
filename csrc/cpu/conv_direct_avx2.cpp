// AVX2+FMA micro-kernels of the direct convolution (conv_direct.h), row by row: the correlate
// block is 3 output channels x up to 4 vectors (32 positions) of one output row, 12
// accumulators, bias and relu applied in registers, the row's tail stored through a buffer;
// the weight-gradient block is 4 output channels x 3 taps, 12 accumulators, summed over rows
// with the tail vector of each row loaded under a mask.
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "cpu/conv_direct.h"

namespace dlcore::cpu::avx2 {
namespace {

inline __m256i tail_mask(int64_t lanes) {  // the first `lanes` (1..8) lanes set
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(int(lanes)), idx);
}

// KB output channels (weights wt, rows wstride apart) x NV vectors at one row segment of `n`
// positions (8*(NV-1) < n <= 8*NV): out[k*ld_k + j], in already offset to the segment. The
// channel and tap loops are one loop over e = ci*taps + t (input offset off[e], weight e), so
// that a first layer's few channels cost one loop exit per segment, not one per channel.
template <int KB, int NV>
inline void corr_seg(float* out, int64_t ld_k, int64_t n, const float* in, const int64_t* off,
                     int64_t terms, const float* wt, int64_t wstride, const float* bias,
                     bool relu) {
  __m256 acc[KB][NV];
#pragma GCC unroll 8
  for (int k = 0; k < KB; ++k)
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) acc[k][v] = _mm256_setzero_ps();
  for (int64_t e = 0; e < terms; ++e) {
    const float* src = in + off[e];
    __m256 xv[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) xv[v] = _mm256_loadu_ps(src + 8 * v);
#pragma GCC unroll 8
    for (int k = 0; k < KB; ++k) {
      const __m256 wv = _mm256_broadcast_ss(wt + k * wstride + e);
#pragma GCC unroll 8
      for (int v = 0; v < NV; ++v) acc[k][v] = _mm256_fmadd_ps(wv, xv[v], acc[k][v]);
    }
  }
  const int64_t tail = n - 8 * (NV - 1);  // 1..8 lanes of the last vector are stored
#pragma GCC unroll 8
  for (int k = 0; k < KB; ++k) {
    const __m256 b = bias ? _mm256_set1_ps(bias[k]) : _mm256_setzero_ps();
#pragma GCC unroll 8
    for (int v = 0; v < NV; ++v) {
      __m256 r = _mm256_add_ps(acc[k][v], b);
      if (relu) r = _mm256_max_ps(r, _mm256_setzero_ps());
      float* dst = out + k * ld_k + 8 * v;
      if (v < NV - 1 || tail == 8) {
        _mm256_storeu_ps(dst, r);
      } else {  // not vmaskmovps: a masked store is slow on AMD cores
        alignas(32) float lanes[8];
        _mm256_store_ps(lanes, r);
        std::copy(lanes, lanes + tail, dst);
      }
    }
  }
}

template <int KB>
inline void corr_row(float* out, int64_t ld_k, int64_t cols, const float* in, const int64_t* off,
                     int64_t terms, const float* wt, int64_t wstride, const float* bias,
                     bool relu) {
  for (int64_t j = 0; j < cols; j += 32) {
    const int64_t n = std::min<int64_t>(32, cols - j);
    const int nv = int((n + 7) / 8);
    float* o = out + j;
    const float* s = in + j;
    if (nv == 4) corr_seg<KB, 4>(o, ld_k, n, s, off, terms, wt, wstride, bias, relu);
    if (nv == 3) corr_seg<KB, 3>(o, ld_k, n, s, off, terms, wt, wstride, bias, relu);
    if (nv == 2) corr_seg<KB, 2>(o, ld_k, n, s, off, terms, wt, wstride, bias, relu);
    if (nv == 1) corr_seg<KB, 1>(o, ld_k, n, s, off, terms, wt, wstride, bias, relu);
  }
}

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// KB output channels x TB taps of one input channel, summed over `rows` rows of `cols`.
template <int KB, int TB>
inline void wgrad_block(float* acc_out, int64_t k_stride, const float* dy, int64_t ld_k,
                        int64_t rows, int64_t cols, const float* in, int64_t in_row,
                        const int64_t* off) {
  __m256 acc[KB][TB];
#pragma GCC unroll 8
  for (int k = 0; k < KB; ++k)
#pragma GCC unroll 8
    for (int t = 0; t < TB; ++t) acc[k][t] = _mm256_setzero_ps();
  const int64_t full = cols / 8 * 8;
  const __m256i mask = tail_mask(cols - full);
  for (int64_t oh = 0; oh < rows; ++oh) {
    const float* dr = dy + oh * cols;
    const float* xr = in + oh * in_row;
    for (int64_t j = 0; j < full; j += 8) {
      __m256 xv[TB];
#pragma GCC unroll 8
      for (int t = 0; t < TB; ++t) xv[t] = _mm256_loadu_ps(xr + off[t] + j);
#pragma GCC unroll 8
      for (int k = 0; k < KB; ++k) {
        const __m256 dv = _mm256_loadu_ps(dr + k * ld_k + j);
#pragma GCC unroll 8
        for (int t = 0; t < TB; ++t) acc[k][t] = _mm256_fmadd_ps(dv, xv[t], acc[k][t]);
      }
    }
    if (full < cols) {  // masked lanes are neither read nor summed
      __m256 xv[TB];
#pragma GCC unroll 8
      for (int t = 0; t < TB; ++t) xv[t] = _mm256_maskload_ps(xr + off[t] + full, mask);
#pragma GCC unroll 8
      for (int k = 0; k < KB; ++k) {
        const __m256 dv = _mm256_maskload_ps(dr + k * ld_k + full, mask);
#pragma GCC unroll 8
        for (int t = 0; t < TB; ++t) acc[k][t] = _mm256_fmadd_ps(dv, xv[t], acc[k][t]);
      }
    }
  }
#pragma GCC unroll 8
  for (int k = 0; k < KB; ++k)
#pragma GCC unroll 8
    for (int t = 0; t < TB; ++t) acc_out[k * k_stride + t] += hsum(acc[k][t]);
}

template <int KB>
void wgrad_taps(float* acc_out, int64_t k_stride, const float* dy, int64_t ld_k, int64_t rows,
                int64_t cols, const float* in, int64_t in_row, const int64_t* off, int64_t taps) {
  int64_t t = 0;
  for (; t + 3 <= taps; t += 3)
    wgrad_block<KB, 3>(acc_out + t, k_stride, dy, ld_k, rows, cols, in, in_row, off + t);
  if (taps - t == 2)
    wgrad_block<KB, 2>(acc_out + t, k_stride, dy, ld_k, rows, cols, in, in_row, off + t);
  if (taps - t == 1)
    wgrad_block<KB, 1>(acc_out + t, k_stride, dy, ld_k, rows, cols, in, in_row, off + t);
}

}  // namespace

void direct_correlate(float* out, int64_t ld_k, int64_t ld_row, int64_t rows, int64_t cols,
                      const float* in, int64_t plane, int64_t in_row, int64_t cin, const float* wt,
                      const int64_t* off, int64_t taps, int64_t kout, const float* bias,
                      bool relu) {
  const int64_t ws = cin * taps;
  std::vector<int64_t> flat(static_cast<size_t>(ws));  // e = ci*taps + t -> ci*plane + off[t]
  for (int64_t ci = 0; ci < cin; ++ci)
    for (int64_t t = 0; t < taps; ++t) flat[ci * taps + t] = ci * plane + off[t];
  const int64_t* fo = flat.data();
  for (int64_t oh = 0; oh < rows; ++oh) {
    float* o = out + oh * ld_row;
    const float* s = in + oh * in_row;
    int64_t k = 0;
    for (; k + 3 <= kout; k += 3)
      corr_row<3>(o + k * ld_k, ld_k, cols, s, fo, ws, wt + k * ws, ws, bias ? bias + k : nullptr,
                  relu);
    const float* b = bias ? bias + k : nullptr;
    if (kout - k == 2) corr_row<2>(o + k * ld_k, ld_k, cols, s, fo, ws, wt + k * ws, ws, b, relu);
    if (kout - k == 1) corr_row<1>(o + k * ld_k, ld_k, cols, s, fo, ws, wt + k * ws, ws, b, relu);
  }
}

void direct_weight_grad(float* acc, const float* dy, int64_t ld_k, int64_t rows, int64_t cols,
                        const float* in, int64_t plane, int64_t in_row, int64_t cin,
                        const int64_t* off, int64_t taps, int64_t kout) {
  const int64_t ks = cin * taps;
  // rows per tile: the tile's dy rows of every output channel and input rows of every input
  // channel stay in L2 (about 256 KiB) while every block passes over them
  const int64_t per_row = kout * cols + cin * in_row;
  const int64_t tile = std::max<int64_t>(1, (int64_t(1) << 16) / std::max<int64_t>(per_row, 1));
  for (int64_t r0 = 0; r0 < rows; r0 += tile) {
    const int64_t nr = std::min(rows, r0 + tile) - r0;
    for (int64_t ci = 0; ci < cin; ++ci) {
      const float* ic = in + ci * plane + r0 * in_row;
      const float* d = dy + r0 * cols;
      int64_t k = 0;
      for (; k + 4 <= kout; k += 4)
        wgrad_taps<4>(acc + k * ks + ci * taps, ks, d + k * ld_k, ld_k, nr, cols, ic, in_row, off,
                      taps);
      for (; k < kout; ++k)
        wgrad_taps<1>(acc + k * ks + ci * taps, ks, d + k * ld_k, ld_k, nr, cols, ic, in_row, off,
                      taps);
    }
  }
}

}  // namespace dlcore::cpu::avx2
