// Bodies of the fused optimizer kernels, included into one namespace per ISA (optim.cpp for the
// portable build, optim_avx2.cpp with -mavx2 -mfma). Each kernel is one pass over memory: the
// loop over [b, e) is branch-free (modes are template arguments) so that it vectorises, and
// OpenMP splits large buffers into one contiguous chunk per thread. Not a standalone header.

#ifndef DLCORE_NOINLINE
#define DLCORE_NOINLINE __attribute__((noinline))
#endif

template <typename F>
inline void for_chunks(int64_t n, F&& f) {
#if defined(DLCORE_OPENMP)
  // Threads only for >= 1M elements: below that the fork/join (and, on a busy machine, a
  // descheduled thread at the barrier) costs more than the pass over memory.
  const int threads = max_threads();  // the process-wide budget (threads.h)
  if (n >= (int64_t(1) << 20) && threads > 1) {
#pragma omp parallel num_threads(threads)
    {
      const int64_t nt = omp_get_num_threads(), t = omp_get_thread_num();
      const int64_t chunk = (n + nt - 1) / nt / 64 * 64 + 64;  // cache-line aligned chunks
      const int64_t b = t * chunk, e = b + chunk < n ? b + chunk : n;
      if (b < e) f(b, e);
    }
    return;
  }
#endif
  f(int64_t(0), n);
}

// buf_mode: 0 no momentum, 1 first momentum step (buf = g), 2 buf = mom * buf + (1 - damp) * g.
// use_wd (every kernel): the weight-decay term wd * p is added only when wd != 0, as torch.optim,
// so that a parameter at +-inf stays finite-or-inf instead of becoming 0 * inf = nan.
// The *_range functions are kept out of line so that their restrict parameters hold wherever
// they are called from (inlined into the serial path, GCC dropped them and did not vectorise).
template <typename T, int buf_mode, bool nesterov, bool use_wd>
DLCORE_NOINLINE void sgd_range(T* __restrict p, T* __restrict mb, const T* __restrict gr, int64_t b,
                               int64_t e, T lr, T mom, T damp, T wd, T sign) {
#pragma omp simd
  for (int64_t i = b; i < e; ++i) {
    T g = sign * gr[i];
    if constexpr (use_wd) g = g + wd * p[i];
    if constexpr (buf_mode != 0) {
      const T m = buf_mode == 1 ? g : mom * mb[i] + damp * g;
      mb[i] = m;
      g = nesterov ? g + mom * m : m;
    }
    p[i] = p[i] - lr * g;
  }
}

template <typename T, int buf_mode, bool nesterov>
void sgd_loop(T* param, T* buf, const T* grad, int64_t n, T lr, T mom, T damp, T wd, T sign) {
  if (wd != T(0))
    for_chunks(n, [=](int64_t b, int64_t e) {
      sgd_range<T, buf_mode, nesterov, true>(param, buf, grad, b, e, lr, mom, damp, wd, sign);
    });
  else
    for_chunks(n, [=](int64_t b, int64_t e) {
      sgd_range<T, buf_mode, nesterov, false>(param, buf, grad, b, e, lr, mom, damp, wd, sign);
    });
}

template <typename T>
void sgd_impl(T* param, T* momentum_buf, const T* grad, int64_t n, const SgdHyper& h,
              bool first_step) {
  const T lr = T(h.lr), mom = T(h.momentum), damp = T(1.0 - h.dampening), wd = T(h.weight_decay);
  const T sign = h.maximize ? T(-1) : T(1);
  if (momentum_buf == nullptr || h.momentum == 0.0)
    sgd_loop<T, 0, false>(param, nullptr, grad, n, lr, mom, damp, wd, sign);
  else if (first_step && h.nesterov)
    sgd_loop<T, 1, true>(param, momentum_buf, grad, n, lr, mom, damp, wd, sign);
  else if (first_step) sgd_loop<T, 1, false>(param, momentum_buf, grad, n, lr, mom, damp, wd, sign);
  else if (h.nesterov) sgd_loop<T, 2, true>(param, momentum_buf, grad, n, lr, mom, damp, wd, sign);
  else sgd_loop<T, 2, false>(param, momentum_buf, grad, n, lr, mom, damp, wd, sign);
}

template <typename T, bool use_wd>
DLCORE_NOINLINE void adagrad_range(T* __restrict p, T* __restrict s, const T* __restrict gr,
                                   int64_t b, int64_t e, T clr, T wd, T eps, T sign) {
#pragma omp simd
  for (int64_t i = b; i < e; ++i) {
    T g = sign * gr[i];
    if constexpr (use_wd) g = g + wd * p[i];
    const T sum = s[i] + g * g;
    s[i] = sum;
    p[i] = p[i] - clr * (g / (std::sqrt(sum) + eps));
  }
}

template <typename T>
void adagrad_impl(T* param, T* state_sum, const T* grad, int64_t n, const AdagradHyper& h) {
  const T clr = T(h.lr / (1.0 + double(h.step - 1) * h.lr_decay));
  const T wd = T(h.weight_decay), eps = T(h.eps), sign = h.maximize ? T(-1) : T(1);
  if (wd != T(0))
    for_chunks(n, [=](int64_t b, int64_t e) {
      adagrad_range<T, true>(param, state_sum, grad, b, e, clr, wd, eps, sign);
    });
  else
    for_chunks(n, [=](int64_t b, int64_t e) {
      adagrad_range<T, false>(param, state_sum, grad, b, e, clr, wd, eps, sign);
    });
}

template <typename T, bool centered, bool use_mom, bool use_wd>
DLCORE_NOINLINE void rmsprop_range(T* __restrict p, T* __restrict sq, T* __restrict ga,
                                   T* __restrict mb, const T* __restrict gr, int64_t b, int64_t e,
                                   T lr, T alpha, T oma, T eps, T wd, T mom, T sign) {
#pragma omp simd
  for (int64_t i = b; i < e; ++i) {
    T g = sign * gr[i];
    if constexpr (use_wd) g = g + wd * p[i];
    const T s = alpha * sq[i] + oma * (g * g);
    sq[i] = s;
    T avg;
    if constexpr (centered) {
      const T a = ga[i] + oma * (g - ga[i]);
      ga[i] = a;
      avg = std::sqrt(s - a * a) + eps;
    } else {
      avg = std::sqrt(s) + eps;
    }
    if constexpr (use_mom) {
      const T m = mom * mb[i] + g / avg;
      mb[i] = m;
      p[i] = p[i] - lr * m;
    } else {
      p[i] = p[i] - lr * (g / avg);
    }
  }
}

template <typename T, bool centered, bool use_mom>
void rmsprop_loop(T* param, T* square_avg, T* grad_avg, T* momentum_buf, const T* grad, int64_t n,
                  const RmspropHyper& h) {
  const T lr = T(h.lr), alpha = T(h.alpha), oma = T(1.0 - h.alpha), eps = T(h.eps);
  const T wd = T(h.weight_decay), mom = T(h.momentum), sign = h.maximize ? T(-1) : T(1);
  if (wd != T(0))
    for_chunks(n, [=](int64_t b, int64_t e) {
      rmsprop_range<T, centered, use_mom, true>(param, square_avg, grad_avg, momentum_buf, grad, b,
                                                e, lr, alpha, oma, eps, wd, mom, sign);
    });
  else
    for_chunks(n, [=](int64_t b, int64_t e) {
      rmsprop_range<T, centered, use_mom, false>(param, square_avg, grad_avg, momentum_buf, grad, b,
                                                 e, lr, alpha, oma, eps, wd, mom, sign);
    });
}

template <typename T>
void rmsprop_impl(T* param, T* square_avg, T* grad_avg, T* momentum_buf, const T* grad, int64_t n,
                  const RmspropHyper& h) {
  const bool m = h.momentum > 0.0;
  T* ga = grad_avg;
  T* mb = momentum_buf;
  if (h.centered && m) rmsprop_loop<T, true, true>(param, square_avg, ga, mb, grad, n, h);
  else if (h.centered) rmsprop_loop<T, true, false>(param, square_avg, ga, nullptr, grad, n, h);
  else if (m) rmsprop_loop<T, false, true>(param, square_avg, nullptr, mb, grad, n, h);
  else rmsprop_loop<T, false, false>(param, square_avg, nullptr, nullptr, grad, n, h);
}

template <typename T, bool amsgrad, bool use_wd>
DLCORE_NOINLINE void adam_range(T* __restrict p, T* __restrict m1, T* __restrict m2,
                                T* __restrict mx, const T* __restrict gr, int64_t b, int64_t e,
                                T step_size, T inv_bc2_sqrt, T omb1, T b2, T omb2, T eps, T l2,
                                T decay, T sign) {
#pragma omp simd
  for (int64_t i = b; i < e; ++i) {
    const T pv = p[i] * decay;
    T g = sign * gr[i];
    if constexpr (use_wd) g = g + l2 * pv;  // Adam's L2 term; AdamW decays through `decay`
    const T m = m1[i] + omb1 * (g - m1[i]);  // lerp, as torch for weight < 0.5
    const T v = b2 * m2[i] + omb2 * (g * g);
    m1[i] = m;
    m2[i] = v;
    T vm = v;
    if constexpr (amsgrad) {
      vm = mx[i] > v ? mx[i] : v;
      mx[i] = vm;
    }
    const T denom = std::sqrt(vm) * inv_bc2_sqrt + eps;  // a multiply, not a divide
#if defined(__FMA__)  // pv stays rounded (torch's param.mul_), never fused into this update
    p[i] = std::fma(-step_size, m / denom, pv);
#else
    p[i] = pv - step_size * (m / denom);
#endif
  }
}

template <typename T, bool amsgrad>
void adam_loop(T* param, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, const T* grad, int64_t n,
               const AdamHyper& h) {
  const double bc1 = 1.0 - std::pow(h.beta1, double(h.step));
  const double bc2 = 1.0 - std::pow(h.beta2, double(h.step));
  const double lr = h.lr / h.lr_divisor;
  const T step_size = T(lr / bc1);
  const T inv_bc2_sqrt = T(1.0 / std::sqrt(bc2));
  const T omb1 = T(1.0 - h.beta1), b2 = T(h.beta2), omb2 = T(1.0 - h.beta2), eps = T(h.eps);
  const T l2 = h.decoupled_weight_decay ? T(0) : T(h.weight_decay);
  const T decay = h.decoupled_weight_decay ? T(1.0 - lr * h.weight_decay) : T(1);
  const T sign = h.maximize ? T(-1) : T(1);
  if (l2 != T(0))
    for_chunks(n, [=](int64_t b, int64_t e) {
      adam_range<T, amsgrad, true>(param, exp_avg, exp_avg_sq, max_exp_avg_sq, grad, b, e,
                                   step_size, inv_bc2_sqrt, omb1, b2, omb2, eps, l2, decay, sign);
    });
  else
    for_chunks(n, [=](int64_t b, int64_t e) {
      adam_range<T, amsgrad, false>(param, exp_avg, exp_avg_sq, max_exp_avg_sq, grad, b, e,
                                    step_size, inv_bc2_sqrt, omb1, b2, omb2, eps, l2, decay, sign);
    });
}

template <typename T>
void adam_impl(T* param, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, const T* grad, int64_t n,
               const AdamHyper& h) {
  if (h.amsgrad) adam_loop<T, true>(param, exp_avg, exp_avg_sq, max_exp_avg_sq, grad, n, h);
  else adam_loop<T, false>(param, exp_avg, exp_avg_sq, nullptr, grad, n, h);
}

template <typename T, int k>
DLCORE_NOINLINE void probe_range(T* __restrict a0, T* __restrict a1, T* __restrict a2,
                                 T* __restrict a3, const T* __restrict g, int64_t b, int64_t e) {
#pragma omp simd
  for (int64_t i = b; i < e; ++i) {
    const T x = g[i];
    a0[i] = a0[i] + x;
    if constexpr (k > 1) a1[i] = a1[i] + x;
    if constexpr (k > 2) a2[i] = a2[i] + x;
    if constexpr (k > 3) a3[i] = a3[i] + x;
  }
}

template <typename T, int k>
void probe_loop(T* const* rw, const T* ro, int64_t n) {
  T* r0 = rw[0];
  T* r1 = k > 1 ? rw[1] : nullptr;
  T* r2 = k > 2 ? rw[2] : nullptr;
  T* r3 = k > 3 ? rw[3] : nullptr;
  for_chunks(n, [=](int64_t b, int64_t e) { probe_range<T, k>(r0, r1, r2, r3, ro, b, e); });
}

template <typename T>
void probe_impl(T* const* rw, int n_rw, const T* ro, int64_t n) {
  switch (n_rw) {
    case 1: probe_loop<T, 1>(rw, ro, n); break;
    case 2: probe_loop<T, 2>(rw, ro, n); break;
    case 3: probe_loop<T, 3>(rw, ro, n); break;
    default: probe_loop<T, 4>(rw, ro, n); break;
  }
}
