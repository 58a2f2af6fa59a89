// Run-time instruction-set selection for the per-ISA kernel files (*_avx2.cpp, *_avx512.cpp).
// The CPU is probed once with cpuid/xgetbv; DLCORE_ISA=generic|avx2|avx512 may lower the choice
// (never raise it above what the CPU supports).
#pragma once
#include <string>

namespace dlcore::cpu {

enum class Isa { generic = 0, avx2 = 1, avx512 = 2 };

Isa detected_isa();                 // best ISA the CPU and OS support (and this build compiled)
Isa active_isa();                   // the one kernels use now
// Clamps to detected_isa(). Kernels read the ISA once per call; gemm reads it through its
// GemmConfig, so change it with cpu::gemm_set_isa (gemm.h), which rebuilds that too.
void set_active_isa(Isa isa);
const char* isa_name(Isa isa);
bool parse_isa(const std::string& name, Isa* out);

}  // namespace dlcore::cpu
