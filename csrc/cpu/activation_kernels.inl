// Bodies of the float32 GELU kernels over [b, e), included into one namespace per ISA
// (activation.cpp: portable; activation_avx2.cpp: -mavx2 -mfma). Branch-free float arithmetic
// so the loops vectorise (std::erf / std::tanh do not): every select picks between values
// already computed (the compiler may not speculate a trapping operation into a branch).
// float64 stays on std::erf in activation.cpp. Not a standalone header.
//
// exact:  Phi(x) = 1 - erfc(z) / 2 (x >= 0) or erfc(z) / 2 (x < 0), z = |x| / sqrt(2), with
//         erfc(z) = t exp(-z^2) exp(P(t)), t = 1 / (1 + z / 2) (Numerical Recipes' erfcc:
//         relative error < 1.2e-7 for every z >= 0); z^2 = hi + lo split exactly, so
//         exp(-z^2) = exp(-hi) (1 - lo) keeps ~1 ulp where z^2 is large.
// tanh:   0.5 x (1 + tanh(u)) = x * sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3): no
//         cancellation in 1 + tanh(u) for negative u.

// e^x in float for any x: Cody-Waite reduction by ln 2 and a degree-7 polynomial (relative
// error ~1e-7); 0 below -87.3 (no subnormal results), inf above 88.7, nan for nan.
inline float exp_f(float x) {
  // nan becomes 0 here so that int32_t(k) below is defined (the result is x for nan)
  const float xc = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : (x == x ? x : 0.0f));
  // round to nearest by the 1.5 * 2^23 trick (no SSE4.1 round instruction in the portable build)
  const float k = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  const float r = (xc - k * 0.693145751953125f) - k * 1.42860682030941723212e-6f;
  float p = 1.0f / 5040;
  p = p * r + 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const int32_t bits = (int32_t(k) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  float out = p * scale;
  out = x < -87.0f ? 0.0f : out;
  out = x > 88.0f ? std::numeric_limits<float>::infinity() : out;
  return x != x ? x : out;
}

// z = |x| / sqrt(2) and z^2 = hi + lo exactly (fma where the ISA has it, else through double).
inline void half_square(float x, float* z, float* hi, float* lo) {
  *z = std::fabs(x) * 0.70710678118654752f;
  *hi = *z * *z;
#if defined(__FMA__)
  const float lo_raw = std::fma(*z, *z, -*hi);
#else
  const float lo_raw = float(double(*z) * double(*z) - double(*hi));
#endif
  *lo = *hi < 1e30f ? lo_raw : 0.0f;
}

// erfcc's t and P(t): erfc(z) = t exp(-z^2 + P(t)).
inline float erfc_poly(float z, float* t_out) {
  const float t = 1.0f / (1.0f + 0.5f * z);
  float q = 0.17087277f;
  q = q * t - 0.82215223f;
  q = q * t + 1.48851587f;
  q = q * t - 1.13520398f;
  q = q * t + 0.27886807f;
  q = q * t - 0.18628806f;
  q = q * t + 0.09678418f;
  q = q * t + 0.37409196f;
  q = q * t + 1.00002368f;
  *t_out = t;
  return q * t - 1.26551223f;
}

inline float cdf_from_half_erfc(float x, float half_erfc) {
  const float cdf = x >= 0.0f ? 1.0f - half_erfc : half_erfc;
  return x != x ? x : cdf;
}

// Phi(x) with one exp: exp(P(t) - hi) (the sum rounds to ulp(hi): relative error <= 5e-6 of
// values below 1e-34 when hi nears 88, ~1e-7 where Phi matters).
inline float normal_cdf(float x) {
  float z, hi, lo, t;
  half_square(x, &z, &hi, &lo);
  const float q = erfc_poly(z, &t);
  return cdf_from_half_erfc(x, 0.5f * t * exp_f(q - hi) * (1.0f - lo));
}

// (Phi(x), phi(x)): the normal CDF and density, phi = exp(-x^2 / 2) / sqrt(2 pi).
inline void normal_cdf_pdf(float x, float* cdf, float* pdf) {
  float z, hi, lo, t;
  half_square(x, &z, &hi, &lo);
  const float e = exp_f(-hi) * (1.0f - lo);  // exp(-z^2)
  const float q = erfc_poly(z, &t);
  *cdf = cdf_from_half_erfc(x, 0.5f * t * e * exp_f(q));
  *pdf = e * 0.39894228040143267794f;
}

// sigmoid(2u), 1 - sigmoid(2u) and u' for the tanh form. Where exp(-2u) overflows (u < -44),
// sigmoid is 0 and 1 - sigmoid is 1 (e * s would be inf * 0).
inline void tanh_form(float x, float* s, float* one_minus_s, float* du) {
  const float k = 0.79788456080286535588f, c = 0.044715f;
  const float x2 = x * x;
  const float m2u = -2.0f * k * (x + c * x2 * x);
  const float e = exp_f(m2u);
  *s = 1.0f / (1.0f + e);
  const float es = e * *s;
  *one_minus_s = m2u > 88.0f ? 1.0f : es;
  *du = k * (1.0f + 3.0f * c * x2);
}

inline void gelu_forward_f32(float* y, const float* x, int64_t b, int64_t e, bool approximate) {
  if (approximate) {
    for (int64_t i = b; i < e; ++i) {
      float s, oms, du;
      tanh_form(x[i], &s, &oms, &du);
      y[i] = x[i] * s;
    }
  } else {
    for (int64_t i = b; i < e; ++i) y[i] = x[i] * normal_cdf(x[i]);
  }
}

inline void gelu_backward_f32(float* dx, const float* dy, const float* x, int64_t b, int64_t e,
                              bool approximate) {
  if (approximate) {  // d/dx x s(2u) = s + x * 2 s (1 - s) u'
    for (int64_t i = b; i < e; ++i) {
      float s, oms, du;
      tanh_form(x[i], &s, &oms, &du);
      dx[i] = dy[i] * (s + 2.0f * x[i] * s * oms * du);
    }
  } else {
    for (int64_t i = b; i < e; ++i) {
      float cdf, pdf;
      normal_cdf_pdf(x[i], &cdf, &pdf);
      dx[i] = dy[i] * (cdf + x[i] * pdf);
    }
  }
}
