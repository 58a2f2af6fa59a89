// cpuid/xgetbv probe and the active-ISA switch.
#include "cpu/isa.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#if defined(DLCORE_X86)
#include <cpuid.h>
#endif

namespace dlcore::cpu {
namespace {

#if defined(DLCORE_X86)
unsigned long long xgetbv0() {
  unsigned eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}
#endif

Isa probe() {
#if defined(DLCORE_X86)
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return Isa::generic;
  const bool osxsave = c & (1u << 27), fma = c & (1u << 12), avx = c & (1u << 28);
  if (!(osxsave && avx && fma)) return Isa::generic;
  const unsigned long long xcr0 = xgetbv0();
  if ((xcr0 & 0x6) != 0x6) return Isa::generic;             // XMM and YMM state
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return Isa::generic;
  const bool avx2 = b & (1u << 5);
  if (!avx2) return Isa::generic;
  const bool avx512 = (b & (1u << 16)) && (b & (1u << 17)) && (b & (1u << 30)) && (b & (1u << 31));
  if (avx512 && (xcr0 & 0xe6) == 0xe6) return Isa::avx512;  // opmask, ZMM_Hi256, Hi16_ZMM
  return Isa::avx2;
#else
  return Isa::generic;
#endif
}

Isa initial_active() {
  Isa isa = detected_isa();
  if (const char* env = std::getenv("DLCORE_ISA")) {
    Isa wanted;
    if (parse_isa(env, &wanted) && wanted < isa) isa = wanted;
  }
  return isa;
}

std::atomic<Isa> g_active{initial_active()};

}  // namespace

Isa detected_isa() {
  static const Isa isa = probe();
  return isa;
}

Isa active_isa() { return g_active.load(std::memory_order_relaxed); }

void set_active_isa(Isa isa) {
  g_active.store(isa < detected_isa() ? isa : detected_isa(), std::memory_order_relaxed);
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    default: return "generic";
  }
}

bool parse_isa(const std::string& name, Isa* out) {
  if (name == "generic") *out = Isa::generic;
  else if (name == "avx2") *out = Isa::avx2;
  else if (name == "avx512") *out = Isa::avx512;
  else return false;
  return true;
}

}  // namespace dlcore::cpu
