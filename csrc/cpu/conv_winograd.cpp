// Winograd F(2x2, 3x3) (conv_winograd.h). Transforms, with the 4x4 patch d and 3x3 kernel g:
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]
//   A^T = [1 1 1 0; 0 1 -1 -1]
// Layouts: U[xi][k][c], V[xi][c][t], M[xi][k][t] for xi = 4*a + b of the 4x4 transform domain
// and t a tile of the chunk.
#include "cpu/conv_winograd.h"

#include <algorithm>
#include <atomic>
#include <type_traits>
#include <vector>

#include "common.h"
#include "cpu/conv_threads.h"
#include "cpu/gemm.h"
#include "cpu/isa.h"
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

// One tile row of a chunk: image n, first output row oh, its tiles at v/m offset base.
struct TileRow {
  int64_t n, oh, base;
};

// The scalar input transform of tiles [j0, j1) of row r for channel plane xc.
template <typename T>
void input_tiles(T* v, int64_t ld, const T* xc, const ConvShape& p, int64_t ih0, int64_t j0,
                 int64_t j1) {
  for (int64_t j = j0; j < j1; ++j) {
    const int64_t iw0 = 2 * j - p.pad_left;
    T d[4][4];
    for (int a = 0; a < 4; ++a)
      for (int b = 0; b < 4; ++b) {
        const int64_t ih = ih0 + a, iw = iw0 + b;
        d[a][b] = ih >= 0 && ih < p.h && iw >= 0 && iw < p.w ? xc[ih * p.w + iw] : T(0);
      }
    input_transform(v + j, ld, d);
  }
}

// The scalar output transform of tiles [j0, j1) of one tile row into y rows yr (and yr + wo).
template <typename T>
void output_tiles(T* yr, const T* m, int64_t ld, const ConvShape& p, int64_t oh, int64_t j0,
                  int64_t j1, T b, bool relu) {
  for (int64_t j = j0; j < j1; ++j) {
    const T* mk = m + j;
    T q[4][2];  // (m A) per row of the transform domain
    for (int a = 0; a < 4; ++a) {
      const T m0 = mk[(4 * a) * ld], m1 = mk[(4 * a + 1) * ld], m2 = mk[(4 * a + 2) * ld],
              m3 = mk[(4 * a + 3) * ld];
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
    const int64_t ow = 2 * j;
    yr[ow] = o[0][0];
    if (ow + 1 < p.wo) yr[ow + 1] = o[0][1];
    if (oh + 1 < p.ho) {
      yr[p.wo + ow] = o[1][0];
      if (ow + 1 < p.wo) yr[p.wo + ow + 1] = o[1][1];
    }
  }
}

// Forward over the geometry p (r = s = 3, stride 1, no dilation, groups 1) with weights w
// (k, c, 3, 3): U once, then chunks of whole tile rows. Tiles whose patch lies inside x (and,
// for the output, whose 2x2 block lies inside y) go 8 at a time through the AVX2 transforms
// when T is float and AVX2 is active; they compute exactly what the scalar code does.
template <typename T>
void winograd(T* y, const T* x, const T* w, const T* bias, const ConvShape& p, bool relu) {
  const int64_t tw = ceil_div(p.wo, 2), th = ceil_div(p.ho, 2), kc = p.k * p.c;
  std::vector<T> u(size_t(16 * kc));
  for (int64_t i = 0; i < kc; ++i) weight_transform(u.data() + i, kc, w + 9 * i);
  const int64_t rows_per_chunk = std::max<int64_t>(1, kChunk / tw), chunk = rows_per_chunk * tw;
  const bool vec = std::is_same_v<T, float> && active_isa() >= Isa::avx2;
  // tiles j in [in_lo, in_hi) read only columns inside x: 2j - pad_left >= 0, 2j - pad_left + 4
  // <= w
  const int64_t in_lo = std::min(tw, ceil_div(p.pad_left, 2));
  const int64_t in_hi =
      std::max(in_lo, std::min(tw, p.w - 4 + p.pad_left >= 0 ? (p.w - 4 + p.pad_left) / 2 + 1 : 0));
  const int nt = conv_gate_closed() ? 1 : max_threads();
  // With several chunks, each thread takes whole chunks (one parallel region per call; the
  // regions inside then run on one thread, as nested regions do by default): a busy core then
  // stalls one chunk, not a barrier every chunk. With one chunk, its loops and gemm are threaded.
  const int64_t chunks = ceil_div(p.n * th, rows_per_chunk);
  const int outer = chunks > 1 ? conv_region_threads(chunks) : 1;
  RegionClock clock(outer);
#pragma omp parallel num_threads(outer) if (outer > 1)
  {
    std::vector<T> v(size_t(16 * p.c * chunk)), m(size_t(16 * p.k * chunk));
    std::vector<TileRow> rows(static_cast<size_t>(rows_per_chunk));
#pragma omp for schedule(static)
    for (int64_t ci = 0; ci < chunks; ++ci) {
      const int64_t g0 = ci * rows_per_chunk;
      const int64_t nrows = std::min(rows_per_chunk, p.n * th - g0), count = nrows * tw;
      for (int64_t r = 0; r < nrows; ++r) rows[r] = {(g0 + r) / th, 2 * ((g0 + r) % th), r * tw};
#pragma omp parallel for schedule(static) num_threads(nt) if (count * p.c > 4096)
      for (int64_t c = 0; c < p.c; ++c)
        for (int64_t r = 0; r < nrows; ++r) {
          const TileRow& tr = rows[r];
          const T* xc = x + (tr.n * p.c + c) * p.h * p.w;
          T* vr = v.data() + c * chunk + tr.base;
          const int64_t ih0 = tr.oh - p.pad_top, ld = p.c * chunk;
          int64_t j = 0;
          if constexpr (std::is_same_v<T, float>) {
            if (vec && ih0 >= 0 && ih0 + 4 <= p.h) {
              input_tiles(vr, ld, xc, p, ih0, 0, in_lo);
              for (j = in_lo; j < in_hi && in_hi - in_lo >= 8; j += 8) {
                j = std::min(j, in_hi - 8);  // the last block overlaps the one before it
                avx2::winograd_input8(vr + j, ld, xc + ih0 * p.w + 2 * j - p.pad_left, p.w);
              }
            }
          }
          input_tiles(vr, ld, xc, p, ih0, j, tw);
        }
      gemm_batched<T>(16, false, false, p.k, count, p.c, T(1), u.data(), p.c, kc, v.data(), chunk,
                      p.c * chunk, T(0), m.data(), chunk, p.k * chunk);
#pragma omp parallel for schedule(static) num_threads(nt) if (count * p.k > 4096)
      for (int64_t k = 0; k < p.k; ++k)
        for (int64_t r = 0; r < nrows; ++r) {
          const TileRow& tr = rows[r];
          const T b = bias ? bias[k] : T(0);
          const T* mr = m.data() + k * chunk + tr.base;
          T* yr = y + ((tr.n * p.k + k) * p.ho + tr.oh) * p.wo;
          const int64_t ld = p.k * chunk;
          int64_t j = 0;
          if constexpr (std::is_same_v<T, float>) {
            const int64_t full = p.wo / 2;  // tiles with both output columns inside y
            if (vec && tr.oh + 1 < p.ho)
              for (; j < full && full >= 8; j += 8) {
                j = std::min(j, full - 8);  // the last block overlaps the one before it
                avx2::winograd_output8(yr + 2 * j, yr + p.wo + 2 * j, mr + j, ld, b, relu);
              }
          }
          output_tiles(yr, mr, ld, p, tr.oh, j, tw, b, relu);
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
  return mode == 1 || (p.c >= 32 && p.k >= 32 && p.ho * p.wo > 64);
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
