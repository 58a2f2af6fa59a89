// Private: the direct convolution path for float32 and stride 1 (conv.cpp enters it when
// direct_applies). The input of each image is zero-padded into planes of hp x wp; output row
// oh, column ow is then the sum over channels and taps of w * in[oh*wp + off(tap) + ow]
// (off(i, j) = i*dil_h*wp + j*dil_w), vectorized along ow with no bounds test and the row's
// tail stored under a mask, straight into the output (bias and relu applied in registers).
//   forward          correlate x with w
//   backward_input   correlate dy (padded by the kernel's reach minus the padding) with w
//                    flipped and transposed; needs each padding <= dilation*(kernel-1)
//   backward_weight  dw[k, c, tap] = sum over oh, ow of dy[k, oh, ow] * in[c, oh*wp + off(tap)
//                    + ow], dy read in place
// Images run in parallel (conv_threads.h); weight-gradient sums go to 4 slots (image n % 4),
// added in order, so that results do not depend on the thread count.
#pragma once
#include <cstdint>

#include "cpu/conv.h"

namespace dlcore::cpu {

enum class ConvPass { forward, backward_input, backward_weight };

// True when the direct path takes this pass: AVX2 active, stride 1, groups 1, and the mode
// (below) and shape rule of conv_direct.cpp allow it.
bool direct_applies(const ConvShape& p, ConvPass pass);

// Process-wide, for measurement and tests: -1 automatic (the shape rule), 0 never, 1 whenever
// the direct path can run the pass.
void set_conv_direct_mode(int mode);
int conv_direct_mode();

void conv2d_forward_direct(float* y, const float* x, const float* w, const float* bias,
                           const ConvShape& p, bool relu);
void conv2d_backward_input_direct(float* dx, const float* dy, const float* w, const ConvShape& p);
void conv2d_backward_weight_direct(float* dw, const float* dy, const float* x, const ConvShape& p);

namespace avx2 {

// Output rows: out[k*ld_k + oh*ld_row + ow] (k < kout, oh < rows, ow < cols) =
// sum_{ci < cin, t < taps} wt[(k*cin + ci)*taps + t] * in[ci*plane + oh*in_row + off[t] + ow],
// + bias[k] (bias may be null), then max(0, .) when relu. Reads of in may run up to 7
// elements past the last valid position (their results are not stored).
void direct_correlate(float* out, int64_t ld_k, int64_t ld_row, int64_t rows, int64_t cols,
                      const float* in, int64_t plane, int64_t in_row, int64_t cin, const float* wt,
                      const int64_t* off, int64_t taps, int64_t kout, const float* bias, bool relu);

// acc[(k*cin + ci)*taps + t] += sum_{oh < rows, ow < cols} dy[k*ld_k + oh*cols + ow] *
// in[ci*plane + oh*in_row + off[t] + ow] for k < kout. Reads nothing outside those ranges.
void direct_weight_grad(float* acc, const float* dy, int64_t ld_k, int64_t rows, int64_t cols,
                        const float* in, int64_t plane, int64_t in_row, int64_t cin,
                        const int64_t* off, int64_t taps, int64_t kout);

}  // namespace avx2
}  // namespace dlcore::cpu
