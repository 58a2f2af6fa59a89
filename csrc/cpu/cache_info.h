// Data-cache sizes of the CPU this process runs on, for kernel blocking (gemm).
#pragma once
#include <cstdint>

namespace dlcore::cpu {

// Sizes in bytes of the per-core L1 data and L2 caches and the (shared) L3. Read once from
// cpuid (leaf 0x8000001D on AMD, leaf 4 on Intel), else sysconf, else 32 KiB / 512 KiB / 8 MiB.
struct CacheInfo {
  int64_t l1d, l2, l3;
  const char* source;  // "cpuid", "sysconf" or "default"
};

const CacheInfo& cache_info();

}  // namespace dlcore::cpu
