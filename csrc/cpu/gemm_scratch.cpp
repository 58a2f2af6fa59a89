// The gemm driver's per-thread scratch buffers (gemm_scratch.h: a_scratch, b_scratch).
#include "cpu/gemm_scratch.h"

namespace dlcore::cpu::gemm_detail {
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
