// The CUDA kernels' plain C++ API (device pointers in, no CUDA headers here), so that
// the bindings (csrc/bind) can call them without including cuda_runtime.h.
// Every launcher runs on the current device's default stream and throws std::runtime_error
// on a CUDA error; none of them synchronises.
#pragma once
#include <cstdint>

#include "cpu/optim.h"

namespace dlcore::cuda {

int device_count();                 // 0 when there is no driver or no device (never throws)
int runtime_version();              // CUDART_VERSION this module was built with
void synchronize();
// True when p is device or managed memory of a visible device (cudaPointerGetAttributes);
// false for host memory, unknown pointers, or no driver. Never throws.
bool is_device_pointer(const void* p);

// Same contract as dlcore::cpu::sgd_step, float32 device pointers.
void sgd_step(float* param, float* momentum_buf, const float* grad, int64_t n,
              const cpu::SgdHyper& h, bool first_step);

// Same contract as dlcore::cpu::adam_step (max_exp_avg_sq may be nullptr unless amsgrad),
// float32 device pointers.
void adam_step(float* param, float* exp_avg, float* exp_avg_sq, float* max_exp_avg_sq,
               const float* grad, int64_t n, const cpu::AdamHyper& h);

// ---- issue 18 kernels (conv.cu, pool.cu, batch_norm.cu, activation.cu) ----------------------
// T is float or double (explicit instantiations in the .cu files). Every array is C-contiguous
// device memory; the bindings have checked every shape. A launcher throws std::invalid_argument
// "[op] ..." (ValueError in Python) when a size exceeds what its kernel indexes, before writing.

// NCHW convolution: x (n, c, h, w), w (k, c/groups, r, s), y (n, k, ho, wo).
struct Conv2dGeometry {
  int64_t n, c, h, w;     // input
  int64_t k, r, s;        // filters (k output channels, r x s taps)
  int64_t ho, wo;         // output
  int64_t stride_h, stride_w, pad_top, pad_left, dil_h, dil_w, groups;
};
// y = conv(x, w) + bias (bias may be nullptr); relu: max(0, .) (NaN stays NaN).
template <typename T>
void conv2d_forward(T* y, const T* x, const T* w, const T* bias, const Conv2dGeometry& g,
                    bool relu);
template <typename T>
void conv2d_backward_input(T* dx, const T* dy, const T* w, const Conv2dGeometry& g);
// dw (k, c/groups, r, s); db (k,) = sum of dy over n, ho, wo, or nullptr.
template <typename T>
void conv2d_backward_weight(T* dw, T* db, const T* dy, const T* x, const Conv2dGeometry& g);

// Pooling over planes: x (planes, h, w), y (planes, ho, wo); planes = N * C.
struct Pool2dGeometry {
  int64_t planes, h, w, ho, wo;
  int64_t kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w;
};
// indices: flat h * w + w into the input plane, torch's convention (NaN wins, as torch).
template <typename T>
void max_pool2d_forward(T* y, int64_t* indices, const T* x, const Pool2dGeometry& g);
// dx zeroed, then dy added at indices; an index outside [0, h * w) throws before dx is written.
template <typename T>
void max_pool2d_backward(T* dx, const T* dy, const int64_t* indices, const Pool2dGeometry& g);
// divisor 0: torch's default (window clipped to the padded input, or to the input when
// !count_include_pad); else divisor_override. dil_* are ignored.
template <typename T>
void avg_pool2d_forward(T* y, const T* x, const Pool2dGeometry& g, bool count_include_pad,
                        int64_t divisor);
template <typename T>
void avg_pool2d_backward(T* dx, const T* dy, const Pool2dGeometry& g, bool count_include_pad,
                         int64_t divisor);
// Windows [floor(i * h / ho), ceil((i + 1) * h / ho)); only planes, h, w, ho, wo are read.
template <typename T>
void adaptive_avg_pool2d_forward(T* y, const T* x, const Pool2dGeometry& g);
template <typename T>
void adaptive_avg_pool2d_backward(T* dx, const T* dy, const Pool2dGeometry& g);

// Batch norm over x viewed as (n, c, l); per-channel arrays (c,); weight/bias may be nullptr.
template <typename T>
void batch_norm_forward(T* y, T* mean, T* var, const T* x, const T* weight, const T* bias,
                        int64_t n, int64_t c, int64_t l, double eps);
template <typename T>
void batch_norm_inference(T* y, const T* x, const T* mean, const T* var, const T* weight,
                          const T* bias, int64_t n, int64_t c, int64_t l, double eps);
// dweight/dbias may be nullptr (not wanted); weight nullptr means 1.
template <typename T>
void batch_norm_backward(T* dx, T* dweight, T* dbias, const T* dy, const T* x, const T* mean,
                         const T* var, const T* weight, int64_t n, int64_t c, int64_t l,
                         double eps);

// GELU over n elements: approximate false: x * Phi(x) (erf); true: torch's tanh form.
template <typename T>
void gelu_forward(T* y, const T* x, int64_t n, bool approximate);
template <typename T>
void gelu_backward(T* dx, const T* dy, const T* x, int64_t n, bool approximate);

// ---- issue 19 kernels (rnn.cu, ctc.cu) --------------------------------------------------------
// T is float or double. Every array is C-contiguous device memory; the bindings have checked
// every shape. lengths (rnn) and the CTC lengths and targets are device int64 arrays; their
// values are checked by the launcher (copied to the host) before anything is written: a value
// out of range throws std::invalid_argument "[op] ..." (ValueError in Python).

// One direction of one recurrent layer, time-major (docs/kernels.md, issue 19's contract):
// x (t, b, i), h0 / h_n (b, h), c0 / c_n (b, h) for lstm else nullptr, w_ih (g*h, i),
// w_hh (g*h, h), b_ih / b_hh (g*h,) or both nullptr, y (t, b, h), saved (t, b, s*h) or nullptr,
// lengths (b,) or nullptr (all t). G = 4, 3, 1, 1 and S = 5, 4, 1, 1 for the four modes.
enum class RnnMode { lstm, gru, rnn_tanh, rnn_relu };
struct RnnShape {
  RnnMode mode;
  int64_t t, b, i, h;
  bool reverse;
};
template <typename T>
void rnn_forward(T* y, T* h_n, T* c_n, T* saved, const T* x, const T* h0, const T* c0,
                 const T* w_ih, const T* w_hh, const T* b_ih, const T* b_hh,
                 const int64_t* lengths, const RnnShape& s);
// dx, dh_n, dc_n, db_ih / db_hh may be nullptr (not wanted / zero); every output overwritten.
template <typename T>
void rnn_backward(T* dx, T* dh0, T* dc0, T* dw_ih, T* dw_hh, T* db_ih, T* db_hh, const T* dy,
                  const T* dh_n, const T* dc_n, const T* x, const T* h0, const T* c0,
                  const T* w_ih, const T* w_hh, const T* y, const T* saved,
                  const int64_t* lengths, const RnnShape& s);

}  // namespace dlcore::cuda
