// AVX2 packing of a transposed float sliver (8x8 in-register transposes), the gather case of
// gemm.cpp's packing: an A sliver read from row-major A (w = mr = 6 rows) or a B sliver read
// from B stored (n, k) (w = nr, a multiple of 8). Compiled with -mavx2 -mfma; entered only
// through a kernel table whose ISA the CPU has.
#include <immintrin.h>

#include "cpu/gemm_kernels.h"

namespace dlcore::cpu::gemm_detail {
namespace {

// Columns q .. q+7 of rows r0 .. r0+7 (rows >= valid read as zero) -> out[c] = column q + c,
// lanes = the 8 rows.
inline void transpose8(const float* src, int64_t ld, int64_t r0, int64_t valid, __m256 out[8]) {
  __m256 r[8];
  for (int i = 0; i < 8; ++i)
    r[i] = r0 + i < valid ? _mm256_loadu_ps(src + (r0 + i) * ld) : _mm256_setzero_ps();
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  out[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
  out[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
  out[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
  out[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
  out[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
  out[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
  out[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
  out[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// Scalar columns [q0, kc) of the sliver (the tail shorter than 8).
inline void gather_tail(float* dst, const float* src, int64_t ld, int64_t valid, int64_t q0,
                        int64_t kc, int64_t w) {
  for (int64_t q = q0; q < kc; ++q)
    for (int64_t x = 0; x < w; ++x) dst[q * w + x] = x < valid ? src[x * ld + q] : 0.0f;
}

}  // namespace

bool gather_sliver_f32_avx2(float* dst, const float* src, int64_t ld, int64_t valid, int64_t kc,
                            int64_t w) {
  const int64_t q_end = kc / 8 * 8;
  if (w == 6) {
    // column c holds 8 lanes of which 6 are the sliver's; each store spills 2 lanes into the
    // next column's slot, which the next store overwrites; the last column of the sliver is
    // stored masked so nothing past dst[kc * 6) is written.
    const __m256i six = _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, 0, 0);
    __m256 col[8];
    for (int64_t q = 0; q < q_end; q += 8) {
      transpose8(src + q, ld, 0, valid < 6 ? valid : 6, col);
      float* d = dst + q * 6;
      for (int c = 0; c < 7; ++c) _mm256_storeu_ps(d + c * 6, col[c]);
      if (q + 8 < kc) _mm256_storeu_ps(d + 42, col[7]);
      else _mm256_maskstore_ps(d + 42, six, col[7]);
    }
    gather_tail(dst, src, ld, valid, q_end, kc, w);
    return true;
  }
  if (w % 8 != 0) return false;
  __m256 col[8];
  for (int64_t q = 0; q < q_end; q += 8)
    for (int64_t r0 = 0; r0 < w; r0 += 8) {
      transpose8(src + q, ld, r0, valid, col);
      for (int c = 0; c < 8; ++c) _mm256_storeu_ps(dst + (q + c) * w + r0, col[c]);
    }
  gather_tail(dst, src, ld, valid, q_end, kc, w);
  return true;
}

}  // namespace dlcore::cpu::gemm_detail
