// Private to the gemm family: the micro-kernel contract and the per-ISA kernel table.
// A micro-kernel computes the MR-row tiles of C against one B sliver of depth k;
// csrc/cpu/gemm.cpp (the Goto/BLIS driver) packs, blocks and threads around it.
#pragma once
#include <cstdint>

#include "cpu/isa.h"

namespace dlcore::cpu::gemm_detail {

// One kernel call: C[i, j] = alpha * sum_q A(i, q) * B(q, j) + beta * C[i, j] for i < m,
// j < n, computed as ceil(m / MR) x b_slivers register tiles of MR rows and NR columns (the
// last row tile may be partial), row tile outer, B sliver inner.
//   A(i, q) = a[(i / MR) * a_tile + (i % MR) * rs_a + q * cs_a]; rows i >= m are never read
//   (kernels reuse the tile's first row). Packed A: rs_a == 1, cs_a == MR, a_tile == MR * k.
//   B(q, j) = b[(j / NR) * b_stride + q * rs_b + j % NR], unit stride along j; in each sliver
//   columns >= nb are never read, and nb >= the sliver's columns of n (a zero-padded packed
//   sliver passes nb = NR even on the edge). b_slivers > 1 only with packed slivers (nb == NR).
//   C is row-major with leading dimension ldc; beta == 0 writes C without reading it.
//   k >= 1, m >= 1, (b_slivers - 1) * NR < n <= (b_slivers - 1) * NR + nb, nb <= NR.
// Prefetch hints (never read or written): c_next, the C tile (m_next rows, same ldc, width
// n, at most NR) that the next call writes first, or nullptr; pf, memory the caller needs
// next, brought into L2 spread over the row tiles (a share before each row tile's first
// sliver).
// copy: packing work the caller hands over (not a hint: it must be done), a share before each
// row tile, so that its loads and stores overlap the tiles' arithmetic (b_slivers == 1 only).
template <typename T>
struct PrefetchRegion {  // rows of len contiguous elements, ld apart; rows == 0: none
  const T* base = nullptr;
  int64_t rows = 0, len = 0, ld = 0;
};

// Rows [q0, q1) of whole NR-wide slivers copied from a row-major source (NR: the kernel's):
// for q0 <= q < q1 and i < slivers, dst[i * dst_sliver + q * NR + x] = src[q * ld + i * NR + x]
// for x < NR. The source and dst never overlap the call's A, B or C. q1 <= q0: nothing.
// Only calls with a full packed B sliver (nb == NR) may carry one.
template <typename T>
struct CopyJob {
  const T* src = nullptr;
  int64_t ld = 0;
  T* dst = nullptr;
  int64_t dst_sliver = 0, slivers = 0;
  int64_t q0 = 0, q1 = 0;
};

template <typename T>
struct MicroArgs {
  int64_t k;
  const T* a;
  int64_t rs_a, cs_a, a_tile;
  const T* b;
  int64_t rs_b, nb;
  T* c;
  int64_t ldc, m, n;
  T alpha, beta;
  const T* c_next;
  int64_t m_next;
  PrefetchRegion<T> pf;
  CopyJob<T> copy;
  int64_t b_slivers = 1, b_stride = 0;
};

template <typename T>
using MicroKernelFn = void (*)(const MicroArgs<T>& args);

// Packs one sliver of w rows read across: dst[q * w + x] = src[x * ld + q] for q < kc, x < w;
// rows x >= valid are written as zero. Returns false (writing nothing) for a w it lacks.
template <typename T>
using PackGatherFn = bool (*)(T* dst, const T* src, int64_t ld, int64_t valid, int64_t kc,
                              int64_t w);

// A kernel and its register block. packed_a is the variant for A packed as MR-row slivers
// (rs_a == 1, cs_a == MR); strided_a accepts any rs_a/cs_a (the unpacked small-matrix path).
// gather: a vector packing routine for slivers read across rows (nullptr: the scalar one).
template <typename T>
struct MicroKernel {
  int mr, nr;
  MicroKernelFn<T> packed_a;
  MicroKernelFn<T> strided_a;
  const char* name;
  PackGatherFn<T> gather;
};

// The table of one ISA (each lives in gemm_kernel_<isa>.cpp; avx2/avx512 only on x86).
template <typename T>
const MicroKernel<T>& kernel_generic();
template <>
const MicroKernel<float>& kernel_generic<float>();
template <>
const MicroKernel<double>& kernel_generic<double>();
#if defined(DLCORE_X86)
template <typename T>
const MicroKernel<T>& kernel_avx2();
template <>
const MicroKernel<float>& kernel_avx2<float>();
template <>
const MicroKernel<double>& kernel_avx2<double>();
template <typename T>
const MicroKernel<T>& kernel_avx512();
bool gather_sliver_f32_avx2(float* dst, const float* src, int64_t ld, int64_t valid, int64_t kc,
                            int64_t w);  // gemm_pack_avx2.cpp
template <>
const MicroKernel<float>& kernel_avx512<float>();
template <>
const MicroKernel<double>& kernel_avx512<double>();
// the AVX-512 register blocks on AVX2 (gemm_kernel_twin_avx2.cpp; tests only)
template <typename T>
const MicroKernel<T>& kernel_avx512_twin();
template <>
const MicroKernel<float>& kernel_avx512_twin<float>();
template <>
const MicroKernel<double>& kernel_avx512_twin<double>();
#endif

// The kernel for the active ISA; avx512_twin (needs avx2): the AVX-512 blocks' AVX2 twin.
template <typename T>
inline const MicroKernel<T>& kernel_for(Isa isa, bool avx512_twin = false) {
#if defined(DLCORE_X86)
  if (avx512_twin && isa >= Isa::avx2) return kernel_avx512_twin<T>();
  if (isa == Isa::avx512) return kernel_avx512<T>();
  if (isa == Isa::avx2) return kernel_avx2<T>();
#endif
  (void)isa;
  (void)avx512_twin;
  return kernel_generic<T>();
}

// Internal linkage on purpose: every kernel file is compiled with its own ISA flags, so each
// gets a private copy (a shared inline instantiation could be taken from the AVX-512 object).
namespace {

// Writes the m x n corner of an accumulator tile (row-major, stride NR) into C (ldc).
template <typename T, int NR>
inline void store_tile(const T* acc, T* c, int64_t ldc, int64_t m, int64_t n, T alpha, T beta) {
  for (int64_t i = 0; i < m; ++i) {
    T* crow = c + i * ldc;
    const T* arow = acc + i * NR;
    if (beta == T(0))
      for (int64_t j = 0; j < n; ++j) crow[j] = alpha * arow[j];
    else
      for (int64_t j = 0; j < n; ++j) crow[j] = alpha * arow[j] + beta * crow[j];
  }
}

// Rows [q0, q1) of slivers [s0, s1) of width W (W = 0: the run-time w), from a source whose
// sliver rows are contiguous, into slivers dst_sliver elements apart:
// dst[t * dst_sliver + q * w + x] = src[q * ld + t * w + x] for x < w. Row by row across the
// slivers, so the source is read in runs of (s1 - s0) * w elements (the driver's B packing
// and the kernels' copy jobs).
template <typename T, int W>
inline void copy_sliver_rows(T* __restrict dst, int64_t dst_sliver, const T* __restrict src,
                             int64_t ld, int64_t q0, int64_t q1, int64_t s0, int64_t s1,
                             int64_t w) {
  const int64_t width = W > 0 ? W : w;
  for (int64_t q = q0; q < q1; ++q)
    for (int64_t t = s0; t < s1; ++t) {
      T* d = dst + t * dst_sliver + q * width;
      const T* x = src + q * ld + t * width;
      for (int64_t c = 0; c < width; ++c) d[c] = x[c];
    }
}

// Does share t of job j, the rows [q0 + t * per, q0 + (t + 1) * per) that lie below q1 (the
// caller picks per, e.g. ceil((q1 - q0) / shares)); NR is the kernel's sliver width. The source
// rows of share t + 1 are prefetched first (one share ahead: a whole group ahead, the rows of a
// power-of-two ld fall into few L2 sets and evict each other before they are copied).
template <typename T, int NR>
inline void copy_share(const CopyJob<T>& j, int64_t t, int64_t per) {
  const int64_t q_begin = j.q0 + t * per;
  if (q_begin >= j.q1) return;
  const int64_t q_end = q_begin + per < j.q1 ? q_begin + per : j.q1;
  const int64_t q_next = q_end + per < j.q1 ? q_end + per : j.q1;
  const int64_t bytes = j.slivers * NR * int64_t(sizeof(T));
  for (int64_t q = q_end; q < q_next; ++q)
    for (int64_t b = 0; b < bytes; b += 64)
      __builtin_prefetch(reinterpret_cast<const char*>(j.src + q * j.ld) + b, 0, 3);
  copy_sliver_rows<T, NR>(j.dst, j.dst_sliver, j.src, j.ld, q_begin, q_end, 0, j.slivers, NR);
}

}  // namespace
}  // namespace dlcore::cpu::gemm_detail
