// 2-D convolution on the CPU, NCHW, as torch.nn.functional.conv2d (cross-correlation).
//
// x (n, c, h, w); w (k, c/groups, r, s); y (n, k, ho, wo); bias (k) or null. All C-contiguous.
// ho = (h + pad_top + pad_bottom - dil_h*(r-1) - 1) / stride_h + 1 (>= 1), wo alike.
// Kernels assume valid arguments (csrc/bind/conv_args.h checks them) and overwrite their
// outputs. Deterministic: the same inputs and thread count give bit-identical outputs.
#pragma once
#include <cstdint>

namespace dlcore::cpu {

struct ConvShape {
  int64_t n, c, h, w;    // input
  int64_t k, r, s;       // output channels, kernel height and width
  int64_t ho, wo;        // output height and width
  int64_t stride_h, stride_w;
  int64_t pad_top, pad_bottom, pad_left, pad_right;
  int64_t dil_h, dil_w;
  int64_t groups;        // divides c and k
};

// y = conv(x, w) + bias; relu: y = max(0, y).
template <typename T>
void conv2d_forward(T* y, const T* x, const T* w, const T* bias, const ConvShape& p, bool relu);

// dx (n, c, h, w) = the gradient of sum(dy * conv(x, w)) with respect to x; dy (n, k, ho, wo).
template <typename T>
void conv2d_backward_input(T* dx, const T* dy, const T* w, const ConvShape& p);

// dw (k, c/groups, r, s) = the gradient with respect to w; db (k) = sum of dy over n, ho, wo
// (skipped when db is null).
template <typename T>
void conv2d_backward_weight(T* dw, T* db, const T* dy, const T* x, const ConvShape& p);

}  // namespace dlcore::cpu
