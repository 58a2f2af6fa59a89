// Convolution drivers (conv.h): per image and group, the product with the im2col lowering.
//   forward          y[n, g] (kg, ho*wo) = w[g] (kg, cg*r*s) @ col(x[n, g])
//   backward_input   dx[n, g] = col2im(w[g]^T @ dy[n, g])
//   backward_weight  dw[g] = sum_n dy[n, g] @ col(x[n, g])^T
// A 1x1 kernel with stride 1 and no padding reads x itself as the column matrix.
#include "cpu/conv.h"

#include <algorithm>
#include <vector>

#include "cpu/conv_im2col.h"
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

}  // namespace

template <typename T>
void conv2d_forward(T* y, const T* x, const T* w, const T* bias, const ConvShape& p, bool relu) {
  const int64_t cg = p.c / p.groups, kg = p.k / p.groups, crs = cg * p.r * p.s;
  const int64_t hw = p.ho * p.wo, in_hw = p.h * p.w;
  const bool direct = is_pointwise(p);
  std::vector<T> col(direct ? 0 : size_t(crs * hw));
  for (int64_t n = 0; n < p.n; ++n) {
    for (int64_t g = 0; g < p.groups; ++g) {
      const T* xg = x + (n * p.c + g * cg) * in_hw;
      T* yg = y + (n * p.k + g * kg) * hw;
      const T* b = direct ? xg : col.data();
      if (!direct) im2col(col.data(), xg, cg, p);
      gemm<T>(false, false, kg, hw, crs, T(1), w + g * kg * crs, std::max<int64_t>(crs, 1), b, hw,
              T(0), yg, hw);
    }
    bias_relu(y + n * p.k * hw, bias, p.k, hw, relu);
  }
}

template <typename T>
void conv2d_backward_input(T* dx, const T* dy, const T* w, const ConvShape& p) {
  const int64_t cg = p.c / p.groups, kg = p.k / p.groups, crs = cg * p.r * p.s;
  const int64_t hw = p.ho * p.wo, in_hw = p.h * p.w;
  const bool direct = is_pointwise(p);
  std::vector<T> col(direct ? 0 : size_t(crs * hw));
  if (!direct) std::fill(dx, dx + p.n * p.c * in_hw, T(0));
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t g = 0; g < p.groups; ++g) {
      T* dxg = dx + (n * p.c + g * cg) * in_hw;
      const T* dyg = dy + (n * p.k + g * kg) * hw;
      T* out = direct ? dxg : col.data();
      gemm<T>(true, false, crs, hw, kg, T(1), w + g * kg * crs, crs, dyg, hw, T(0), out, hw);
      if (!direct) col2im_add(dxg, col.data(), cg, p);
    }
}

template <typename T>
void conv2d_backward_weight(T* dw, T* db, const T* dy, const T* x, const ConvShape& p) {
  const int64_t cg = p.c / p.groups, kg = p.k / p.groups, crs = cg * p.r * p.s;
  const int64_t hw = p.ho * p.wo, in_hw = p.h * p.w;
  const bool direct = is_pointwise(p);
  std::vector<T> col(direct ? 0 : size_t(crs * hw));
  std::fill(dw, dw + p.k * crs, T(0));
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t g = 0; g < p.groups; ++g) {
      const T* xg = x + (n * p.c + g * cg) * in_hw;
      const T* dyg = dy + (n * p.k + g * kg) * hw;
      const T* b = direct ? xg : col.data();
      if (!direct) im2col(col.data(), xg, cg, p);
      gemm<T>(false, true, kg, crs, hw, T(1), dyg, hw, b, hw, T(1), dw + g * kg * crs, crs);
    }
  if (!db) return;
#pragma omp parallel for schedule(static) if (p.n * p.k * hw > (1 << 16)) num_threads(max_threads())
  for (int64_t i = 0; i < p.k; ++i) {
    double acc = 0;
    for (int64_t n = 0; n < p.n; ++n) {
      const T* row = dy + (n * p.k + i) * hw;
      for (int64_t j = 0; j < hw; ++j) acc += row[j];
    }
    db[i] = T(acc);
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
