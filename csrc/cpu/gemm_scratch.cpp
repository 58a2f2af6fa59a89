// The gemm driver's scratch buffers (gemm_internal.h: Scratch, a_scratch, b_scratch): one per
// thread and kind, grown on demand and kept for the life of the thread; the large ones on
// transparent huge pages where the OS has them.
#include <cstdlib>
#include <new>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "common.h"
#include "cpu/gemm_internal.h"

namespace dlcore::cpu::gemm_detail {
namespace {

// Scratch buffers of at least this size are aligned to it and advised as transparent huge
// pages where the OS has them (Linux), as numpy advises its arrays of 4 MiB and more. With
// this machine's blocking that is the shared mode's B panel (KC x NC, up to 8 MiB), whose
// groups the kernels read across the whole panel, and the fused mode's whole A; the shared
// mode's A block (510 x 1024 floats) stays just under, and putting it on huge pages too
// (from 1 MiB) measured level. In-build A/B (gemm_tune(huge_pages=0), 1 thread, 21-31
// rounds, paired; BENCHMARKS.md): 1024^3 +1 to +3%, 2048^3 -1 to +4%, 3200x256x2048 +0.5 to
// +2%, 1024^3 TN +1.5 to +2%, more while other tenants load the memory system.
constexpr int64_t kHugePage = int64_t(2) << 20;

}  // namespace

Scratch::~Scratch() { std::free(p); }

void* Scratch::reserve(int64_t want) {
  want = round_up(want, 64);
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
  return p;
}

namespace {

// One kind of buffer per thread; gemm_tune(huge_pages=0) switches to one on ordinary pages
// (kept apart, so that an A/B does not reallocate at every switch).
struct ScratchKind {
  Scratch huge{true}, plain{false};
  Scratch& get(const GemmConfig& cfg) { return cfg.tuning.huge_pages != 0 ? huge : plain; }
};

}  // namespace

// The packed A block, and the packed B panel or groups.
Scratch& a_scratch(const GemmConfig& cfg) {
  thread_local ScratchKind s;
  return s.get(cfg);
}
Scratch& b_scratch(const GemmConfig& cfg) {
  thread_local ScratchKind s;
  return s.get(cfg);
}

}  // namespace dlcore::cpu::gemm_detail
