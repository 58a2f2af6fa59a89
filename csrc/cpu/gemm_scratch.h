// Private to the gemm driver: the scratch buffers it packs A and B into (gemm.cpp), one per
// thread and kind, grown on demand and kept for the life of the thread (gemm_scratch.cpp); the
// large ones on transparent huge pages where the OS has them. Scratch::get is defined here so
// that it inlines into the driver.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <new>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "common.h"
#include "cpu/gemm.h"

namespace dlcore::cpu::gemm_detail {

// Scratch buffers of at least this size are aligned to it and advised as transparent huge
// pages where the OS has them (Linux), as numpy advises its arrays of 4 MiB and more. With
// this machine's blocking that is the shared mode's B panel (KC x NC, up to 8 MiB), whose
// groups the kernels read across the whole panel, and the fused mode's whole A; the shared
// mode's A block (510 x 1024 floats) stays just under, and putting it on huge pages too
// (from 1 MiB) measured level. In-build A/B (gemm_tune(huge_pages=0), 1 thread, 21-31
// rounds, paired; BENCHMARKS.md): 1024^3 +1 to +3%, 2048^3 -1 to +4%, 3200x256x2048 +0.5 to
// +2%, 1024^3 TN +1.5 to +2%, more while other tenants load the memory system.
inline constexpr int64_t kHugePage = int64_t(2) << 20;

// A scratch buffer that only grows (one per thread and kind, reused across calls): 64-byte
// aligned, or with huge_ok, a whole number of huge pages once it is that large.
struct Scratch {
  bool huge_ok = true;
  void* p = nullptr;
  int64_t bytes = 0;
  ~Scratch() { std::free(p); }
  template <typename T>
  T* get(int64_t count) {
    int64_t want = round_up(count * int64_t(sizeof(T)), 64);
    const bool huge = huge_ok && want >= kHugePage;
    if (huge) want = round_up(want, kHugePage);
    if (want > bytes) {
      std::free(p);
      bytes = 0;
      p = std::aligned_alloc(huge ? kHugePage : 64, want);
      if (!p) throw std::bad_alloc();
#if defined(MADV_HUGEPAGE)
      if (huge) madvise(p, want, MADV_HUGEPAGE);  // a hint: failure leaves ordinary pages
#endif
      bytes = want;
    }
    return static_cast<T*>(p);
  }
};

// The calling thread's buffer for the packed A block, and for the packed B panel or groups;
// on huge pages unless cfg.tuning.huge_pages == 0. Valid for the life of the thread; a get
// may move the buffer and does not keep its contents.
Scratch& a_scratch(const GemmConfig& cfg);
Scratch& b_scratch(const GemmConfig& cfg);

}  // namespace dlcore::cpu::gemm_detail
