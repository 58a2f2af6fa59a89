// AVX2+FMA build of the batch-norm kernels (bodies in batch_norm_kernels.inl).
#include <algorithm>
#include <cmath>
#include <functional>
#include <utility>
#include <vector>

#include "cpu/batch_norm_isa.h"
#include "cpu/threads.h"

namespace dlcore::cpu::avx2 {

#include "cpu/batch_norm_kernels.inl"

DLCORE_BATCH_NORM_INSTANTIATE(float)
DLCORE_BATCH_NORM_INSTANTIATE(double)

}  // namespace dlcore::cpu::avx2
