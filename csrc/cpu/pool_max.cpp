// Max pooling over (planes, h, w) planes with torch's flat indices; planes run in parallel.
// The window loops follow torch's CPU kernel (MaxPoolKernel.cpp) so that ties, NaN and empty
// windows give its values and indices.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "cpu/pool.h"
#include "cpu/threads.h"

namespace dlcore::cpu {
namespace {

// [lo, hi) of the window starting at `start` (may be negative) in steps of d, clipped to [0, n):
// lo is the first in-range step (possibly >= hi: an empty window).
inline void window(int64_t start, int64_t k, int64_t d, int64_t n, int64_t* lo, int64_t* hi) {
  int64_t s = start;
  *hi = std::min(s + (k - 1) * d + 1, n);
  while (s < 0) s += d;
  *lo = s;
}

// torch's update rule, without branches (random data makes them unpredictable): v replaces
// the max when greater, or when NaN (so the last NaN of a window wins).
template <typename T>
inline void take(T v, int64_t at, T* m, int64_t* best) {
  const bool better = (v > *m) | (v != v);
  *m = better ? v : *m;
  *best = better ? at : *best;
}

template <typename T>
void max_plane(T* y, int64_t* idx, const T* x, const Pool2dGeom& g) {
  for (int64_t oh = 0; oh < g.ho; ++oh) {
    int64_t r0, r1;
    window(oh * g.sh - g.ph, g.kh, g.dh, g.h, &r0, &r1);
    for (int64_t ow = 0; ow < g.wo; ++ow) {
      int64_t c0, c1;
      window(ow * g.sw - g.pw, g.kw, g.dw, g.w, &c0, &c1);
      int64_t best = r0 * g.w + c0;
      T m = -std::numeric_limits<T>::infinity();
      for (int64_t r = r0; r < r1; r += g.dh)
        for (int64_t c = c0; c < c1; c += g.dw) take(x[r * g.w + c], r * g.w + c, &m, &best);
      y[oh * g.wo + ow] = m;
      idx[oh * g.wo + ow] = best;
    }
  }
}

// The common 2x2 stride-2 window without padding or dilation: the same compares in torch's
// order (row by row), no bounds to clip. One output row: windows [ow0, wo) of rows r0, r1 = r0 + w
// (r0 is input row `row`).
template <typename T>
void max_row_2x2(T* y, int64_t* idx, const T* r0, int64_t row, int64_t w, int64_t ow0, int64_t wo) {
  const T* r1 = r0 + w;
  for (int64_t ow = ow0; ow < wo; ++ow) {
    const int64_t c = 2 * ow, base = row * w + c;
    const T v[4] = {r0[c], r0[c + 1], r1[c], r1[c + 1]};
    const int64_t at[4] = {base, base + 1, base + w, base + w + 1};
    T m = -std::numeric_limits<T>::infinity();
    int64_t best = base;
    for (int k = 0; k < 4; ++k) take(v[k], at[k], &m, &best);
    y[ow] = m;
    idx[ow] = best;
  }
}

template <typename T>
void max_plane_2x2(T* y, int64_t* idx, const T* x, const Pool2dGeom& g) {
  for (int64_t oh = 0; oh < g.ho; ++oh)
    max_row_2x2(y + oh * g.wo, idx + oh * g.wo, x + 2 * oh * g.w, 2 * oh, g.w, 0, g.wo);
}

#if defined(__SSE2__)
// float32, four windows at a time with SSE2 (the x86-64 baseline): candidates are the even and odd
// columns of both rows; a lane takes candidate k where it is greater or NaN (torch's rule,
// branch-free), and remembers k (0..3: column offset k & 1, row offset k >> 1).
template <>
void max_plane_2x2<float>(float* y, int64_t* idx, const float* x, const Pool2dGeom& g) {
  for (int64_t oh = 0; oh < g.ho; ++oh) {
    const float* r0 = x + 2 * oh * g.w;
    const float* r1 = r0 + g.w;
    float* yr = y + oh * g.wo;
    int64_t* ir = idx + oh * g.wo;
    int64_t ow = 0;
    for (; ow + 4 <= g.wo; ow += 4) {
      const int64_t c = 2 * ow;
      const __m128 a0 = _mm_loadu_ps(r0 + c), a1 = _mm_loadu_ps(r0 + c + 4);
      const __m128 b0 = _mm_loadu_ps(r1 + c), b1 = _mm_loadu_ps(r1 + c + 4);
      const __m128 v[4] = {_mm_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0)),
                           _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(3, 1, 3, 1)),
                           _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0)),
                           _mm_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1))};
      __m128 m = v[0];
      __m128i k = _mm_setzero_si128();
      for (int j = 1; j < 4; ++j) {
        const __m128 take = _mm_or_ps(_mm_cmpgt_ps(v[j], m), _mm_cmpunord_ps(v[j], v[j]));
        m = _mm_or_ps(_mm_and_ps(take, v[j]), _mm_andnot_ps(take, m));
        const __m128i t = _mm_castps_si128(take);
        k = _mm_or_si128(_mm_and_si128(t, _mm_set1_epi32(j)), _mm_andnot_si128(t, k));
      }
      _mm_storeu_ps(yr + ow, m);
      alignas(16) int32_t ks[4];
      _mm_store_si128(reinterpret_cast<__m128i*>(ks), k);
      for (int l = 0; l < 4; ++l)
        ir[ow + l] = (2 * oh + (ks[l] >> 1)) * g.w + 2 * (ow + l) + (ks[l] & 1);
    }
    max_row_2x2(yr, ir, r0, 2 * oh, g.w, ow, g.wo);
  }
}
#endif

bool is_plain_2x2(const Pool2dGeom& g) {
  return g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 && g.dh == 1 &&
         g.dw == 1 && 2 * g.ho <= g.h && 2 * g.wo <= g.w;
}

}  // namespace

template <typename T>
void max_pool2d_forward(T* y, int64_t* indices, const T* x, const Pool2dGeom& g) {
  const int64_t in = g.h * g.w, out = g.ho * g.wo;
  const bool fast = is_plain_2x2(g);
#pragma omp parallel for schedule(static) if (g.planes * out > (1 << 14)) num_threads(max_threads())
  for (int64_t p = 0; p < g.planes; ++p) {
    if (fast) max_plane_2x2(y + p * out, indices + p * out, x + p * in, g);
    else max_plane(y + p * out, indices + p * out, x + p * in, g);
  }
}

template <typename T>
void max_pool2d_backward(T* dx, const T* dy, const int64_t* indices, int64_t planes, int64_t hw,
                         int64_t howo) {
#pragma omp parallel for schedule(static) if (planes * (hw + howo) > (1 << 15)) \
    num_threads(max_threads())
  for (int64_t p = 0; p < planes; ++p) {
    T* d = dx + p * hw;
    const T* g = dy + p * howo;
    const int64_t* at = indices + p * howo;
    std::memset(d, 0, sizeof(T) * hw);
    for (int64_t o = 0; o < howo; ++o)
      if (at[o] >= 0 && at[o] < hw) d[at[o]] += g[o];
  }
}

#define DLCORE_INSTANTIATE(T)                                                     \
  template void max_pool2d_forward<T>(T*, int64_t*, const T*, const Pool2dGeom&); \
  template void max_pool2d_backward<T>(T*, const T*, const int64_t*, int64_t, int64_t, int64_t);
DLCORE_INSTANTIATE(float)
DLCORE_INSTANTIATE(double)
#undef DLCORE_INSTANTIATE

}  // namespace dlcore::cpu
