// Private to the gemm driver (gemm.cpp): what it takes from gemm_config.cpp besides gemm.h (the
// blocking of a config for a type, the thread choice and the thread gate), and the clock.
#pragma once
#include <chrono>
#include <cstdint>

#include "cpu/gemm.h"

namespace dlcore::cpu::gemm_detail {

// Seconds on the steady clock (an arbitrary origin): for intervals only.
inline double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The blocking of cfg for T (float: cfg.f32, double: cfg.f64).
template <typename T>
const GemmBlocking& blocking_of(const GemmConfig& cfg);
template <>
inline const GemmBlocking& blocking_of<float>(const GemmConfig& cfg) {
  return cfg.f32;
}
template <>
inline const GemmBlocking& blocking_of<double>(const GemmConfig& cfg) {
  return cfg.f64;
}

// Threads for an (m, n, k) product under cfg and the budget (threads.h): >= 1.
int threads_for(const GemmConfig& cfg, int64_t m, int64_t n, int64_t k);

// The process-wide thread gate (gemm_config.cpp says when it closes). While closed, a product
// runs on one thread (unless cfg.tuning.thread_gate == 0); after each threaded product the
// driver records the first thread's seconds not working (waited) out of the call's (elapsed).
bool thread_gate_closed();
void thread_gate_record(double waited, double elapsed);

}  // namespace dlcore::cpu::gemm_detail
