// AVX2 transforms of Winograd F(2x2, 3x3) (conv_winograd.h) over 8 adjacent tiles of one tile
// row, one tile per lane: the patch columns 2j + b are de-interleaved from contiguous loads,
// the 2x2 outputs interleaved back into two output rows.
#include <immintrin.h>

#include "cpu/conv_winograd.h"

namespace dlcore::cpu::avx2 {
namespace {

// (even, odd) lanes of the 16 floats at p: even[j] = p[2j], odd[j] = p[2j + 1].
inline void deinterleave(const float* p, __m256* even, __m256* odd) {
  const __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
  const __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
  const __m256 o = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
  *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
  *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), _MM_SHUFFLE(3, 1, 2, 0)));
}

// p[2j] = a[j], p[2j + 1] = b[j] for j < 8.
inline void interleave_store(float* p, __m256 a, __m256 b) {
  const __m256 lo = _mm256_unpacklo_ps(a, b), hi = _mm256_unpackhi_ps(a, b);
  _mm256_storeu_ps(p, _mm256_permute2f128_ps(lo, hi, 0x20));
  _mm256_storeu_ps(p + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
}

}  // namespace

void winograd_input8(float* v, int64_t ld, const float* src, int64_t w) {
  __m256 d[4][4];
  for (int a = 0; a < 4; ++a) {
    deinterleave(src + a * w, &d[a][0], &d[a][1]);
    deinterleave(src + a * w + 2, &d[a][2], &d[a][3]);
  }
  __m256 t[4][4];  // B^T d
  for (int j = 0; j < 4; ++j) {
    t[0][j] = _mm256_sub_ps(d[0][j], d[2][j]);
    t[1][j] = _mm256_add_ps(d[1][j], d[2][j]);
    t[2][j] = _mm256_sub_ps(d[2][j], d[1][j]);
    t[3][j] = _mm256_sub_ps(d[1][j], d[3][j]);
  }
  for (int i = 0; i < 4; ++i) {
    _mm256_storeu_ps(v + (4 * i + 0) * ld, _mm256_sub_ps(t[i][0], t[i][2]));
    _mm256_storeu_ps(v + (4 * i + 1) * ld, _mm256_add_ps(t[i][1], t[i][2]));
    _mm256_storeu_ps(v + (4 * i + 2) * ld, _mm256_sub_ps(t[i][2], t[i][1]));
    _mm256_storeu_ps(v + (4 * i + 3) * ld, _mm256_sub_ps(t[i][1], t[i][3]));
  }
}

void winograd_output8(float* row0, float* row1, const float* m, int64_t ld, float bias, bool relu) {
  __m256 q[4][2];  // m A
  for (int a = 0; a < 4; ++a) {
    const __m256 m0 = _mm256_loadu_ps(m + (4 * a) * ld), m1 = _mm256_loadu_ps(m + (4 * a + 1) * ld);
    const __m256 m2 = _mm256_loadu_ps(m + (4 * a + 2) * ld);
    const __m256 m3 = _mm256_loadu_ps(m + (4 * a + 3) * ld);
    q[a][0] = _mm256_add_ps(_mm256_add_ps(m0, m1), m2);
    q[a][1] = _mm256_sub_ps(_mm256_sub_ps(m1, m2), m3);
  }
  const __m256 b = _mm256_set1_ps(bias), zero = _mm256_setzero_ps();
  __m256 o[2][2];
  for (int c = 0; c < 2; ++c) {
    o[0][c] = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(q[0][c], q[1][c]), q[2][c]), b);
    o[1][c] = _mm256_add_ps(_mm256_sub_ps(_mm256_sub_ps(q[1][c], q[2][c]), q[3][c]), b);
    if (relu) {
      o[0][c] = _mm256_max_ps(o[0][c], zero);
      o[1][c] = _mm256_max_ps(o[1][c], zero);
    }
  }
  interleave_store(row0, o[0][0], o[0][1]);
  interleave_store(row1, o[1][0], o[1][1]);
}

}  // namespace dlcore::cpu::avx2
