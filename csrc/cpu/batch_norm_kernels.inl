// Bodies of the batch-norm kernels (batch_norm.h), included into one namespace per ISA
// (batch_norm.cpp: portable; batch_norm_avx2.cpp: -mavx2 -mfma). Not a standalone header.
//
// Channels are split into blocks of about kBlockElems values per row (one channel when l is
// large, many when l is small); OpenMP runs the blocks in parallel and each block reads its
// rows in memory order (n outer, then channel, then l). Sums are in double: the mean first,
// then the deviations from it (corrected two-pass: no cancellation in the variance).

constexpr int64_t kBlockElems = 256;

inline void for_channel_blocks(int64_t n, int64_t c, int64_t l,
                               const std::function<void(int64_t, int64_t)>& f) {
  if (c == 0) return;
  const int64_t per_row = std::max<int64_t>(l, 1);
  const int64_t cb = std::min(c, (kBlockElems + per_row - 1) / per_row);
  const int64_t blocks = (c + cb - 1) / cb;
  const bool parallel = blocks > 1 && n * c * l >= (int64_t(1) << 15);
#pragma omp parallel for schedule(static) if (parallel) num_threads(max_threads())
  for (int64_t b = 0; b < blocks; ++b) f(b * cb, std::min(c, (b + 1) * cb));
}

// Rows shorter than this go value by value: an `omp simd` reduction's set-up (its per-lane
// partial sums) costs tens of ns per row, 25x the work at l = 1 (BatchNorm1d on (N, C)).
constexpr int64_t kSimdRow = 16;

// Every row i of channels [c0, c1) in memory order: long rows as row(j, o) with o the offset of
// the l values of x[i, c0 + j, :]; short ones as value(j, o) per value (at l = 1 a loop over
// contiguous channels, which vectorises).
template <typename Row, typename Value>
inline void for_block(int64_t n, int64_t c, int64_t l, int64_t c0, int64_t c1, Row&& row,
                      Value&& value) {
  const int64_t cb = c1 - c0;
  if (l >= kSimdRow) {
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < cb; ++j) row(j, (i * c + c0 + j) * l);
  } else if (l == 1) {
    for (int64_t i = 0; i < n; ++i) {
      const int64_t base = i * c + c0;
      for (int64_t j = 0; j < cb; ++j) value(j, base + j);
    }
  } else {
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < cb; ++j)
        for (int64_t k = 0, o = (i * c + c0 + j) * l; k < l; ++k) value(j, o + k);
  }
}

template <typename T>
double sum_of(const T* p, int64_t l) {
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t k = 0; k < l; ++k) s += double(p[k]);
  return s;
}

// (sum(x - m), sum((x - m)^2)) over l values.
template <typename T>
std::pair<double, double> sum_dev(const T* p, int64_t l, double m) {
  double s1 = 0, s2 = 0;
#pragma omp simd reduction(+ : s1, s2)
  for (int64_t k = 0; k < l; ++k) {
    const double d = double(p[k]) - m;
    s1 += d;
    s2 += d * d;
  }
  return {s1, s2};
}

// y[k] = (x[k] - m) * scale + shift over one row of l values.
template <typename T>
void affine_row(T* y, const T* x, int64_t l, T m, T scale, T shift) {
#pragma omp simd
  for (int64_t k = 0; k < l; ++k) y[k] = (x[k] - m) * scale + shift;
}

template <typename T>
void batch_norm_forward(T* y, T* mean, T* var, const T* x, const T* weight, const T* bias,
                        double eps, int64_t n, int64_t c, int64_t l) {
  const double count = double(n) * double(l);
  for_channel_blocks(n, c, l, [&](int64_t c0, int64_t c1) {
    const int64_t cb = c1 - c0;
    // Corrected two-pass (Chan, Golub, LeVeque): mu = sum / count, then with d = x - mu,
    // mean = mu + sum(d) / count and var = (sum(d^2) - sum(d)^2 / count) / count.
    std::vector<double> mu(cb, 0.0), ss(cb, 0.0), sd(cb, 0.0);
    double* const mu_p = mu.data();
    for_block(
        n, c, l, c0, c1, [&](int64_t j, int64_t o) { mu_p[j] += sum_of(x + o, l); },
        [&](int64_t j, int64_t o) { mu_p[j] += double(x[o]); });
    for (int64_t j = 0; j < cb; ++j) mu[j] /= count;  // 0 / 0: nan statistics for an empty batch
    double *const sd_p = sd.data(), *const ss_p = ss.data();
    for_block(
        n, c, l, c0, c1,
        [&](int64_t j, int64_t o) {
          const auto [s1, s2] = sum_dev(x + o, l, mu_p[j]);
          sd_p[j] += s1;
          ss_p[j] += s2;
        },
        [&](int64_t j, int64_t o) {
          const double d = double(x[o]) - mu_p[j];
          sd_p[j] += d;
          ss_p[j] += d * d;
        });
    // y = (x - m) * scale + shift with m = mu rounded to T: x - m is exact for x near the mean,
    // and the rest of the mean, (mu - m) + sum(d) / count, is folded into shift in double.
    std::vector<T> scale(cb), shift(cb), m(cb);
    for (int64_t j = 0; j < cb; ++j) {
      const double r = sd[j] / count, v = (ss[j] - sd[j] * r) / count;
      const double invstd = 1.0 / std::sqrt(v + eps);
      const double sc = invstd * (weight ? double(weight[c0 + j]) : 1.0);
      m[j] = T(mu[j]);
      mean[c0 + j] = T(mu[j] + r);
      var[c0 + j] = T(v);
      scale[j] = T(sc);
      const double rest = (mu[j] - double(m[j])) + r;  // 0 is skipped: 0 * inf would be nan
      shift[j] = T((bias ? double(bias[c0 + j]) : 0.0) - (rest != 0 ? rest * sc : 0.0));
    }
    const T *const m_p = m.data(), *const scale_p = scale.data(), *const shift_p = shift.data();
    for_block(
        n, c, l, c0, c1,
        [&](int64_t j, int64_t o) { affine_row(y + o, x + o, l, m_p[j], scale_p[j], shift_p[j]); },
        [&](int64_t j, int64_t o) { y[o] = (x[o] - m_p[j]) * scale_p[j] + shift_p[j]; });
  });
}

template <typename T>
void batch_norm_inference(T* y, const T* x, const T* mean, const T* var, const T* weight,
                          const T* bias, double eps, int64_t n, int64_t c, int64_t l) {
  for_channel_blocks(n, c, l, [&](int64_t c0, int64_t c1) {
    const int64_t cb = c1 - c0;
    std::vector<T> scale(cb);
    for (int64_t j = 0; j < cb; ++j)
      scale[j] = T((weight ? double(weight[c0 + j]) : 1.0) / std::sqrt(double(var[c0 + j]) + eps));
    const T* const scale_p = scale.data();
    const T* const m_p = mean + c0;
    const T* const b_p = bias ? bias + c0 : nullptr;
    for_block(
        n, c, l, c0, c1,
        [&](int64_t j, int64_t o) {
          affine_row(y + o, x + o, l, m_p[j], scale_p[j], b_p ? b_p[j] : T(0));
        },
        [&](int64_t j, int64_t o) { y[o] = (x[o] - m_p[j]) * scale_p[j] + (b_p ? b_p[j] : T(0)); });
  });
}

template <typename T>
void batch_norm_backward(T* dx, T* dweight, T* dbias, const T* dy, const T* x, const T* mean,
                         const T* var, const T* weight, double eps, int64_t n, int64_t c,
                         int64_t l) {
  const double count = double(n) * double(l);
  for_channel_blocks(n, c, l, [&](int64_t c0, int64_t c1) {
    // With d = x - m (m the given mean, the batch mean rounded to T) and r = mean(d) (the
    // rounding, recovered in double), x - batch mean = d - r:
    // sum dy * (x - batch mean) = sum dy * d - r * sum dy.
    const int64_t cb = c1 - c0;
    std::vector<double> sdy(cb, 0.0), sdyd(cb, 0.0), sd(cb, 0.0);
    double *const sdy_p = sdy.data(), *const sdyd_p = sdyd.data(), *const sd_p = sd.data();
    const T* const m_p = mean + c0;
    for_block(
        n, c, l, c0, c1,
        [&](int64_t j, int64_t o) {
          const double m = double(m_p[j]);
          const T *g = dy + o, *p = x + o;
          double a = 0, b = 0, e = 0;
#pragma omp simd reduction(+ : a, b, e)
          for (int64_t k = 0; k < l; ++k) {
            const double d = double(p[k]) - m;
            a += double(g[k]);
            b += double(g[k]) * d;
            e += d;
          }
          sdy_p[j] += a;
          sdyd_p[j] += b;
          sd_p[j] += e;
        },
        [&](int64_t j, int64_t o) {
          const double g = double(dy[o]), d = double(x[o]) - double(m_p[j]);
          sdy_p[j] += g;
          sdyd_p[j] += g * d;
          sd_p[j] += d;
        });
    // dx = (dy - mean(dy) - (d - r) * k2) * k1 = (dy - a0 - d * k2) * k1, a0 = mean(dy) - r * k2
    std::vector<T> k1(cb), a0(cb), k2(cb);
    for (int64_t j = 0; j < cb; ++j) {
      const double invstd = 1.0 / std::sqrt(double(var[c0 + j]) + eps);
      const double r = sd[j] / count, sdyx = sdyd[j] - r * sdy[j];
      const double kk = sdyx / count * invstd * invstd;
      if (dbias) dbias[c0 + j] = T(sdy[j]);
      if (dweight) dweight[c0 + j] = count > 0 ? T(sdyx * invstd) : T(0);
      k1[j] = T((weight ? double(weight[c0 + j]) : 1.0) * invstd);
      k2[j] = T(kk);
      a0[j] = T(sdy[j] / count - r * kk);
    }
    const T *const a_p = a0.data(), *const k1_p = k1.data(), *const k2_p = k2.data();
    for_block(
        n, c, l, c0, c1,
        [&](int64_t j, int64_t o) {
          const T m = m_p[j], a = a_p[j], b = k2_p[j], s = k1_p[j];
          const T *g = dy + o, *p = x + o;
          T* d = dx + o;
#pragma omp simd
          for (int64_t k = 0; k < l; ++k) d[k] = (g[k] - a - (p[k] - m) * b) * s;
        },
        [&](int64_t j, int64_t o) {
          dx[o] = (dy[o] - a_p[j] - (x[o] - m_p[j]) * k2_p[j]) * k1_p[j];
        });
  });
}
