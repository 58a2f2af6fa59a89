// The CUDA kernels' plain C++ API (device pointers in, no CUDA headers here), so that
// the bindings (csrc/bind) can call them without including cuda_runtime.h.
// Every launcher runs on the current device's default stream and throws std::runtime_error
// on a CUDA error; none of them synchronises.
#pragma once
#include <cstddef>
#include <cstdint>

#include "cpu/optim.h"
#include "cpu/rnn.h"

namespace dlcore::cuda {

int device_count();                 // 0 when there is no driver or no device (never throws)
int runtime_version();              // CUDART_VERSION this module was built with
void synchronize();
// bytes from device memory src to host memory dst (synchronous; nothing for 0 bytes).
void copy_to_host(void* dst, const void* src, size_t bytes);
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
// every shape and, over host copies (copy_to_host), the values of the int64 lengths and targets
// (rnn_args.h, ctc_args.h); the launchers take those host copies too, to plan their loops.

// One direction of one recurrent layer, time-major (docs/kernels.md, issue 19's contract; the
// shape and mode as cpu/rnn.h): x (t, b, i), h0 / h_n (b, h), c0 / c_n (b, h) for lstm else
// nullptr, w_ih (G*h, i), w_hh (G*h, h), b_ih / b_hh (G*h,) or both nullptr, y (t, b, h),
// saved (t, b, S*h) or nullptr; lengths (b,) on the device and lengths_host its host copy, or
// both nullptr (all t).
template <typename T>
void rnn_forward(T* y, T* h_n, T* c_n, T* saved, const T* x, const T* h0, const T* c0,
                 const T* w_ih, const T* w_hh, const T* b_ih, const T* b_hh, const int64_t* lengths,
                 const int64_t* lengths_host, const cpu::RnnShape& s);
// dx, dh_n, dc_n, db_ih / db_hh may be nullptr (not wanted / zero); every output overwritten.
template <typename T>
void rnn_backward(T* dx, T* dh0, T* dc0, T* dw_ih, T* dw_hh, T* db_ih, T* db_hh, const T* dy,
                  const T* dh_n, const T* dc_n, const T* x, const T* h0, const T* c0, const T* w_ih,
                  const T* w_hh, const T* y, const T* saved, const int64_t* lengths,
                  const int64_t* lengths_host, const cpu::RnnShape& s);

// CTC loss, the contract of cpu/ctc.h (log space, recursions in double): log_probs (t, n, c),
// targets (n, s), input_lengths, target_lengths (n,) on the device.
template <typename T>
void ctc_loss_forward(T* loss, T* log_alpha, const T* log_probs, const int64_t* targets,
                      const int64_t* input_lengths, const int64_t* target_lengths, int64_t blank,
                      int64_t t, int64_t n, int64_t c, int64_t s);
template <typename T>
void ctc_loss_backward(T* grad, const T* dloss, const T* log_probs, const int64_t* targets,
                       const int64_t* input_lengths, const int64_t* target_lengths, int64_t blank,
                       const T* log_alpha, const T* loss, int64_t t, int64_t n, int64_t c,
                       int64_t s);

}  // namespace dlcore::cuda
