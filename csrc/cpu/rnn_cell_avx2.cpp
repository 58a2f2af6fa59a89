// AVX2+FMA build of the recurrent cell rows (bodies in rnn_cell_kernels.inl).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "cpu/rnn_cell_isa.h"

namespace dlcore::cpu::avx2 {

#include "cpu/rnn_cell_kernels.inl"

template <typename T>
void cell_forward_rows(const CellForwardStep<T>& s, int64_t r0, int64_t r1) {
  forward_rows(s, r0, r1);
}

template <typename T>
void cell_backward_rows(const CellBackwardStep<T>& s, int64_t r0, int64_t r1) {
  backward_rows(s, r0, r1);
}

template void cell_forward_rows<float>(const CellForwardStep<float>&, int64_t, int64_t);
template void cell_forward_rows<double>(const CellForwardStep<double>&, int64_t, int64_t);
template void cell_backward_rows<float>(const CellBackwardStep<float>&, int64_t, int64_t);
template void cell_backward_rows<double>(const CellBackwardStep<double>&, int64_t, int64_t);

}  // namespace dlcore::cpu::avx2
