// Max pooling over (planes, h, w) planes with torch's flat indices; planes run in parallel.
// The window loops follow torch's CPU kernel (MaxPoolKernel.cpp) so that ties, NaN and empty
// windows give its values and indices.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

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
        for (int64_t c = c0; c < c1; c += g.dw) {
          const T v = x[r * g.w + c];
          if (v > m || std::isnan(v)) {
            m = v;
            best = r * g.w + c;
          }
        }
      y[oh * g.wo + ow] = m;
      idx[oh * g.wo + ow] = best;
    }
  }
}

// The common 2x2 stride-2 window without padding or dilation: the same compares in torch's
// order (row by row), no bounds to clip.
template <typename T>
void max_plane_2x2(T* y, int64_t* idx, const T* x, const Pool2dGeom& g) {
  for (int64_t oh = 0; oh < g.ho; ++oh) {
    const T* r0 = x + (2 * oh) * g.w;
    const T* r1 = r0 + g.w;
    for (int64_t ow = 0; ow < g.wo; ++ow) {
      const int64_t c = 2 * ow, base = 2 * oh * g.w + c;
      const T v[4] = {r0[c], r0[c + 1], r1[c], r1[c + 1]};
      const int64_t at[4] = {base, base + 1, base + g.w, base + g.w + 1};
      T m = -std::numeric_limits<T>::infinity();
      int64_t best = base;
      for (int k = 0; k < 4; ++k)
        if (v[k] > m || std::isnan(v[k])) {
          m = v[k];
          best = at[k];
        }
      y[oh * g.wo + ow] = m;
      idx[oh * g.wo + ow] = best;
    }
  }
}

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
