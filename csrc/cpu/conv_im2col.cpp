// im2col and its adjoint col2im_add (see conv_im2col.h): each row of col is one (channel,
// kernel row, kernel column); its valid output columns are found once per row, so the inner
// loops are plain copies (stride 1) or strided gathers, with no bounds test per element.
#include "cpu/conv_im2col.h"

#include <algorithm>
#include <vector>

namespace dlcore::cpu {

// Rows of at most this many outputs are copied in plain loops.
constexpr int64_t kShortRow = 16;

namespace {
// The valid output columns of each kernel column j (the same for every channel and row).
std::vector<ValidRange> column_ranges(const ConvShape& p) {
  std::vector<ValidRange> out(size_t(p.s));
  for (int64_t j = 0; j < p.s; ++j)
    out[size_t(j)] = valid_range(j * p.dil_w - p.pad_left, p.stride_w, p.w, p.wo);
  return out;
}
}  // namespace

template <typename T>
void im2col(T* col, int64_t ld, const T* x, int64_t channels, const ConvShape& p, int64_t row0,
            int64_t rows) {
  const int64_t hw = ld;
  const std::vector<ValidRange> ranges = column_ranges(p);
  for (int64_t ch = 0; ch < channels; ++ch)
    for (int64_t i = 0; i < p.r; ++i)
      for (int64_t j = 0; j < p.s; ++j) {
        T* row = col + ((ch * p.r + i) * p.s + j) * hw;
        const T* xc = x + ch * p.h * p.w;
        const int64_t off_w = j * p.dil_w - p.pad_left;
        const ValidRange vw = ranges[size_t(j)];
        for (int64_t oh = row0; oh < row0 + rows; ++oh) {
          T* out = row + (oh - row0) * p.wo;
          const int64_t ih = oh * p.stride_h - p.pad_top + i * p.dil_h;
          if (ih < 0 || ih >= p.h) {
            std::fill(out, out + p.wo, T(0));
            continue;
          }
          const T* xr = xc + ih * p.w;
          if (p.wo <= kShortRow) {  // plain loops: a library call per few elements costs more
            for (int64_t ow = 0; ow < vw.lo; ++ow) out[ow] = T(0);
            for (int64_t ow = vw.lo; ow < vw.hi; ++ow) out[ow] = xr[ow * p.stride_w + off_w];
            for (int64_t ow = vw.hi; ow < p.wo; ++ow) out[ow] = T(0);
            continue;
          }
          std::fill(out, out + vw.lo, T(0));
          if (p.stride_w == 1 && vw.hi > vw.lo)
            std::copy(xr + (vw.lo + off_w), xr + (vw.hi + off_w), out + vw.lo);
          else
            for (int64_t ow = vw.lo; ow < vw.hi; ++ow) out[ow] = xr[ow * p.stride_w + off_w];
          std::fill(out + vw.hi, out + p.wo, T(0));
        }
      }
}

template <typename T>
void col2im_add(T* dx, const T* col, int64_t ld, int64_t channels, const ConvShape& p, int64_t row0,
                int64_t rows) {
  const int64_t hw = ld;
  const std::vector<ValidRange> ranges = column_ranges(p);
  for (int64_t ch = 0; ch < channels; ++ch)
    for (int64_t i = 0; i < p.r; ++i)
      for (int64_t j = 0; j < p.s; ++j) {
        const T* row = col + ((ch * p.r + i) * p.s + j) * hw;
        T* dc = dx + ch * p.h * p.w;
        const int64_t off_w = j * p.dil_w - p.pad_left;
        const ValidRange vw = ranges[size_t(j)];
        for (int64_t oh = row0; oh < row0 + rows; ++oh) {
          const int64_t ih = oh * p.stride_h - p.pad_top + i * p.dil_h;
          if (ih < 0 || ih >= p.h) continue;
          const T* in = row + (oh - row0) * p.wo;
          T* dr = dc + ih * p.w;
          for (int64_t ow = vw.lo; ow < vw.hi; ++ow) dr[ow * p.stride_w + off_w] += in[ow];
        }
      }
}

template <typename T>
void pad_planes(T* out, const T* x, int64_t channels, const ConvShape& p) {
  const int64_t hp = p.h + p.pad_top + p.pad_bottom, wp = p.w + p.pad_left + p.pad_right;
  std::fill(out, out + channels * hp * wp, T(0));
  for (int64_t ch = 0; ch < channels; ++ch)
    for (int64_t ih = 0; ih < p.h; ++ih) {
      const T* src = x + (ch * p.h + ih) * p.w;
      T* dst = out + (ch * hp + ih + p.pad_top) * wp + p.pad_left;
      for (int64_t iw = 0; iw < p.w; ++iw) dst[iw] = src[iw];
    }
}

template <typename T>
void im2col_padded(T* col, int64_t ld, const T* xp, int64_t channels, const ConvShape& p) {
  const int64_t hp = p.h + p.pad_top + p.pad_bottom, wp = p.w + p.pad_left + p.pad_right;
  for (int64_t ch = 0; ch < channels; ++ch)
    for (int64_t i = 0; i < p.r; ++i)
      for (int64_t j = 0; j < p.s; ++j) {
        T* row = col + ((ch * p.r + i) * p.s + j) * ld;
        const T* base = xp + (ch * hp + i * p.dil_h) * wp + j * p.dil_w;
        for (int64_t oh = 0; oh < p.ho; ++oh) {
          const T* src = base + oh * p.stride_h * wp;
          T* out = row + oh * p.wo;
          if (p.stride_w == 1)
            for (int64_t ow = 0; ow < p.wo; ++ow) out[ow] = src[ow];
          else
            for (int64_t ow = 0; ow < p.wo; ++ow) out[ow] = src[ow * p.stride_w];
        }
      }
}

template <typename T>
void col2im_padded(T* xp, const T* col, int64_t ld, int64_t channels, const ConvShape& p) {
  const int64_t hp = p.h + p.pad_top + p.pad_bottom, wp = p.w + p.pad_left + p.pad_right;
  std::fill(xp, xp + channels * hp * wp, T(0));
  for (int64_t ch = 0; ch < channels; ++ch)
    for (int64_t i = 0; i < p.r; ++i)
      for (int64_t j = 0; j < p.s; ++j) {
        const T* row = col + ((ch * p.r + i) * p.s + j) * ld;
        T* base = xp + (ch * hp + i * p.dil_h) * wp + j * p.dil_w;
        for (int64_t oh = 0; oh < p.ho; ++oh) {
          T* dst = base + oh * p.stride_h * wp;
          const T* in = row + oh * p.wo;
          for (int64_t ow = 0; ow < p.wo; ++ow) dst[ow * p.stride_w] += in[ow];
        }
      }
}

template <typename T>
void unpad_planes(T* x, const T* xp, int64_t channels, const ConvShape& p) {
  const int64_t hp = p.h + p.pad_top + p.pad_bottom, wp = p.w + p.pad_left + p.pad_right;
  for (int64_t ch = 0; ch < channels; ++ch)
    for (int64_t ih = 0; ih < p.h; ++ih) {
      const T* src = xp + (ch * hp + ih + p.pad_top) * wp + p.pad_left;
      T* dst = x + (ch * p.h + ih) * p.w;
      for (int64_t iw = 0; iw < p.w; ++iw) dst[iw] = src[iw];
    }
}

template void im2col<float>(float*, int64_t, const float*, int64_t, const ConvShape&, int64_t,
                            int64_t);
template void im2col<double>(double*, int64_t, const double*, int64_t, const ConvShape&, int64_t,
                             int64_t);
template void col2im_add<float>(float*, const float*, int64_t, int64_t, const ConvShape&, int64_t,
                                int64_t);
template void col2im_add<double>(double*, const double*, int64_t, int64_t, const ConvShape&,
                                 int64_t, int64_t);
#define DLCORE_INSTANTIATE(T)                                                       \
  template void pad_planes<T>(T*, const T*, int64_t, const ConvShape&);             \
  template void im2col_padded<T>(T*, int64_t, const T*, int64_t, const ConvShape&); \
  template void col2im_padded<T>(T*, const T*, int64_t, int64_t, const ConvShape&); \
  template void unpad_planes<T>(T*, const T*, int64_t, const ConvShape&);
DLCORE_INSTANTIATE(float)
DLCORE_INSTANTIATE(double)
#undef DLCORE_INSTANTIATE

}  // namespace dlcore::cpu
