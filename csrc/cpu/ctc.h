// CTC loss (Graves et al. 2006) in log space, one batch item per task (items run in parallel).
// log_probs (T, N, C) row-major (log-softmax output); targets (N, S) padded, row n holding
// target_lengths[n] labels in [0, C), none equal to blank; 0 <= input_lengths[n] <= T,
// 0 <= target_lengths[n] <= S. The extended label sequence of item n has 2 * target_lengths[n]
// + 1 positions (blank, l1, blank, l2, ..., blank). Arguments are valid (the binding checks
// them); outputs are overwritten. The recursions run in double whatever T is.
#pragma once
#include <cstdint>

namespace dlcore::cpu {

// loss (N,): -log p(target | input), +inf when no alignment exists (0 for an empty input with
// an empty target). log_alpha (N, T, 2S+1): the forward variables log alpha_t(s) (Graves' eq. 6
// and 7, alpha_t including y_t), -inf at t >= input_lengths[n] and s > 2 * target_lengths[n].
template <typename T>
void ctc_loss_forward(T* loss, T* log_alpha, const T* log_probs, const int64_t* targets,
                      const int64_t* input_lengths, const int64_t* target_lengths, int64_t blank,
                      int64_t t, int64_t n, int64_t c, int64_t s);

// grad (T, N, C) = dloss[n] * d loss[n] / d log_probs[t, n, c] (the true gradient: the
// posterior of class c at step t, negated), 0 at t >= input_lengths[n]; where loss[n] is +inf
// (no alignment) the rows t < input_lengths[n] are nan, as torch's. log_alpha and loss are the
// forward's outputs; the backward variables beta run over two rows of scratch per item.
template <typename T>
void ctc_loss_backward(T* grad, const T* dloss, const T* log_probs, const int64_t* targets,
                       const int64_t* input_lengths, const int64_t* target_lengths, int64_t blank,
                       const T* log_alpha, const T* loss, int64_t t, int64_t n, int64_t c,
                       int64_t s);

}  // namespace dlcore::cpu
