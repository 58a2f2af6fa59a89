// Average pooling (torch's divisor rules, AvgPoolKernel.cpp) and adaptive average pooling
// (torch's start/end rule) over (planes, h, w) planes; planes run in parallel. Sums accumulate
// in T, as torch's CPU kernels.
#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu/pool.h"
#include "cpu/threads.h"

namespace dlcore::cpu {
namespace {

// One avg-pool window: the input rows [r0, r1) and columns [c0, c1) it covers (may be empty)
// and its divisor.
struct AvgWindow {
  int64_t r0, r1, c0, c1, divisor;
};

inline AvgWindow avg_window(const Pool2dGeom& g, int64_t oh, int64_t ow, bool count_include_pad,
                            int64_t divisor) {
  int64_t r0 = oh * g.sh - g.ph, c0 = ow * g.sw - g.pw;
  int64_t r1 = std::min(r0 + g.kh, g.h + g.ph), c1 = std::min(c0 + g.kw, g.w + g.pw);
  const int64_t padded = (r1 - r0) * (c1 - c0);
  r0 = std::max<int64_t>(r0, 0);
  c0 = std::max<int64_t>(c0, 0);
  r1 = std::min(r1, g.h);
  c1 = std::min(c1, g.w);
  const int64_t d = divisor != 0 ? divisor : count_include_pad ? padded : (r1 - r0) * (c1 - c0);
  return {r0, r1, c0, c1, d};
}

// torch's adaptive pooling bounds: [floor(i*n/out), ceil((i+1)*n/out)).
inline int64_t adaptive_start(int64_t i, int64_t n, int64_t out) { return (i * n) / out; }
inline int64_t adaptive_end(int64_t i, int64_t n, int64_t out) {
  return ((i + 1) * n + out - 1) / out;
}

constexpr int64_t kParallelWork = 1 << 14;

// Windows that tile the plane (stride = kernel, no padding): each input element lies in at most
// one window, so dx is written once, row by row, instead of zeroed and accumulated.
inline bool tiles(const Pool2dGeom& g) {
  return g.sh == g.kh && g.sw == g.kw && g.ph == 0 && g.pw == 0;
}

// The full windows of a tiling (inside the plane: the divisor is the window size, whatever
// count_include_pad, or the override) in rows [0, fh) x columns [0, fw) of the output.
struct Tiling {
  int64_t fh, fw;
  double divisor;
};

inline Tiling full_windows(const Pool2dGeom& g, int64_t divisor) {
  return {std::min(g.ho, g.h / g.kh), std::min(g.wo, g.w / g.kw),
          double(divisor != 0 ? divisor : g.kh * g.kw)};
}

// Window sums in torch's order (row by row); the 2x2 case written out so that it vectorizes.
template <typename T>
void tiled_forward(T* yp, const T* xp, const Pool2dGeom& g, bool count_include_pad,
                   int64_t divisor) {
  const Tiling t = full_windows(g, divisor);
  const T d = T(t.divisor);
  for (int64_t oh = 0; oh < t.fh; ++oh) {
    const T* r0 = xp + oh * g.kh * g.w;
    T* yr = yp + oh * g.wo;
    if (g.kh == 2 && g.kw == 2) {
      const T* r1 = r0 + g.w;
      for (int64_t ow = 0; ow < t.fw; ++ow)
        yr[ow] = (((r0[2 * ow] + r0[2 * ow + 1]) + r1[2 * ow]) + r1[2 * ow + 1]) / d;
    } else {
      for (int64_t ow = 0; ow < t.fw; ++ow) {
        T s = 0;
        for (int64_t i = 0; i < g.kh; ++i)
          for (int64_t j = 0; j < g.kw; ++j) s += r0[i * g.w + ow * g.kw + j];
        yr[ow] = s / d;
      }
    }
  }
  for (int64_t oh = 0; oh < g.ho; ++oh)  // the ceil_mode windows clipped by the plane's edge
    for (int64_t ow = oh < t.fh ? t.fw : 0; ow < g.wo; ++ow) {
      const AvgWindow a = avg_window(g, oh, ow, count_include_pad, divisor);
      T s = 0;
      for (int64_t r = a.r0; r < a.r1; ++r)
        for (int64_t c = a.c0; c < a.c1; ++c) s += xp[r * g.w + c];
      yp[oh * g.wo + ow] = s / T(a.divisor);
    }
}

template <typename T>
void tiled_backward(T* dp, const T* gp, const Pool2dGeom& g, bool count_include_pad,
                    int64_t divisor) {
  const Tiling t = full_windows(g, divisor);
  std::vector<T> share(g.wo);
  for (int64_t oh = 0; oh < g.ho; ++oh) {
    for (int64_t ow = 0; ow < g.wo; ++ow)  // ceil_mode's last windows may be clipped
      share[ow] =
          gp[oh * g.wo + ow] / T(oh < t.fh && ow < t.fw
                                     ? t.divisor
                                     : avg_window(g, oh, ow, count_include_pad, divisor).divisor);
    const int64_t covered = std::min(g.wo * g.kw, g.w);
    for (int64_t r = oh * g.kh; r < std::min((oh + 1) * g.kh, g.h); ++r) {
      T* row = dp + r * g.w;
      if (g.kw == 2)
        for (int64_t ow = 0; ow < t.fw; ++ow) row[2 * ow] = row[2 * ow + 1] = share[ow];
      else
        for (int64_t ow = 0; ow < t.fw; ++ow)
          for (int64_t j = 0; j < g.kw; ++j) row[ow * g.kw + j] = share[ow];
      for (int64_t ow = t.fw; ow < g.wo; ++ow)
        for (int64_t c = ow * g.kw; c < std::min((ow + 1) * g.kw, g.w); ++c) row[c] = share[ow];
      std::fill(row + covered, row + g.w, T(0));
    }
  }
  const int64_t rows = std::min(g.ho * g.kh, g.h);  // rows below the last window
  std::fill(dp + rows * g.w, dp + g.h * g.w, T(0));
}

}  // namespace

template <typename T>
void avg_pool2d_forward(T* y, const T* x, const Pool2dGeom& g, bool count_include_pad,
                        int64_t divisor) {
  const int64_t in = g.h * g.w, out = g.ho * g.wo;
#pragma omp parallel for schedule(static) if (g.planes * out > kParallelWork) \
    num_threads(max_threads())
  for (int64_t p = 0; p < g.planes; ++p) {
    const T* xp = x + p * in;
    T* yp = y + p * out;
    if (tiles(g)) {
      tiled_forward(yp, xp, g, count_include_pad, divisor);
      continue;
    }
    for (int64_t oh = 0; oh < g.ho; ++oh)
      for (int64_t ow = 0; ow < g.wo; ++ow) {
        const AvgWindow a = avg_window(g, oh, ow, count_include_pad, divisor);
        T s = 0;
        for (int64_t r = a.r0; r < a.r1; ++r)
          for (int64_t c = a.c0; c < a.c1; ++c) s += xp[r * g.w + c];
        yp[oh * g.wo + ow] = (a.r0 < a.r1 && a.c0 < a.c1) ? s / T(a.divisor) : T(0);
      }
  }
}

template <typename T>
void avg_pool2d_backward(T* dx, const T* dy, const Pool2dGeom& g, bool count_include_pad,
                         int64_t divisor) {
  const int64_t in = g.h * g.w, out = g.ho * g.wo;
#pragma omp parallel for schedule(static) if (g.planes * (in + out) > kParallelWork) \
    num_threads(max_threads())
  for (int64_t p = 0; p < g.planes; ++p) {
    T* dp = dx + p * in;
    const T* gp = dy + p * out;
    if (tiles(g)) {
      tiled_backward(dp, gp, g, count_include_pad, divisor);
      continue;
    }
    std::memset(dp, 0, sizeof(T) * in);
    for (int64_t oh = 0; oh < g.ho; ++oh)
      for (int64_t ow = 0; ow < g.wo; ++ow) {
        const AvgWindow a = avg_window(g, oh, ow, count_include_pad, divisor);
        if (a.r0 >= a.r1 || a.c0 >= a.c1) continue;
        const T share = gp[oh * g.wo + ow] / T(a.divisor);
        for (int64_t r = a.r0; r < a.r1; ++r)
          for (int64_t c = a.c0; c < a.c1; ++c) dp[r * g.w + c] += share;
      }
  }
}

template <typename T>
void adaptive_avg_pool2d_forward(T* y, const T* x, int64_t planes, int64_t h, int64_t w, int64_t ho,
                                 int64_t wo) {
#pragma omp parallel for schedule(static) if (planes * h * w > kParallelWork) \
    num_threads(max_threads())
  for (int64_t p = 0; p < planes; ++p) {
    const T* xp = x + p * h * w;
    T* yp = y + p * ho * wo;
    for (int64_t i = 0; i < ho; ++i) {
      const int64_t r0 = adaptive_start(i, h, ho), r1 = adaptive_end(i, h, ho);
      for (int64_t j = 0; j < wo; ++j) {
        const int64_t c0 = adaptive_start(j, w, wo), c1 = adaptive_end(j, w, wo);
        T s = 0;
        for (int64_t r = r0; r < r1; ++r)
          for (int64_t c = c0; c < c1; ++c) s += xp[r * w + c];
        yp[i * wo + j] = s / T((r1 - r0) * (c1 - c0));
      }
    }
  }
}

template <typename T>
void adaptive_avg_pool2d_backward(T* dx, const T* dy, int64_t planes, int64_t h, int64_t w,
                                  int64_t ho, int64_t wo) {
#pragma omp parallel for schedule(static) if (planes * h * w > kParallelWork) \
    num_threads(max_threads())
  for (int64_t p = 0; p < planes; ++p) {
    T* dp = dx + p * h * w;
    const T* gp = dy + p * ho * wo;
    std::memset(dp, 0, sizeof(T) * h * w);
    for (int64_t i = 0; i < ho; ++i) {
      const int64_t r0 = adaptive_start(i, h, ho), r1 = adaptive_end(i, h, ho);
      for (int64_t j = 0; j < wo; ++j) {
        const int64_t c0 = adaptive_start(j, w, wo), c1 = adaptive_end(j, w, wo);
        const T share = gp[i * wo + j] / T((r1 - r0) * (c1 - c0));
        for (int64_t r = r0; r < r1; ++r)
          for (int64_t c = c0; c < c1; ++c) dp[r * w + c] += share;
      }
    }
  }
}

#define DLCORE_INSTANTIATE(T)                                                                     \
  template void avg_pool2d_forward<T>(T*, const T*, const Pool2dGeom&, bool, int64_t);            \
  template void avg_pool2d_backward<T>(T*, const T*, const Pool2dGeom&, bool, int64_t);           \
  template void adaptive_avg_pool2d_forward<T>(T*, const T*, int64_t, int64_t, int64_t, int64_t,  \
                                               int64_t);                                          \
  template void adaptive_avg_pool2d_backward<T>(T*, const T*, int64_t, int64_t, int64_t, int64_t, \
                                                int64_t);
DLCORE_INSTANTIATE(float)
DLCORE_INSTANTIATE(double)
#undef DLCORE_INSTANTIATE

}  // namespace dlcore::cpu
