// 2-D pooling over NCHW planes (1-D pooling is H = 1): max pool with torch's flat indices, average
// pool with torch's divisor rules, adaptive average pool. Every array is C-contiguous; the
// kernels see (planes = N*C, H, W) planes and assume the arguments were checked by the binding.
#pragma once
#include <cstdint>

namespace dlcore::cpu {

// The window geometry of max/avg pooling (avg: dilation 1). Window (oh, ow) covers input rows
// oh*sh - ph + i*dh for i in [0, kh) (columns alike); rows outside [0, h) are padding.
struct Pool2dGeom {
  int64_t planes, h, w, ho, wo;
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;
};

// torch's pooling_output_shape: floor (or ceil with ceil_mode) of
// (in + 2*pad - dilation*(k-1) - 1) / stride, plus 1; with ceil_mode the last window must start
// inside the input or the left padding. May be <= 0 (the caller refuses that).
inline int64_t pool_output_size(int64_t in, int64_t k, int64_t stride, int64_t pad,
                                int64_t dilation, bool ceil_mode) {
  const int64_t span = in + 2 * pad - dilation * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  int64_t out = (span >= 0 ? span / stride : -((-span + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

// y, indices (planes, ho, wo); x (planes, h, w). indices[o] = r*w + c of the window's max (the
// first of equal maxima; a NaN wins, the last NaN of the window). A window with no input element
// gives -inf and torch's index (row, column of its first in-range-or-after step), which may lie
// outside the plane.
template <typename T>
void max_pool2d_forward(T* y, int64_t* indices, const T* x, const Pool2dGeom& g);

// dx (planes, hw) = 0, then dx[p, indices[p, o]] += dy[p, o] for o in [0, howo); an index
// outside [0, hw) (an empty window's) adds nothing.
template <typename T>
void max_pool2d_backward(T* dx, const T* dy, const int64_t* indices, int64_t planes, int64_t hw,
                         int64_t howo);

// y = sum over the window's input elements / divisor. divisor != 0: that divisor; 0 and
// count_include_pad: the window clipped to the padded input ([-ph, h + ph)); 0 and not
// count_include_pad: the number of input elements in the window. A window with no input element
// gives 0.
template <typename T>
void avg_pool2d_forward(T* y, const T* x, const Pool2dGeom& g, bool count_include_pad,
                        int64_t divisor);

// dx = 0, then each dy[o] / divisor (as the forward) added over o's window.
template <typename T>
void avg_pool2d_backward(T* dx, const T* dy, const Pool2dGeom& g, bool count_include_pad,
                         int64_t divisor);

// Output cell (i, j) averages rows [floor(i*h/ho), ceil((i+1)*h/ho)) and the columns alike;
// h, w >= 1 when ho, wo >= 1.
template <typename T>
void adaptive_avg_pool2d_forward(T* y, const T* x, int64_t planes, int64_t h, int64_t w, int64_t ho,
                                 int64_t wo);

template <typename T>
void adaptive_avg_pool2d_backward(T* dx, const T* dy, int64_t planes, int64_t h, int64_t w,
                                  int64_t ho, int64_t wo);

}  // namespace dlcore::cpu
