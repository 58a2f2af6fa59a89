// Convolution drivers (conv.h): per image and group, the product with the im2col lowering.
//   forward          y[n, g] (kg, ho*wo) = w[g] (kg, cg*r*s) @ col(x[n, g])
//   backward_input   dx[n, g] = col2im(w[g]^T @ dy[n, g])
//   backward_weight  dw[g] = sum_n dy[n, g] @ col(x[n, g])^T
// A 1x1 kernel with stride 1 and no padding reads x itself as the column matrix. Small planes
// (ho*wo <= kBatchPlane) are lowered several images at a time into one column matrix
// (crs, images*ho*wo), so each pass is one gemm over the images instead of many tiny ones.
#include "cpu/conv.h"

#include <algorithm>
#include <memory>
#include <type_traits>
#include <vector>

#include "cpu/conv_direct.h"
#include "cpu/conv_im2col.h"
#include "cpu/conv_winograd.h"
#include "cpu/gemm.h"
#include "cpu/threads.h"

namespace dlcore::cpu {
namespace {

bool is_pointwise(const ConvShape& p) {
  return p.r == 1 && p.s == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_top == 0 &&
         p.pad_bottom == 0 && p.pad_left == 0 && p.pad_right == 0;
}

// y (k, hw) of one image: + bias[k], then max(0, .) when relu.
template <typename T>
void bias_relu(T* y, const T* bias, int64_t k, int64_t hw, bool relu) {
  for (int64_t i = 0; i < k; ++i) {
    T* row = y + i * hw;
    const T b = bias ? bias[i] : T(0);
    if (relu)
      for (int64_t j = 0; j < hw; ++j) row[j] = std::max(row[j] + b, T(0));
    else if (bias)
      for (int64_t j = 0; j < hw; ++j) row[j] += b;
  }
}

// db (k) = sum of dy over n, ho, wo, accumulated in double in 8 interleaved partial sums (one
// chain of dependent adds would take 4 cycles per element).
template <typename T>
void bias_grad(T* db, const T* dy, const ConvShape& p) {
  const int64_t hw = p.ho * p.wo;
#pragma omp parallel for schedule(static) if (p.n * p.k * hw > (1 << 16)) num_threads(max_threads())
  for (int64_t i = 0; i < p.k; ++i) {
    double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int64_t n = 0; n < p.n; ++n) {
      const T* row = dy + (n * p.k + i) * hw;
      int64_t j = 0;
      for (; j + 8 <= hw; j += 8)
        for (int u = 0; u < 8; ++u) part[u] += row[j + u];
      for (; j < hw; ++j) part[j % 8] += row[j];
    }
    db[i] = T(((part[0] + part[1]) + (part[2] + part[3])) +
              ((part[4] + part[5]) + (part[6] + part[7])));
  }
}

// The im2col lowering of one image and group, a band of output rows at a time: the band's
// column matrix (crs, rows*wo) stays within kColBytes, where the whole image's would pass
// through memory (7 MiB for 3x3, 64 channels, 56x56). 2 MiB measured 0-14% faster than whole
// images on the 3x3 shapes (bench/NOTES.md); it also bounds the scratch memory.
constexpr int64_t kColBytes = int64_t(1) << 21;

// Planes of at most this many outputs are lowered several images at a time.
constexpr int64_t kBatchPlane = 256;

struct Lowering {
  int64_t cg, kg, crs, hw, in_hw, rows, images;  // images > 1: the batched lowering
  bool pointwise;
  size_t col_size;
  Lowering(const ConvShape& p, size_t elem) {
    cg = p.c / p.groups, kg = p.k / p.groups, crs = cg * p.r * p.s;
    hw = p.ho * p.wo, in_hw = p.h * p.w;
    pointwise = is_pointwise(p);
    const int64_t row_bytes = std::max<int64_t>(crs * p.wo * int64_t(elem), 1);
    rows = pointwise ? p.ho : std::clamp<int64_t>(kColBytes / row_bytes, 1, p.ho);
    col_size = pointwise ? 0 : size_t(crs * rows * p.wo);
    images = 1;
    if (!pointwise && rows == p.ho && hw <= kBatchPlane)
      images = std::clamp<int64_t>(kColBytes / (row_bytes * std::max<int64_t>(p.ho, 1)), 1, p.n);
  }
};

// The batched lowering (Lowering::images > 1): images n0 .. n0+b-1 of group g side by side.
// col (crs, b*hw); buf (kg, b*hw) holds y or dy of those images in the same column order.
template <typename T>
struct Batch {
  const ConvShape& p;
  const Lowering& L;
  std::unique_ptr<T[]> col_, buf_;  // uninitialised: every pass writes them before reading
  T* col;
  T* buf;
  Batch(const ConvShape& p_, const Lowering& L_)
      : p(p_),
        L(L_),
        col_(new T[size_t(L_.crs * L_.images * L_.hw)]),
        buf_(new T[size_t(L_.kg * L_.images * L_.hw)]),
        col(col_.get()),
        buf(buf_.get()) {}
  // Whether to go through a zero-padded copy of each image (the padded image is at most 4x the
  // image: the copy costs less than a bounds test per element).
  int64_t padded() const {
    return L.cg * (p.h + p.pad_top + p.pad_bottom) * (p.w + p.pad_left + p.pad_right);
  }
  bool via_padded() const { return padded() <= 4 * L.cg * L.in_hw + 64; }
  void lower(const T* x, int64_t n0, int64_t b, int64_t g) {
    if (via_padded()) {
      std::vector<T> xp(static_cast<size_t>(padded()));
      for (int64_t i = 0; i < b; ++i) {
        pad_planes(xp.data(), x + ((n0 + i) * p.c + g * L.cg) * L.in_hw, L.cg, p);
        im2col_padded(col + i * L.hw, b * L.hw, xp.data(), L.cg, p);
      }
      return;
    }
    for (int64_t i = 0; i < b; ++i)
      im2col(col + i * L.hw, b * L.hw, x + ((n0 + i) * p.c + g * L.cg) * L.in_hw, L.cg, p, 0, p.ho);
  }
  // dx of images n0.. (channels of group g) <- the adjoint of lower on col.
  void lift(T* dx, int64_t n0, int64_t b, int64_t g) const {
    const bool padded_path = via_padded();
    std::vector<T> xp(static_cast<size_t>(padded_path ? padded() : 0));
    for (int64_t i = 0; i < b; ++i) {
      T* dxi = dx + ((n0 + i) * p.c + g * L.cg) * L.in_hw;
      if (padded_path) {
        col2im_padded(xp.data(), col + i * L.hw, b * L.hw, L.cg, p);
        unpad_planes(dxi, xp.data(), L.cg, p);
      } else {
        std::fill(dxi, dxi + L.cg * L.in_hw, T(0));
        col2im_add(dxi, col + i * L.hw, b * L.hw, L.cg, p, 0, p.ho);
      }
    }
  }
  // buf <- dy of images n0.. (channels of group g).
  void gather(const T* dy, int64_t n0, int64_t b, int64_t g) {
    for (int64_t i = 0; i < b; ++i)
      for (int64_t kk = 0; kk < L.kg; ++kk) {
        const T* src = dy + ((n0 + i) * p.k + g * L.kg + kk) * L.hw;
        std::copy(src, src + L.hw, buf + kk * b * L.hw + i * L.hw);
      }
  }
  // y of images n0.. (channels of group g) <- buf + bias, max(0, .) when relu.
  void scatter(T* y, const T* bias, bool relu, int64_t n0, int64_t b, int64_t g) const {
    for (int64_t i = 0; i < b; ++i)
      for (int64_t kk = 0; kk < L.kg; ++kk) {
        const T* src = buf + kk * b * L.hw + i * L.hw;
        T* dst = y + ((n0 + i) * p.k + g * L.kg + kk) * L.hw;
        const T bk = bias ? bias[g * L.kg + kk] : T(0);
        if (relu)
          for (int64_t j = 0; j < L.hw; ++j) dst[j] = std::max(src[j] + bk, T(0));
        else
          for (int64_t j = 0; j < L.hw; ++j) dst[j] = src[j] + bk;
      }
  }
};

template <typename T>
void forward_batched(T* y, const T* x, const T* w, const T* bias, const ConvShape& p,
                     const Lowering& L, bool relu) {
  Batch<T> B(p, L);
  for (int64_t n0 = 0; n0 < p.n; n0 += L.images) {
    const int64_t b = std::min(L.images, p.n - n0), cols = b * L.hw;
    for (int64_t g = 0; g < p.groups; ++g) {
      B.lower(x, n0, b, g);
      gemm<T>(false, false, L.kg, cols, L.crs, T(1), w + g * L.kg * L.crs,
              std::max<int64_t>(L.crs, 1), B.col, cols, T(0), B.buf, cols);
      B.scatter(y, bias, relu, n0, b, g);
    }
  }
}

template <typename T>
void backward_input_batched(T* dx, const T* dy, const T* w, const ConvShape& p, const Lowering& L) {
  Batch<T> B(p, L);
  for (int64_t n0 = 0; n0 < p.n; n0 += L.images) {
    const int64_t b = std::min(L.images, p.n - n0), cols = b * L.hw;
    for (int64_t g = 0; g < p.groups; ++g) {
      B.gather(dy, n0, b, g);
      gemm<T>(true, false, L.crs, cols, L.kg, T(1), w + g * L.kg * L.crs, L.crs, B.buf, cols, T(0),
              B.col, cols);
      B.lift(dx, n0, b, g);
    }
  }
}

template <typename T>
void backward_weight_batched(T* dw, const T* dy, const T* x, const ConvShape& p,
                             const Lowering& L) {
  Batch<T> B(p, L);
  std::fill(dw, dw + p.k * L.crs, T(0));
  for (int64_t n0 = 0; n0 < p.n; n0 += L.images) {
    const int64_t b = std::min(L.images, p.n - n0), cols = b * L.hw;
    for (int64_t g = 0; g < p.groups; ++g) {
      B.lower(x, n0, b, g);
      B.gather(dy, n0, b, g);
      gemm<T>(false, true, L.kg, L.crs, cols, T(1), B.buf, cols, B.col, cols, T(1),
              dw + g * L.kg * L.crs, L.crs);
    }
  }
}

template <typename T>
bool use_direct(const ConvShape& p, ConvPass pass) {
  return std::is_same_v<T, float> && direct_applies(p, pass);
}

}  // namespace

template <typename T>
void conv2d_forward(T* y, const T* x, const T* w, const T* bias, const ConvShape& p, bool relu) {
  if constexpr (std::is_same_v<T, float>) {
    if (winograd_applies(p, false)) return conv2d_forward_winograd(y, x, w, bias, p, relu);
    if (use_direct<T>(p, ConvPass::forward)) return conv2d_forward_direct(y, x, w, bias, p, relu);
  }
  const Lowering L(p, sizeof(T));
  if (L.images > 1) return forward_batched(y, x, w, bias, p, L, relu);
  std::vector<T> col(L.col_size);
  for (int64_t n = 0; n < p.n; ++n) {
    for (int64_t g = 0; g < p.groups; ++g) {
      const T* xg = x + (n * p.c + g * L.cg) * L.in_hw;
      T* yg = y + (n * p.k + g * L.kg) * L.hw;
      for (int64_t r0 = 0; r0 < p.ho; r0 += L.rows) {
        const int64_t rows = std::min(L.rows, p.ho - r0), cols = rows * p.wo;
        const T* b = L.pointwise ? xg : col.data();
        if (!L.pointwise) im2col(col.data(), cols, xg, L.cg, p, r0, rows);
        gemm<T>(false, false, L.kg, cols, L.crs, T(1), w + g * L.kg * L.crs,
                std::max<int64_t>(L.crs, 1), b, cols, T(0), yg + r0 * p.wo, L.hw);
      }
    }
    bias_relu(y + n * p.k * L.hw, bias, p.k, L.hw, relu);
  }
}

template <typename T>
void conv2d_backward_input(T* dx, const T* dy, const T* w, const ConvShape& p) {
  if constexpr (std::is_same_v<T, float>) {
    if (winograd_applies(p, true)) return conv2d_backward_input_winograd(dx, dy, w, p);
    if (use_direct<T>(p, ConvPass::backward_input))
      return conv2d_backward_input_direct(dx, dy, w, p);
  }
  const Lowering L(p, sizeof(T));
  if (L.images > 1) return backward_input_batched(dx, dy, w, p, L);
  std::vector<T> col(L.col_size);
  if (!L.pointwise) std::fill(dx, dx + p.n * p.c * L.in_hw, T(0));
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t g = 0; g < p.groups; ++g) {
      T* dxg = dx + (n * p.c + g * L.cg) * L.in_hw;
      const T* dyg = dy + (n * p.k + g * L.kg) * L.hw;
      for (int64_t r0 = 0; r0 < p.ho; r0 += L.rows) {
        const int64_t rows = std::min(L.rows, p.ho - r0), cols = rows * p.wo;
        T* out = L.pointwise ? dxg : col.data();
        gemm<T>(true, false, L.crs, cols, L.kg, T(1), w + g * L.kg * L.crs, L.crs, dyg + r0 * p.wo,
                L.hw, T(0), out, cols);
        if (!L.pointwise) col2im_add(dxg, col.data(), cols, L.cg, p, r0, rows);
      }
    }
}

template <typename T>
void conv2d_backward_weight(T* dw, T* db, const T* dy, const T* x, const ConvShape& p) {
  if (db) bias_grad(db, dy, p);
  if constexpr (std::is_same_v<T, float>)
    if (use_direct<T>(p, ConvPass::backward_weight))
      return conv2d_backward_weight_direct(dw, dy, x, p);
  const Lowering L(p, sizeof(T));
  if (L.images > 1) return backward_weight_batched(dw, dy, x, p, L);
  std::vector<T> col(L.col_size);
  std::fill(dw, dw + p.k * L.crs, T(0));
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t g = 0; g < p.groups; ++g) {
      const T* xg = x + (n * p.c + g * L.cg) * L.in_hw;
      const T* dyg = dy + (n * p.k + g * L.kg) * L.hw;
      for (int64_t r0 = 0; r0 < p.ho; r0 += L.rows) {
        const int64_t rows = std::min(L.rows, p.ho - r0), cols = rows * p.wo;
        const T* b = L.pointwise ? xg : col.data();
        if (!L.pointwise) im2col(col.data(), cols, xg, L.cg, p, r0, rows);
        gemm<T>(false, true, L.kg, L.crs, cols, T(1), dyg + r0 * p.wo, L.hw, b, cols, T(1),
                dw + g * L.kg * L.crs, L.crs);
      }
    }
}

#define DLCORE_INSTANTIATE(T)                                                                \
  template void conv2d_forward<T>(T*, const T*, const T*, const T*, const ConvShape&, bool); \
  template void conv2d_backward_input<T>(T*, const T*, const T*, const ConvShape&);          \
  template void conv2d_backward_weight<T>(T*, T*, const T*, const T*, const ConvShape&);
DLCORE_INSTANTIATE(float)
DLCORE_INSTANTIATE(double)
#undef DLCORE_INSTANTIATE

}  // namespace dlcore::cpu
