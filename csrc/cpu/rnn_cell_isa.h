// Private: the AVX2+FMA build of the recurrent cell rows (rnn_cell_avx2.cpp), entered from
// rnn_cell.cpp only when active_isa() >= avx2. Rows [r0, r1) of one step; contracts in
// rnn_cell.h.
#pragma once
#include <cstdint>

#include "cpu/rnn_cell.h"

namespace dlcore::cpu::avx2 {

template <typename T>
void cell_forward_rows(const CellForwardStep<T>& s, int64_t r0, int64_t r1);
template <typename T>
void cell_backward_rows(const CellBackwardStep<T>& s, int64_t r0, int64_t r1);

}  // namespace dlcore::cpu::avx2
