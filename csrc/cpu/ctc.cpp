// CTC loss forward (alpha recursion) and backward (beta recursion, posteriors per class), in log
// space, one batch item per task. Contracts in ctc.h.
#include "cpu/ctc.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "cpu/threads.h"

namespace dlcore::cpu {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

// log(exp(a) + exp(b)) without overflow; -inf when both are -inf.
inline double log_add(double a, double b) {
  const double m = std::max(a, b);
  if (m == kNegInf) return kNegInf;
  return m + std::log1p(std::exp(std::min(a, b) - m));
}

// log(exp(a) + exp(b) + exp(c)): the largest term factored out, two exps and a log1p.
inline double log_add3(double a, double b, double c) {
  if (b > a) std::swap(a, b);
  if (c > a) std::swap(a, c);
  if (a == kNegInf) return kNegInf;
  return a + std::log1p(std::exp(b - a) + std::exp(c - a));
}

// One batch item's view of the arguments: the extended label sequence l' (blank, l1, blank,
// l2, ..., blank) and log y_t(l'_s).
struct Item {
  const int64_t* labels;  // targets row, target_length entries read
  int64_t len_in, len_ext, blank;
  int64_t label(int64_t s) const { return (s & 1) ? labels[s >> 1] : blank; }
  // Position s may be entered from s - 2 (skipping the blank between two different labels).
  bool skips(int64_t s) const {
    return (s & 1) && s >= 2 && labels[s >> 1] != labels[(s >> 1) - 1];
  }
};

template <typename T>
inline double lp_at(const T* log_probs, int64_t step, int64_t n, int64_t nb, int64_t c, int64_t k) {
  return double(log_probs[(step * nb + n) * c + k]);
}

// body(i) for each batch item i, the items dealt out to the threads one at a time (an item's
// result depends on nothing else, so any thread count gives the same bits).
template <typename F>
void for_each_item(int64_t n, int64_t work, F&& body) {
  const int threads = int(std::min<int64_t>(max_threads(), std::max<int64_t>(n, 1)));
  const bool parallel = threads > 1 && work >= 4096;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads) if (parallel)
  for (int64_t i = 0; i < n; ++i) body(i);
}

template <typename T>
void forward_item(T* loss, T* log_alpha, const T* log_probs, const Item& it, int64_t n, int64_t tt,
                  int64_t nb, int64_t c, int64_t ld) {
  T* la = log_alpha + n * tt * ld;
  std::fill(la, la + tt * ld, T(kNegInf));
  const int64_t L = it.len_in, E = it.len_ext;
  if (L == 0) {
    loss[n] = E == 1 ? T(0) : T(std::numeric_limits<double>::infinity());
    return;
  }
  std::vector<double> a(E, kNegInf), next(E);
  a[0] = lp_at(log_probs, 0, n, nb, c, it.blank);
  if (E > 1) a[1] = lp_at(log_probs, 0, n, nb, c, it.label(1));
  for (int64_t s = 0; s < E; ++s) la[s] = T(a[s]);
  for (int64_t step = 1; step < L; ++step) {
    // Positions above 2 step + 1 cannot be reached yet.
    const int64_t hi = std::min(E, 2 * step + 2);
    std::fill(next.begin(), next.end(), kNegInf);
    for (int64_t s = 0; s < hi; ++s) {
      const double from = it.skips(s) ? log_add3(a[s], a[s - 1], a[s - 2])
                          : s >= 1    ? log_add(a[s], a[s - 1])
                                      : a[s];
      if (from != kNegInf) next[s] = from + lp_at(log_probs, step, n, nb, c, it.label(s));
    }
    a.swap(next);
    T* row = la + step * ld;
    for (int64_t s = 0; s < E; ++s) row[s] = T(a[s]);
  }
  const double logp = E > 1 ? log_add(a[E - 1], a[E - 2]) : a[E - 1];
  loss[n] = T(-logp);
}

template <typename T>
void backward_item(T* grad, const T* dloss, const T* log_probs, const Item& it, const T* log_alpha,
                   const T* loss, int64_t n, int64_t tt, int64_t nb, int64_t c, int64_t ld) {
  const int64_t L = it.len_in, E = it.len_ext;
  for (int64_t step = L; step < tt; ++step) std::fill_n(grad + (step * nb + n) * c, c, T(0));
  if (L == 0) return;
  const double nll = double(loss[n]), scale = double(dloss[n]);
  if (std::isinf(nll)) {
    for (int64_t step = 0; step < L; ++step)
      std::fill_n(grad + (step * nb + n) * c, c, std::numeric_limits<T>::quiet_NaN());
    return;
  }
  const T* la = log_alpha + n * tt * ld;
  std::vector<double> b(E, kNegInf), prev(E), post(c);
  b[E - 1] = lp_at(log_probs, L - 1, n, nb, c, it.label(E - 1));
  if (E > 1) b[E - 2] = lp_at(log_probs, L - 1, n, nb, c, it.label(E - 2));
  for (int64_t step = L - 1;; --step) {
    // post[k] = the posterior of class k at step t: the sum over positions s with label k of
    // alpha_t(s) beta_t(s) / (y_t(k) p), each term the probability of passing s at t (<= 1, so
    // summed as it is); d loss / d log y_t(k) = -post[k].
    std::fill(post.begin(), post.end(), 0.0);
    const T* arow = la + step * ld;
    const T* lp = log_probs + (step * nb + n) * c;
    for (int64_t s = 0; s < E; ++s) {
      const double v = double(arow[s]) + b[s];
      const int64_t k = it.label(s);
      if (v != kNegInf) post[k] += std::exp(v - double(lp[k]) + nll);
    }
    T* g = grad + (step * nb + n) * c;
    for (int64_t k = 0; k < c; ++k) g[k] = post[k] == 0.0 ? T(0) : T(-scale * post[k]);
    if (step == 0) break;
    // beta_{t-1}(s) is 0 below E - 2 (L - t) - 2 (the end is out of reach); alpha_{t-1}(s) is 0
    // from 2 t on: their product, all the gradient needs, is 0 outside [lo, hi).
    const int64_t lo = std::max<int64_t>(0, E - 2 * (L - step) - 2);
    const int64_t hi = std::min(E, 2 * step);
    std::fill(prev.begin(), prev.end(), kNegInf);
    for (int64_t s = lo; s < hi; ++s) {
      double to = s + 1 < E ? log_add(b[s], b[s + 1]) : b[s];
      if (s + 2 < E && it.skips(s + 2)) to = log_add(to, b[s + 2]);
      if (to != kNegInf) prev[s] = to + lp_at(log_probs, step - 1, n, nb, c, it.label(s));
    }
    b.swap(prev);
  }
}

}  // namespace

template <typename T>
void ctc_loss_forward(T* loss, T* log_alpha, const T* log_probs, const int64_t* targets,
                      const int64_t* input_lengths, const int64_t* target_lengths, int64_t blank,
                      int64_t t, int64_t n, int64_t c, int64_t s) {
  const int64_t ld = 2 * s + 1;
  for_each_item(n, t * ld * n, [&](int64_t i) {
    const Item it{targets + i * s, input_lengths[i], 2 * target_lengths[i] + 1, blank};
    forward_item(loss, log_alpha, log_probs, it, i, t, n, c, ld);
  });
}

template <typename T>
void ctc_loss_backward(T* grad, const T* dloss, const T* log_probs, const int64_t* targets,
                       const int64_t* input_lengths, const int64_t* target_lengths, int64_t blank,
                       const T* log_alpha, const T* loss, int64_t t, int64_t n, int64_t c,
                       int64_t s) {
  const int64_t ld = 2 * s + 1;
  for_each_item(n, t * (ld + c) * n, [&](int64_t i) {
    const Item it{targets + i * s, input_lengths[i], 2 * target_lengths[i] + 1, blank};
    backward_item(grad, dloss, log_probs, it, log_alpha, loss, i, t, n, c, ld);
  });
}

template void ctc_loss_forward<float>(float*, float*, const float*, const int64_t*, const int64_t*,
                                      const int64_t*, int64_t, int64_t, int64_t, int64_t, int64_t);
template void ctc_loss_forward<double>(double*, double*, const double*, const int64_t*,
                                       const int64_t*, const int64_t*, int64_t, int64_t, int64_t,
                                       int64_t, int64_t);
template void ctc_loss_backward<float>(float*, const float*, const float*, const int64_t*,
                                       const int64_t*, const int64_t*, int64_t, const float*,
                                       const float*, int64_t, int64_t, int64_t, int64_t);
template void ctc_loss_backward<double>(double*, const double*, const double*, const int64_t*,
                                        const int64_t*, const int64_t*, int64_t, const double*,
                                        const double*, int64_t, int64_t, int64_t, int64_t);

}  // namespace dlcore::cpu
