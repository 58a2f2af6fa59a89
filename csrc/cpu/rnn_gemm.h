// Private to rnn.cpp: the per-step products of a recurrent layer, C = A op(W) + beta C with the
// same weight W at every step and few rows (the batch). W is packed once per layer call into
// the gemm micro-kernel's column slivers (gemm_kernels.h), so a step packs only its small A.
// The packed arrays are the calling thread's scratch: one PackedWeight per thread at a time,
// multiplied on that thread.
#pragma once
#include <cstdint>

namespace dlcore::cpu {

template <typename T>
class PackedWeight {
 public:
  // op(W) (k, n): w stored (k, n) with leading dimension ld, or (n, k) when trans.
  PackedWeight(const T* w, int64_t ld, bool trans, int64_t k, int64_t n);
  PackedWeight(const PackedWeight&) = delete;
  PackedWeight& operator=(const PackedWeight&) = delete;

  // c (m, n; ldc) = a (m, k; lda) op(W) + beta c (beta == 0: c is not read). Uses up to
  // max_threads() threads over column slivers; results do not depend on the thread count.
  void multiply(int64_t m, const T* a, int64_t lda, T beta, T* c, int64_t ldc);

 private:
  int64_t k_, n_, nr_, mr_, kc_;
  T* panel_;  // sliver s (columns s*nr ..): k x nr, row-major, at s * k * nr; zero-padded
};

}  // namespace dlcore::cpu
