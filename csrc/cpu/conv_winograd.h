// Private: Winograd F(2x2, 3x3) for 3x3 stride-1 undilated ungrouped convolutions (Lavin &
// Gray 2015): each 2x2 output tile is A^T [(G g G^T) . (B^T d B)] A over its 4x4 input patch d,
// 16 products per tile and channel pair instead of 36. Tiles are transformed a chunk at a time:
// V (16, c, tiles) and U (16, k, c), then 16 gemms M = U @ V (gemm_batched, threaded there),
// then the output transform with bias and relu. backward_input is the same forward on dy with
// the flipped, transposed weights and padding 2 - p (so each padding must be <= 2).
#pragma once
#include <cstdint>

#include "cpu/conv.h"

namespace dlcore::cpu {

// The pass can run as Winograd.
bool winograd_fits(const ConvShape& p, bool backward_input);
// It fits and the mode allows it: -1 automatic (32 or more channels in and out: measured
// 1.03-1.34x im2col + gemm with 64 and 128; first layers go direct), 0 never, 1 whenever it
// fits. The caller runs it for float32 only.
bool winograd_applies(const ConvShape& p, bool backward_input);
void set_conv_winograd_mode(int mode);  // process-wide, for measurement and tests
int conv_winograd_mode();

template <typename T>
void conv2d_forward_winograd(T* y, const T* x, const T* w, const T* bias, const ConvShape& p,
                             bool relu);
template <typename T>
void conv2d_backward_input_winograd(T* dx, const T* dy, const T* w, const ConvShape& p);

namespace avx2 {

// The input transform of 8 tiles in a row whose patches lie inside x: v[xi*ld + j] (j < 8) from
// the patch rows src + a*w (a < 4), columns 2j + b (b < 4).
void winograd_input8(float* v, int64_t ld, const float* src, int64_t w);
// The output transform of 8 tiles whose 2x2 blocks lie inside y: row0[2j + b], row1[2j + b]
// from m[xi*ld + j], + bias, max(0, .) when relu.
void winograd_output8(float* row0, float* row1, const float* m, int64_t ld, float bias, bool relu);

}  // namespace avx2
}  // namespace dlcore::cpu
