// The gemm configuration (gemm.h: GemmConfig, gemm_config, gemm_tune, gemm_set_isa,
// gemm_blocking, gemm_threads): the blocking derived from the cache sizes and the micro-kernel,
// the store of installed configs, and the thread choice (gemm_internal.h: threads_for and the
// thread gate that falls back to one thread while the machine is oversubscribed).
#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "cpu/cache_info.h"
#include "cpu/gemm.h"
#include "cpu/gemm_internal.h"
#include "cpu/gemm_kernels.h"
#include "cpu/isa.h"
#include "cpu/threads.h"

namespace dlcore::cpu {
namespace {

using gemm_detail::blocking_of;
using gemm_detail::MicroKernel;
using gemm_detail::seconds_now;
using gemm_detail::threads_for;

// Work (2mnk) each thread must have before it is started (thread wake-up is ~10-50 us).
constexpr double kThreadFlops = 3.0e6;

// Falls back to one thread while the machine is oversubscribed. A threaded call in which the
// first thread spent more than 200 us and a fifth of the call not working (waiting at a
// barrier or the join for a thread that was not scheduled) is a strike; the second strike in
// a row closes the gate for a back-off period: doubled by each closing up to 1 s, halved by
// each threaded call without such a wait down to 10 ms. A single wait is forgiven because the
// first threaded call after an idle spell pays the wake-up of the sleeping workers (measured
// here: 1-1.5 ms on a 2 ms call of 512^3), which says nothing about the other core being busy.
// On a quiet machine the gate stays open; on a saturated one few calls pay the wait. Results
// do not depend on the thread count, so this changes speed only.
class ThreadGate {
 public:
  bool closed() const { return seconds_now() < reopen_.load(std::memory_order_relaxed); }
  void record(double waited, double elapsed) {
    if (waited > 200e-6 && waited > 0.2 * elapsed) {
      if (strikes_.fetch_add(1, std::memory_order_relaxed) + 1 < 2) return;
      strikes_.store(0, std::memory_order_relaxed);
      const double p = period_.load(std::memory_order_relaxed);
      reopen_.store(seconds_now() + p, std::memory_order_relaxed);
      period_.store(std::min(1.0, 2 * p), std::memory_order_relaxed);
    } else {
      strikes_.store(0, std::memory_order_relaxed);
      period_.store(std::max(0.01, 0.5 * period_.load(std::memory_order_relaxed)),
                    std::memory_order_relaxed);
    }
  }

 private:
  std::atomic<double> reopen_{0.0};
  std::atomic<double> period_{0.01};
  std::atomic<int> strikes_{0};
};

ThreadGate& thread_gate() {
  static ThreadGate g;
  return g;
}

int64_t clamp64(int64_t x, int64_t lo, int64_t hi) { return std::max(lo, std::min(hi, x)); }

constexpr int64_t kFusedL2Max = int64_t(512) << 10;

template <typename T>
GemmBlocking blocking_for(const MicroKernel<T>& K, const GemmTuning& tu) {
  const CacheInfo& ci = cache_info();
  const int64_t s = sizeof(T), mr = K.mr, nr = K.nr;
  // shared mode: an mr x kc A sliver takes 3/4 of L1 (it stays there while a group of B
  // slivers streams past it from L2); deep, because every kc step re-reads and re-writes C
  int64_t kc = tu.kc > 0 ? tu.kc : clamp64(ci.l1d * 3 / 4 / (mr * s), 64, 1024) / 8 * 8;
  // fused mode: a kc x nr B sliver takes half of L1 (C is written once per sliver group)
  const int64_t kc_fused = tu.kc > 0 ? tu.kc : clamp64(ci.l1d / 2 / (nr * s), 64, 1024) / 8 * 8;
  // a group of B slivers takes a quarter of L2 (gemm_tune A/B, paired: half of L2 3-4% slower
  // at 2048^3, a quarter of that 4% slower at 3200x256x2048 (k = 256), level elsewhere)
  const int64_t b_group =
      tu.b_group > 0 ? tu.b_group : std::max<int64_t>(1, ci.l2 / 4 / (kc * nr * s));
  // the mc x kc A block takes a sixteenth of L3 (it is re-read from there for every B group)
  int64_t mc = tu.mc > 0 ? tu.mc : ci.l3 / 16 / (kc * s);
  mc = std::max(mr, mc / mr * mr);
  // the kc x nc B panel takes a quarter of L3, at most 4080 columns
  int64_t nc = tu.nc > 0 ? tu.nc : clamp64(ci.l3 / 4 / (kc * s), nr, 4080);
  nc = std::max(nr, nc / nr * nr);
  // the fused mode (no shared B panel) up to this m: the packed m x kc_fused A block takes at
  // most 5/8 of L2, counted as at most 512 KiB. The cap: on a Xeon host with 2 MiB of L2
  // (AVX-512, 14x32 tiles, fused kc 192) 5/8 of L2 meant the fused mode up to 1694 rows, and
  // the shared mode measured +4 to +17% at m = 448 to 1024 (paired, 1 thread, in one build:
  // 1024^3 NN/TN/NT/TT, 768^3, 448x1024x1024): the fused mode's shallow kc sends C through
  // the caches once per kc step, 5-6 times at k = 1024 against twice at the shared kc
  const int64_t l2_fused = std::min(ci.l2, kFusedL2Max);
  const int64_t fused_rows = tu.fused_rows >= 0
                                 ? tu.fused_rows
                                 : std::max(mr, l2_fused * 5 / 8 / (kc_fused * s) / mr * mr);
  return {mr, nr, mc, kc, nc, kc_fused, b_group, fused_rows, K.name};
}

GemmConfig make_config(Isa isa, const GemmTuning& t) {
  GemmConfig c{};
  c.isa = isa;
  c.tuning = t;
  c.f32 = blocking_for(gemm_detail::kernel_for<float>(isa, t.avx512_twin), t);
  c.f64 = blocking_for(gemm_detail::kernel_for<double>(isa, t.avx512_twin), t);
  c.thread_flops = t.thread_flops >= 0 ? t.thread_flops : kThreadFlops;
  return c;
}

// The config in force, and every config ever installed (kept so that a reference taken by a
// running call never dangles; gemm_tune is a measurement instrument, called a few hundred
// times at most).
struct ConfigStore {
  std::mutex mu;
  std::vector<std::unique_ptr<const GemmConfig>> all;
  std::atomic<const GemmConfig*> current{nullptr};

  ConfigStore() { install(make_config(active_isa(), GemmTuning{})); }
  void install(const GemmConfig& c) {
    std::lock_guard<std::mutex> lock(mu);
    all.push_back(std::make_unique<const GemmConfig>(c));
    current.store(all.back().get(), std::memory_order_release);
  }
};

ConfigStore& config_store() {
  static ConfigStore s;
  return s;
}

}  // namespace

namespace gemm_detail {

bool thread_gate_closed() { return thread_gate().closed(); }
void thread_gate_record(double waited, double elapsed) { thread_gate().record(waited, elapsed); }

// Threads for an (m, n, k) product under cfg and the budget.
int threads_for(const GemmConfig& cfg, int64_t m, int64_t n, int64_t k) {
  const int budget = max_threads();
  if (budget <= 1) return 1;
  const double per = cfg.thread_flops;
  const double flops = 2.0 * double(m) * double(n) * double(k);
  const double by_work = per > 0 ? flops / per : double(budget);
  return int(std::max(1.0, std::min(double(budget), by_work)));
}

}  // namespace gemm_detail

const GemmConfig& gemm_config() { return *config_store().current.load(std::memory_order_acquire); }

void gemm_tune(const GemmTuning& t) {
  if (t.mc < 0 || t.kc < 0 || t.nc < 0 || t.b_group < 0 || t.fuse_group < 0)
    throw std::invalid_argument("[gemm_tune] block sizes must be >= 0");
  if (t.avx512_twin && active_isa() < Isa::avx2)
    throw std::invalid_argument(std::string("[gemm_tune] avx512_twin runs on avx2; the active "
                                            "ISA is ") +
                                isa_name(active_isa()));
  config_store().install(make_config(active_isa(), t));
}

void gemm_set_isa(Isa isa) {
  ConfigStore& store = config_store();
  set_active_isa(isa);
  GemmTuning t = store.current.load(std::memory_order_acquire)->tuning;
  if (active_isa() < Isa::avx2) t.avx512_twin = false;  // the twin needs avx2
  store.install(make_config(active_isa(), t));
}

int gemm_threads(int64_t m, int64_t n, int64_t k) { return threads_for(gemm_config(), m, n, k); }

template <typename T>
GemmBlocking gemm_blocking() {
  return blocking_of<T>(gemm_config());
}

template GemmBlocking gemm_blocking<float>();
template GemmBlocking gemm_blocking<double>();

}  // namespace dlcore::cpu
