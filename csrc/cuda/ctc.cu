// CTC loss (Graves et al. 2006) in log space on the GPU, the contract of cpu/ctc.h: one block per
// batch item, its threads over the 2S+1 extended labels (blank, l1, blank, ..., blank), one
// barrier per time step. The recursions run in double (two rows of scratch per item, alpha in
// the forward, beta in the backward); log_alpha is stored in T. The backward adds alpha * beta
// over the extended positions of each class in increasing position order (a chain per class,
// walked by the thread of its first position), so the result does not depend on the launch.
#include "cuda/cuda_api.h"
#include "cuda/cuda_common.cuh"
#include "cuda/workspace.cuh"

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <string>

namespace dlcore::cuda {
namespace {

constexpr double kNegInf = -double(INFINITY);

// log(exp(a) + exp(b)); -inf when both are, nan when either is.
__device__ inline double log_add(double a, double b) {
  if (a == kNegInf) return b;
  if (b == kNegInf) return a;
  const double m = a > b ? a : b;
  return m + log1p(exp(-fabs(a - b)));
}

struct CtcDims {
  int64_t t, n, c, s, blank;
  __host__ __device__ int64_t ext() const {
    return 2 * s + 1;
  }  // the padded extended length, log_alpha's last axis
};

// The extended label at position q of item `item` (targets row `tg`).
__device__ inline int64_t ext_label(const int64_t* tg, int64_t q, int64_t blank) {
  return (q & 1) ? tg[q >> 1] : blank;
}

template <typename T>
__global__ void ctc_forward_kernel(T* loss, T* log_alpha, double* scratch, const T* lp,
                                   const int64_t* targets, const int64_t* in_len,
                                   const int64_t* tg_len, CtcDims d) {
  const int64_t item = blockIdx.x, ext = d.ext();
  const int64_t tn = in_len[item], len = 2 * tg_len[item] + 1;
  const int64_t* tg = targets + item * d.s;
  T* la = log_alpha + item * d.t * ext;
  double* rows = scratch + item * 2 * ext;
  for (int64_t t = 0; t < tn; ++t) {
    double* cur = rows + (t & 1) * ext;
    const double* prev = rows + ((t + 1) & 1) * ext;
    const T* lpt = lp + (t * d.n + item) * d.c;
    for (int64_t q = threadIdx.x; q < ext; q += blockDim.x) {
      double v = kNegInf;
      if (q < len) {
        const int64_t l = ext_label(tg, q, d.blank);
        if (t == 0) {
          v = q < 2 ? double(lpt[l]) : kNegInf;
        } else {
          v = prev[q];
          if (q >= 1) v = log_add(v, prev[q - 1]);
          if (q >= 2 && l != d.blank && l != ext_label(tg, q - 2, d.blank))
            v = log_add(v, prev[q - 2]);
          v += double(lpt[l]);
        }
      }
      cur[q] = v;
      la[t * ext + q] = T(v);
    }
    __syncthreads();
  }
  for (int64_t e = tn * ext + threadIdx.x; e < d.t * ext; e += blockDim.x) la[e] = T(kNegInf);
  if (threadIdx.x == 0) {
    double ll;
    if (tn == 0) {
      ll = len == 1 ? 0.0 : kNegInf;
    } else {
      const double* last = rows + ((tn - 1) & 1) * ext;
      ll = log_add(last[len - 1], len >= 2 ? last[len - 2] : kNegInf);
    }
    loss[item] = T(-ll);
  }
}

// chain (n, 2, ext) int64 scratch: next[q], the next extended position with q's label (-1 at
// the last), and head[q], 1 when q is the first position of its label.
template <typename T>
__global__ void ctc_backward_kernel(T* grad, double* scratch, int64_t* chain, const T* dloss,
                                    const T* lp, const int64_t* targets, const int64_t* in_len,
                                    const int64_t* tg_len, const T* log_alpha, const T* loss,
                                    CtcDims d) {
  const int64_t item = blockIdx.x, ext = d.ext();
  const int64_t tn = in_len[item], len = 2 * tg_len[item] + 1;
  const int64_t* tg = targets + item * d.s;
  const T* la = log_alpha + item * d.t * ext;
  double* rows = scratch + item * 2 * ext;
  int64_t* next = chain + item * 2 * ext;
  int64_t* head = next + ext;
  for (int64_t t = tn; t < d.t; ++t)
    for (int64_t k = threadIdx.x; k < d.c; k += blockDim.x) grad[(t * d.n + item) * d.c + k] = T(0);
  if (tn == 0) return;
  const double nll = double(loss[item]), dl = double(dloss[item]);
  if (nll == double(INFINITY)) {  // no alignment: nan rows, as torch
    for (int64_t e = threadIdx.x; e < tn * d.c; e += blockDim.x) {
      const int64_t t = e / d.c, k = e - t * d.c;
      grad[(t * d.n + item) * d.c + k] = T(NAN);
    }
    return;
  }
  for (int64_t q = threadIdx.x; q < len; q += blockDim.x) {
    const int64_t l = ext_label(tg, q, d.blank);
    int64_t nx = -1, hd = 1;
    for (int64_t r = q + 1; r < len && nx < 0; ++r)
      if (ext_label(tg, r, d.blank) == l) nx = r;
    for (int64_t r = q - 1; r >= 0 && hd; --r)
      if (ext_label(tg, r, d.blank) == l) hd = 0;
    next[q] = nx;
    head[q] = hd;
  }
  for (int64_t t = tn - 1; t >= 0; --t) {
    double* cur = rows + (t & 1) * ext;
    const double* after = rows + ((t + 1) & 1) * ext;
    const T* lpt = lp + (t * d.n + item) * d.c;
    T* gt = grad + (t * d.n + item) * d.c;
    for (int64_t q = threadIdx.x; q < len; q += blockDim.x) {
      const int64_t l = ext_label(tg, q, d.blank);
      double v;
      if (t == tn - 1) {
        v = q >= len - 2 ? double(lpt[l]) : kNegInf;
      } else {
        v = after[q];
        if (q + 1 < len) v = log_add(v, after[q + 1]);
        if (q + 2 < len && l != d.blank && l != ext_label(tg, q + 2, d.blank))
          v = log_add(v, after[q + 2]);
        v += double(lpt[l]);
      }
      cur[q] = v;
    }
    for (int64_t k = threadIdx.x; k < d.c; k += blockDim.x) gt[k] = T(0);
    __syncthreads();  // beta[t] complete, row t zeroed; the chains below read cur only
    for (int64_t q = threadIdx.x; q < len; q += blockDim.x) {
      if (!head[q]) continue;
      double acc = kNegInf;
      for (int64_t r = q; r >= 0; r = next[r]) acc = log_add(acc, double(la[t * ext + r]) + cur[r]);
      const int64_t l = ext_label(tg, q, d.blank);
      gt[l] = T(-dl * exp(acc + nll - double(lpt[l])));
    }
  }
}

void check_fits(int64_t n, const char* op) {  // one block per item on the grid's x
  if (n > INT_MAX)
    throw std::invalid_argument(std::string("[") + op + "] more than 2^31 - 1 batch items on CUDA");
}

// Threads per block: enough for the extended labels (or the classes), a multiple of 32, <= 256.
int block_threads(const CtcDims& d) {
  const int64_t want = std::max<int64_t>(d.ext(), std::min<int64_t>(d.c, 256));
  return int(std::min<int64_t>(256, std::max<int64_t>(32, (want + 31) / 32 * 32)));
}

}  // namespace

template <typename T>
void ctc_loss_forward(T* loss, T* log_alpha, const T* log_probs, const int64_t* targets,
                      const int64_t* input_lengths, const int64_t* target_lengths, int64_t blank,
                      int64_t t, int64_t n, int64_t c, int64_t s) {
  check_fits(n, "ctc_loss_forward");
  if (n == 0) return;
  const CtcDims d{t, n, c, s, blank};
  Workspace ws(Workspace::padded(size_t(n) * 2 * d.ext() * sizeof(double)));
  double* scratch = ws.take<double>(size_t(n) * 2 * d.ext());
  ctc_forward_kernel<T><<<unsigned(n), block_threads(d)>>>(
      loss, log_alpha, scratch, log_probs, targets, input_lengths, target_lengths, d);
  CUDA_CHECK(cudaGetLastError());
}

template <typename T>
void ctc_loss_backward(T* grad, const T* dloss, const T* log_probs, const int64_t* targets,
                       const int64_t* input_lengths, const int64_t* target_lengths, int64_t blank,
                       const T* log_alpha, const T* loss, int64_t t, int64_t n, int64_t c,
                       int64_t s) {
  check_fits(n, "ctc_loss_backward");
  if (n == 0 || c == 0) return;
  const CtcDims d{t, n, c, s, blank};
  const size_t cells = size_t(n) * 2 * d.ext();
  Workspace ws(Workspace::padded(cells * sizeof(double)) +
               Workspace::padded(cells * sizeof(int64_t)));
  double* scratch = ws.take<double>(cells);
  int64_t* chain = ws.take<int64_t>(cells);
  ctc_backward_kernel<T><<<unsigned(n), block_threads(d)>>>(grad, scratch, chain, dloss, log_probs,
                                                            targets, input_lengths, target_lengths,
                                                            log_alpha, loss, d);
  CUDA_CHECK(cudaGetLastError());
}

#define DLCORE_CTC_INSTANTIATE(T)                                                                 \
  template void ctc_loss_forward<T>(T*, T*, const T*, const int64_t*, const int64_t*,             \
                                    const int64_t*, int64_t, int64_t, int64_t, int64_t, int64_t); \
  template void ctc_loss_backward<T>(T*, const T*, const T*, const int64_t*, const int64_t*,      \
                                     const int64_t*, int64_t, const T*, const T*, int64_t,        \
                                     int64_t, int64_t, int64_t);
DLCORE_CTC_INSTANTIATE(float)
DLCORE_CTC_INSTANTIATE(double)

}  // namespace dlcore::cuda
