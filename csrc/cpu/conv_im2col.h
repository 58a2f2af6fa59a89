// Lowering of one image's channels to a column matrix and back, for convolution as gemm.
//
// For the output rows [row0, row0 + rows):
// col ((c*r + i)*s + j, (oh - row0)*wo + ow) = x (c, oh*stride_h - pad_top + i*dil_h,
//                                               ow*stride_w - pad_left + j*dil_w), 0 outside x.
// col is (channels*r*s, rows*wo) with row stride ld >= rows*wo; x is (channels, h, w).
#pragma once
#include <cstdint>

#include "cpu/conv.h"

namespace dlcore::cpu {

template <typename T>
void im2col(T* col, int64_t ld, const T* x, int64_t channels, const ConvShape& p, int64_t row0,
            int64_t rows);

// The whole image through a zero-padded copy: pad_planes writes xp (channels, h + top +
// bottom, w + left + right); im2col_padded lowers all ho output rows from it with no bounds
// tests (the same col as im2col with row0 = 0, rows = ho).
template <typename T>
void pad_planes(T* xp, const T* x, int64_t channels, const ConvShape& p);
template <typename T>
void im2col_padded(T* col, int64_t ld, const T* xp, int64_t channels, const ConvShape& p);

// The adjoint of im2col_padded: xp = 0, then the entries of col added where they were read
// from; unpad_planes writes x (channels, h, w) = the interior of xp.
template <typename T>
void col2im_padded(T* xp, const T* col, int64_t ld, int64_t channels, const ConvShape& p);
template <typename T>
void unpad_planes(T* x, const T* xp, int64_t channels, const ConvShape& p);

// The adjoint: dx (channels, h, w) += the entries of col at the positions im2col read them from.
template <typename T>
void col2im_add(T* dx, const T* col, int64_t ld, int64_t channels, const ConvShape& p, int64_t row0,
                int64_t rows);

// The output columns [lo, hi) whose input column ow*stride - pad + off lies in [0, extent).
struct ValidRange {
  int64_t lo, hi;
};
inline ValidRange valid_range(int64_t off, int64_t stride, int64_t extent, int64_t out) {
  // ow*stride + off >= 0  <=>  ow >= ceil(-off / stride)
  int64_t lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
  // ow*stride + off <= extent - 1  <=>  ow <= floor((extent - 1 - off) / stride)
  int64_t hi = extent - 1 - off < 0 ? 0 : (extent - 1 - off) / stride + 1;
  if (lo > out) lo = out;
  if (hi > out) hi = out;
  if (hi < lo) hi = lo;
  return {lo, hi};
}

}  // namespace dlcore::cpu
