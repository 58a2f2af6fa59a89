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

// For channels [c0, c1) of every row i: f(j, p) with p the l values of x[i, c0 + j, :].
template <typename T, typename F>
inline void for_block_rows(const T* x, int64_t n, int64_t c, int64_t l, int64_t c0, int64_t c1,
                           F&& f) {
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < c1 - c0; ++j) f(j, (i * c + c0 + j) * l);
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
    for_block_rows(x, n, c, l, c0, c1, [&](int64_t j, int64_t o) { mu[j] += sum_of(x + o, l); });
    for (int64_t j = 0; j < cb; ++j) mu[j] /= count;  // 0 / 0: nan statistics for an empty batch
    for_block_rows(x, n, c, l, c0, c1, [&](int64_t j, int64_t o) {
      const auto [s1, s2] = sum_dev(x + o, l, mu[j]);
      sd[j] += s1;
      ss[j] += s2;
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
      shift[j] = T((bias ? double(bias[c0 + j]) : 0.0) - ((mu[j] - double(m[j])) + r) * sc);
    }
    for_block_rows(x, n, c, l, c0, c1, [&](int64_t j, int64_t o) {
      affine_row(y + o, x + o, l, m[j], scale[j], shift[j]);
    });
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
    for_block_rows(x, n, c, l, c0, c1, [&](int64_t j, int64_t o) {
      affine_row(y + o, x + o, l, mean[c0 + j], scale[j], bias ? bias[c0 + j] : T(0));
    });
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
    for_block_rows(x, n, c, l, c0, c1, [&](int64_t j, int64_t o) {
      const double m = double(mean[c0 + j]);
      const T *g = dy + o, *p = x + o;
      double a = 0, b = 0, e = 0;
#pragma omp simd reduction(+ : a, b, e)
      for (int64_t k = 0; k < l; ++k) {
        const double d = double(p[k]) - m;
        a += double(g[k]);
        b += double(g[k]) * d;
        e += d;
      }
      sdy[j] += a;
      sdyd[j] += b;
      sd[j] += e;
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
    for_block_rows(x, n, c, l, c0, c1, [&](int64_t j, int64_t o) {
      const T m = mean[c0 + j], a = a0[j], b = k2[j], s = k1[j];
      const T *g = dy + o, *p = x + o;
      T* d = dx + o;
#pragma omp simd
      for (int64_t k = 0; k < l; ++k) d[k] = (g[k] - a - (p[k] - m) * b) * s;
    });
  });
}
