// cpuid / sysconf probe of the data-cache sizes (csrc/cpu/cache_info.h).
#include "cpu/cache_info.h"

#include <unistd.h>

#if defined(DLCORE_X86)
#include <cpuid.h>
#endif

namespace dlcore::cpu {
namespace {

#if defined(DLCORE_X86)
// Walks the deterministic cache-parameter leaf (4 on Intel, 0x8000001D on AMD).
bool from_cpuid(CacheInfo* out) {
  unsigned a, b, c, d;
  if (!__get_cpuid(0, &a, &b, &c, &d)) return false;
  const bool amd = b == 0x68747541u;  // "Auth"enticAMD
  unsigned leaf = 4;
  if (amd) {
    if (!__get_cpuid(0x80000001u, &a, &b, &c, &d) || !(c & (1u << 22))) return false;  // TopoExt
    leaf = 0x8000001Du;
  } else if (a < 4) {
    return false;
  }
  CacheInfo ci{0, 0, 0, "cpuid"};
  for (unsigned sub = 0; sub < 16; ++sub) {
    __cpuid_count(leaf, sub, a, b, c, d);
    const unsigned type = a & 0x1f, level = (a >> 5) & 0x7;
    if (type == 0) break;
    if (type != 1 && type != 3) continue;  // data or unified
    const int64_t ways = ((b >> 22) & 0x3ff) + 1, parts = ((b >> 12) & 0x3ff) + 1,
                  line = (b & 0xfff) + 1, sets = int64_t(c) + 1;
    const int64_t size = ways * parts * line * sets;
    if (level == 1) ci.l1d = size;
    else if (level == 2) ci.l2 = size;
    else if (level == 3) ci.l3 = size;
  }
  if (ci.l1d <= 0 || ci.l2 <= 0) return false;
  if (ci.l3 <= 0) ci.l3 = ci.l2;
  *out = ci;
  return true;
}
#endif

CacheInfo probe() {
  CacheInfo ci{32 << 10, 512 << 10, 8 << 20, "default"};
#if defined(DLCORE_X86)
  if (from_cpuid(&ci)) return ci;
#endif
#if defined(_SC_LEVEL1_DCACHE_SIZE) && defined(_SC_LEVEL2_CACHE_SIZE)
  const long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE), l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
  if (l1 > 0 && l2 > 0) {
    ci = {l1, l2, l2, "sysconf"};
#if defined(_SC_LEVEL3_CACHE_SIZE)
    const long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
    if (l3 > 0) ci.l3 = l3;
#endif
  }
#endif
  return ci;
}

}  // namespace

const CacheInfo& cache_info() {
  static const CacheInfo ci = probe();
  return ci;
}

}  // namespace dlcore::cpu
