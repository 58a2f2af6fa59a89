// Recurrent layers on the CPU (rnn.h). Forward: the input projection of all steps as one gemm
// (written into saved, whose per-step blocks the cell then overwrites with the activations),
// then per step one recurrent gemm and one fused cell step (rnn_cell.h). Backward through
// time: per step one fused cell backward and one gemm dh += dG W_hh; after the loop dX, dW_ih
// and dW_hh as gemms over all T*B rows, the bias gradients as column sums.
#include "cpu/rnn.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include "common.h"
#include "cpu/gemm.h"
#include "cpu/gemm_scratch.h"
#include "cpu/rnn_cell.h"
#include "cpu/rnn_gemm.h"

namespace dlcore::cpu {
namespace {

// The calling thread's work arrays, one per use, uninitialised, grown on demand and kept for
// the life of the thread (gemm_scratch.h: 64-byte aligned, on transparent huge pages from
// 2 MiB), so the large per-call arrays are not mapped and faulted in again at every call.
enum class Buf { gates, gh, dgi, dgh, prev, count };

template <typename T>
T* work(Buf which, int64_t n) {
  thread_local gemm_detail::Scratch scratch[int(Buf::count)];
  return scratch[int(which)].get<T>(std::max<int64_t>(n, 1));
}

// out[j] = the sum over rows of m[r, j], m (rows, n) row-major.
template <typename T>
void column_sums(T* out, const T* m, int64_t rows, int64_t n) {
  std::fill(out, out + n, T(0));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < n; ++j) out[j] += m[r * n + j];
}

// From this many steps on, the recurrent weight is packed once for all steps (rnn_gemm.h).
constexpr int64_t kPackSteps = 2;

inline int64_t length_of(const int64_t* lengths, int64_t r, int64_t t) {
  return lengths ? lengths[r] : t;
}

// The forward step processed just before step t for a row of length len (reverse: t + 1),
// or -1 when t is the row's first step (its previous state is h0 / c0).
inline int64_t previous_step(bool reverse, int64_t t, int64_t len) {
  if (reverse) return t == len - 1 ? -1 : t + 1;
  return t == 0 ? -1 : t - 1;
}

}  // namespace

template <typename T>
void rnn_forward(const RnnShape& p, const RnnForwardArgs<T>& a) {
  const RnnMode mode = p.mode;
  const int64_t h = p.h, b = p.b, n = p.t, in = p.i;
  const int64_t gh = rnn_gate_blocks(mode) * h, sh = rnn_saved_blocks(mode) * h;
  const bool gru = mode == RnnMode::gru;
  std::copy(a.h0, a.h0 + b * h, a.h_n);  // h_n (and c_n) hold the running state
  if (mode == RnnMode::lstm) std::copy(a.c0, a.c0 + b * h, a.c_n);
  if (n == 0 || b == 0 || h == 0) return;

  T* g = a.saved ? a.saved : work<T>(Buf::gates, n * b * sh);
  gemm<T>(false, true, n * b, gh, in, T(1), a.x, in, a.w_ih, in, T(0), g, sh);
  // the biases, added by the cell; gru keeps b_hn apart: n = tanh(W_in x + b_in + r (W_hn h +
  // b_hn))
  std::vector<T> bias(gh, T(0)), b_hn(gru ? h : 0, T(0));
  if (a.b_ih) {
    for (int64_t j = 0; j < gh; ++j) bias[j] = a.b_ih[j] + (gru && j >= 2 * h ? T(0) : a.b_hh[j]);
    if (gru) std::copy(a.b_hh + 2 * h, a.b_hh + 3 * h, b_hn.begin());
  }
  T* ghw = gru ? work<T>(Buf::gh, b * gh) : nullptr;
  std::unique_ptr<PackedWeight<T>> w_hh;  // W_hh^T packed once when several steps reuse it
  if (n >= kPackSteps) w_hh = std::make_unique<PackedWeight<T>>(a.w_hh, h, true, h, gh);
  // gru: gh = h W_hh^T; the others: g_t += h W_hh^T
  auto recurrent = [&](T* c, int64_t ldc, T beta) {
    if (w_hh) w_hh->multiply(b, a.h_n, h, beta, c, ldc);
    else gemm<T>(false, true, b, gh, h, T(1), a.h_n, h, a.w_hh, h, beta, c, ldc);
  };
  for (int64_t k = 0; k < n; ++k) {
    const int64_t t = p.reverse ? n - 1 - k : k;
    T* gt = g + t * b * sh;
    if (gru) recurrent(ghw, gh, T(0));
    else recurrent(gt, sh, T(1));
    cell_forward_step<T>({mode, b, h, t, a.lengths, gt, bias.data(), ghw, b_hn.data(), a.h_n, a.c_n,
                          a.y + t * b * h});
  }
}

template <typename T>
void rnn_backward(const RnnShape& p, const RnnBackwardArgs<T>& a) {
  const RnnMode mode = p.mode;
  const int64_t h = p.h, b = p.b, n = p.t, in = p.i, rows = n * b;
  const int64_t gh = rnn_gate_blocks(mode) * h, sh = rnn_saved_blocks(mode) * h;
  const bool lstm = mode == RnnMode::lstm, gru = mode == RnnMode::gru;
  // dh0 (and dc0) hold the running gradient of the state, starting at dh_n (dc_n)
  if (a.dh_n) std::copy(a.dh_n, a.dh_n + b * h, a.dh0);
  else std::fill(a.dh0, a.dh0 + b * h, T(0));
  if (lstm) {
    if (a.dc_n) std::copy(a.dc_n, a.dc_n + b * h, a.dc0);
    else std::fill(a.dc0, a.dc0 + b * h, T(0));
  }

  T* dgi = work<T>(Buf::dgi, rows * gh);
  T* dgh = gru ? work<T>(Buf::dgh, rows * gh) : dgi;
  std::vector<const T*> hp(b), cp(b);
  std::unique_ptr<PackedWeight<T>> w_hh;  // W_hh packed once when several steps reuse it
  if (n >= kPackSteps && b > 0 && h > 0)
    w_hh = std::make_unique<PackedWeight<T>>(a.w_hh, h, false, gh, h);
  for (int64_t k = 0; k < n && h > 0; ++k) {
    const int64_t t = p.reverse ? k : n - 1 - k;
    for (int64_t r = 0; r < b && (lstm || gru); ++r) {
      const int64_t len = length_of(a.lengths, r, n);
      if (t >= len) continue;
      const int64_t tp = previous_step(p.reverse, t, len);
      hp[r] = tp < 0 ? a.h0 + r * h : a.y + (tp * b + r) * h;
      cp[r] = !lstm ? nullptr : tp < 0 ? a.c0 + r * h : a.saved + (tp * b + r) * sh + 4 * h;
    }
    cell_backward_step<T>({mode, b, h, t, a.lengths, p.reverse, a.saved + t * b * sh,
                           a.dy + t * b * h, hp.data(), cp.data(), a.dh0, a.dc0, dgi + t * b * gh,
                           dgh + t * b * gh});
    if (w_hh) w_hh->multiply(b, dgh + t * b * gh, gh, T(1), a.dh0, h);
    else gemm<T>(false, false, b, h, gh, T(1), dgh + t * b * gh, gh, a.w_hh, h, T(1), a.dh0, h);
  }

  if (a.dx) gemm<T>(false, false, rows, in, gh, T(1), dgi, gh, a.w_ih, in, T(0), a.dx, in);
  gemm<T>(true, false, gh, in, rows, T(1), dgi, gh, a.x, in, T(0), a.dw_ih, in);
  if (a.db_ih) {
    column_sums(a.db_ih, dgi, rows, gh);
    if (gru) column_sums(a.db_hh, dgh, rows, gh);
    else std::copy(a.db_ih, a.db_ih + gh, a.db_hh);  // the same pre-activations
  }
  if (rows == 0) {
    std::fill(a.dw_hh, a.dw_hh + gh * h, T(0));
  } else if (!a.lengths) {  // previous states: h0 at the first step, else y of the step before
    const int64_t first = p.reverse ? n - 1 : 0;
    gemm<T>(true, false, gh, h, b, T(1), dgh + first * b * gh, gh, a.h0, h, T(0), a.dw_hh, h);
    const T* dg_rest = dgh + (p.reverse ? 0 : b * gh);
    const T* y_prev = a.y + (p.reverse ? b * h : 0);
    gemm<T>(true, false, gh, h, rows - b, T(1), dg_rest, gh, y_prev, h, T(1), a.dw_hh, h);
  } else {  // the previous state of each active (step, row); 0 at inactive ones (dG is 0 there)
    T* prev = work<T>(Buf::prev, rows * h);
    for (int64_t t = 0; t < n; ++t)
      for (int64_t r = 0; r < b; ++r) {
        T* dst = prev + (t * b + r) * h;
        const int64_t len = a.lengths[r];
        const int64_t tp = t < len ? previous_step(p.reverse, t, len) : -2;
        if (tp == -2) std::fill(dst, dst + h, T(0));
        else std::copy_n(tp < 0 ? a.h0 + r * h : a.y + (tp * b + r) * h, h, dst);
      }
    gemm<T>(true, false, gh, h, rows, T(1), dgh, gh, prev, h, T(0), a.dw_hh, h);
  }
}

template void rnn_forward<float>(const RnnShape&, const RnnForwardArgs<float>&);
template void rnn_forward<double>(const RnnShape&, const RnnForwardArgs<double>&);
template void rnn_backward<float>(const RnnShape&, const RnnBackwardArgs<float>&);
template void rnn_backward<double>(const RnnShape&, const RnnBackwardArgs<double>&);

}  // namespace dlcore::cpu
