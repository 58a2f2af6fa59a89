// Winograd F(2x2, 3x3) (conv_winograd.h). Transforms, with the 4x4 patch d and 3x3 kernel g:
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]
//   A^T = [1 1 1 0; 0 1 -1 -1]
// Layouts: U[xi][k][c], V[xi][c][t], M[xi][k][t] for xi = 4*a + b of the 4x4 transform domain
// and t a tile of the chunk.
#include "cpu/conv_winograd.h"

#include <algorithm>
#include <atomic>
#include <vector>

#include "common.h"
#include "cpu/gemm.h"
#include "cpu/threads.h"

namespace dlcore::cpu {
namespace {

constexpr int64_t kChunk = 512;  // tiles per chunk: V and M of a chunk stay in L3

// u (4x4, row stride `ld` between the 16 entries' planes) = G g G^T for one 3x3 kernel g.
template <typename T>
void weight_transform(T* u, int64_t ld, const T* g) {
  T t[4][3];  // G g
  for (int j = 0; j < 3; ++j) {
    const T g0 = g[j], g1 = g[3 + j], g2 = g[6 + j];
    t[0][j] = g0;
    t[1][j] = T(0.5) * (g0 + g1 + g2);
    t[2][j] = T(0.5) * (g0 - g1 + g2);
    t[3][j] = g2;
  }
  for (int i = 0; i < 4; ++i) {
    const T a = t[i][0], b = t[i][1], c = t[i][2];
    u[(4 * i + 0) * ld] = a;
    u[(4 * i + 1) * ld] = T(0.5) * (a + b + c);
    u[(4 * i + 2) * ld] = T(0.5) * (a - b + c);
    u[(4 * i + 3) * ld] = c;
  }
}

// v (16 entries `ld` apart) = B^T d B for the 4x4 patch d.
template <typename T>
inline void input_transform(T* v, int64_t ld, const T (&d)[4][4]) {
  T t[4][4];  // B^T d
  for (int j = 0; j < 4; ++j) {
    t[0][j] = d[0][j] - d[2][j];
    t[1][j] = d[1][j] + d[2][j];
    t[2][j] = d[2][j] - d[1][j];
    t[3][j] = d[1][j] - d[3][j];
  }
  for (int i = 0; i < 4; ++i) {
    v[(4 * i + 0) * ld] = t[i][0] - t[i][2];
    v[(4 * i + 1) * ld] = t[i][1] + t[i][2];
    v[(4 * i + 2) * ld] = t[i][2] - t[i][1];
    v[(4 * i + 3) * ld] = t[i][1] - t[i][3];
  }
}

// Forward over the geometry p (r = s = 3, stride 1, no dilation, groups 1) with weights w
// (k, c, 3, 3) already in place: U, then chunks of tiles.
template <typename T>
void winograd(T* y, const T* x, const T* w, const T* bias, const ConvShape& p, bool relu) {
  const int64_t tw = ceil_div(p.wo, 2), per_image = ceil_div(p.ho, 2) * tw;
  const int64_t total = p.n * per_image;
  const int64_t kc = p.k * p.c;
  std::vector<T> u(size_t(16 * kc));
  for (int64_t i = 0; i < kc; ++i) weight_transform(u.data() + i, kc, w + 9 * i);
  const int64_t chunk = std::min(kChunk, total);
  std::vector<T> v(size_t(16 * p.c * chunk)), m(size_t(16 * p.k * chunk));
  std::vector<int64_t> img(static_cast<size_t>(chunk)), row(img), col(img);
  const int nt = max_threads();
  for (int64_t t0 = 0; t0 < total; t0 += chunk) {
    const int64_t count = std::min(chunk, total - t0);
    for (int64_t tc = 0; tc < count; ++tc) {  // tile -> image, first output row and column
      const int64_t t = t0 + tc;
      img[tc] = t / per_image, row[tc] = 2 * ((t % per_image) / tw), col[tc] = 2 * (t % tw);
    }
#pragma omp parallel for schedule(static) num_threads(nt) if (count * p.c > 4096)
    for (int64_t c = 0; c < p.c; ++c)  // tiles innermost: each of V's 16 planes fills in order
      for (int64_t tc = 0; tc < count; ++tc) {
        const int64_t ih0 = row[tc] - p.pad_top, iw0 = col[tc] - p.pad_left;
        const T* xc = x + (img[tc] * p.c + c) * p.h * p.w;
        T d[4][4];
        if (ih0 >= 0 && iw0 >= 0 && ih0 + 4 <= p.h && iw0 + 4 <= p.w) {
          for (int a = 0; a < 4; ++a)
            for (int b = 0; b < 4; ++b) d[a][b] = xc[(ih0 + a) * p.w + iw0 + b];
        } else {
          for (int a = 0; a < 4; ++a)
            for (int b = 0; b < 4; ++b) {
              const int64_t ih = ih0 + a, iw = iw0 + b;
              d[a][b] = ih >= 0 && ih < p.h && iw >= 0 && iw < p.w ? xc[ih * p.w + iw] : T(0);
            }
        }
        input_transform(v.data() + c * chunk + tc, p.c * chunk, d);
      }
    gemm_batched<T>(16, false, false, p.k, count, p.c, T(1), u.data(), p.c, kc, v.data(), chunk,
                    p.c * chunk, T(0), m.data(), chunk, p.k * chunk);
#pragma omp parallel for schedule(static) num_threads(nt) if (count * p.k > 4096)
    for (int64_t k = 0; k < p.k; ++k) {  // tiles innermost: M's 16 planes are read in order
      const T b = bias ? bias[k] : T(0);
      const int64_t s = p.k * chunk;
      for (int64_t tc = 0; tc < count; ++tc) {
        const int64_t n = img[tc], oh = row[tc], ow = col[tc];
        const T* mk = m.data() + k * chunk + tc;
        T q[4][2];  // (m A) per row of the transform domain
        for (int a = 0; a < 4; ++a) {
          const T m0 = mk[(4 * a) * s], m1 = mk[(4 * a + 1) * s], m2 = mk[(4 * a + 2) * s],
                  m3 = mk[(4 * a + 3) * s];
          q[a][0] = m0 + m1 + m2;
          q[a][1] = m1 - m2 - m3;
        }
        T o[2][2];
        for (int c = 0; c < 2; ++c) {
          o[0][c] = q[0][c] + q[1][c] + q[2][c] + b;
          o[1][c] = q[1][c] - q[2][c] - q[3][c] + b;
        }
        if (relu)
          for (auto& row : o)
            for (T& e : row) e = std::max(e, T(0));
        T* yk = y + ((n * p.k + k) * p.ho + oh) * p.wo + ow;
        yk[0] = o[0][0];
        if (ow + 1 < p.wo) yk[1] = o[0][1];
        if (oh + 1 < p.ho) {
          yk[p.wo] = o[1][0];
          if (ow + 1 < p.wo) yk[p.wo + 1] = o[1][1];
        }
      }
    }
  }
}

std::atomic<int>& mode_flag() {
  static std::atomic<int> mode{-1};
  return mode;
}

}  // namespace

void set_conv_winograd_mode(int mode) { mode_flag().store(mode < -1 || mode > 1 ? -1 : mode); }
int conv_winograd_mode() { return mode_flag().load(); }

bool winograd_applies(const ConvShape& p, bool backward_input) {
  const int mode = mode_flag().load(std::memory_order_relaxed);
  if (mode == 0 || !winograd_fits(p, backward_input)) return false;
  return mode == 1 || (p.c >= 128 && p.k >= 128);
}

bool winograd_fits(const ConvShape& p, bool backward_input) {
  const bool fits = p.r == 3 && p.s == 3 && p.stride_h == 1 && p.stride_w == 1 && p.dil_h == 1 &&
                    p.dil_w == 1 && p.groups == 1 && p.n > 0 && p.c > 0 && p.k > 0;
  if (!fits || !backward_input) return fits;
  return p.pad_top <= 2 && p.pad_bottom <= 2 && p.pad_left <= 2 && p.pad_right <= 2;
}

template <typename T>
void conv2d_forward_winograd(T* y, const T* x, const T* w, const T* bias, const ConvShape& p,
                             bool relu) {
  winograd(y, x, w, bias, p, relu);
}

template <typename T>
void conv2d_backward_input_winograd(T* dx, const T* dy, const T* w, const ConvShape& p) {
  // dx = the forward of dy (k channels) with w' (c, k, 3, 3) = w (k, c, 2-i, 2-j), padding 2 - p
  std::vector<T> wf(size_t(p.c * p.k * 9));
  for (int64_t k = 0; k < p.k; ++k)
    for (int64_t c = 0; c < p.c; ++c)
      for (int t = 0; t < 9; ++t) wf[(c * p.k + k) * 9 + t] = w[(k * p.c + c) * 9 + 8 - t];
  ConvShape q = p;
  q.c = p.k, q.h = p.ho, q.w = p.wo, q.k = p.c, q.ho = p.h, q.wo = p.w;
  q.pad_top = 2 - p.pad_top, q.pad_bottom = 2 - p.pad_bottom;
  q.pad_left = 2 - p.pad_left, q.pad_right = 2 - p.pad_right;
  winograd(dx, dy, wf.data(), static_cast<const T*>(nullptr), q, false);
}

template void conv2d_forward_winograd<float>(float*, const float*, const float*, const float*,
                                             const ConvShape&, bool);
template void conv2d_forward_winograd<double>(double*, const double*, const double*, const double*,
                                              const ConvShape&, bool);
template void conv2d_backward_input_winograd<float>(float*, const float*, const float*,
                                                    const ConvShape&);
template void conv2d_backward_input_winograd<double>(double*, const double*, const double*,
                                                     const ConvShape&);

}  // namespace dlcore::cpu
