// Drivers of the direct convolution (conv_direct.h): per image, the zero-padded flat input,
// the micro-kernel of conv_direct_avx2.cpp, and the copy-out that drops the columns beyond Wo
// (with bias and relu fused into it). Images are split statically over the threads.
#include "cpu/conv_direct.h"

#include <algorithm>
#include <atomic>
#include <vector>

#include "common.h"
#include "cpu/conv_threads.h"
#include "cpu/isa.h"

namespace dlcore::cpu {
namespace {

// The zero-padded planes of one image: hp x wp per channel, 16 elements of slack after the
// last (the correlate kernel's reads past a row's last valid position).
struct Flat {
  int64_t hp, wp, plane, size;
  std::vector<int64_t> off;  // tap (i, j) -> i*dil_h*wp + j*dil_w
};

Flat flat_layout(int64_t channels, int64_t hp, int64_t wp, int64_t r, int64_t s, int64_t dh,
                 int64_t dw) {
  Flat f{hp, wp, hp * wp, channels * hp * wp + 16, {}};
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < s; ++j) f.off.push_back(i * dh * wp + j * dw);
  return f;
}

// dst (channels, hp, wp) interior at (top, left) = src (channels, h, w); the border stays zero.
void pad_into(float* dst, const float* src, int64_t channels, int64_t h, int64_t w, const Flat& f,
              int64_t top, int64_t left) {
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t i = 0; i < h; ++i)
      std::copy(src + (c * h + i) * w, src + (c * h + i + 1) * w,
                dst + c * f.plane + (top + i) * f.wp + left);
}

std::atomic<int>& direct_mode() {
  static std::atomic<int> mode{-1};
  return mode;
}

// The measured rule (bench/NOTES.md, "conv"): where the direct path beats im2col + gemm.
// Measured paired against im2col + gemm at 1 thread (bench/NOTES.md, "conv"): forward and
// backward_input win on first layers with 2-4 input channels (gemm's depth c*r*s is small and
// im2col copies as much as the product reads; with one channel the register block is thin);
// backward_weight wins on first layers and on planes of >= 1024 outputs (no im2col of x).
bool direct_pays(const ConvShape& p, ConvPass pass) {
  if (p.r * p.s == 1) return false;
  switch (pass) {
    case ConvPass::forward: return p.c <= 4 && (p.c >= 2 || p.ho * p.wo <= 256);
    case ConvPass::backward_input: return p.c >= 2 && p.c <= 4;
    case ConvPass::backward_weight: return p.c <= 4 || p.ho * p.wo >= 1024;
  }
  return false;
}

}  // namespace

bool direct_applies(const ConvShape& p, ConvPass pass) {
  if (active_isa() < Isa::avx2 || p.groups != 1 || p.stride_h != 1 || p.stride_w != 1) return false;
  if (p.c == 0 || p.k == 0 || p.n == 0) return false;
  if (pass == ConvPass::backward_input &&
      (p.pad_top > p.dil_h * (p.r - 1) || p.pad_bottom > p.dil_h * (p.r - 1) ||
       p.pad_left > p.dil_w * (p.s - 1) || p.pad_right > p.dil_w * (p.s - 1)))
    return false;
  const int mode = direct_mode().load(std::memory_order_relaxed);
  return mode == 1 || (mode == -1 && direct_pays(p, pass));
}

void set_conv_direct_mode(int mode) { direct_mode().store(mode < -1 || mode > 1 ? -1 : mode); }
int conv_direct_mode() { return direct_mode().load(); }

void conv2d_forward_direct(float* y, const float* x, const float* w, const float* bias,
                           const ConvShape& p, bool relu) {
  const Flat f = flat_layout(p.c, p.h + p.pad_top + p.pad_bottom, p.w + p.pad_left + p.pad_right,
                             p.r, p.s, p.dil_h, p.dil_w);
  const int nt = conv_region_threads(p.n);
  RegionClock clock(nt);
#pragma omp parallel num_threads(nt)
  {
    std::vector<float> in(size_t(f.size), 0.0f);
#pragma omp for schedule(static)
    for (int64_t n = 0; n < p.n; ++n) {
      pad_into(in.data(), x + n * p.c * p.h * p.w, p.c, p.h, p.w, f, p.pad_top, p.pad_left);
      avx2::direct_correlate(y + n * p.k * p.ho * p.wo, p.ho * p.wo, p.wo, p.ho, p.wo, in.data(),
                             f.plane, f.wp, p.c, w, f.off.data(), int64_t(f.off.size()), p.k, bias,
                             relu);
    }
  }
}

void conv2d_backward_input_direct(float* dx, const float* dy, const float* w, const ConvShape& p) {
  const int64_t reach_h = p.dil_h * (p.r - 1), reach_w = p.dil_w * (p.s - 1), rs = p.r * p.s;
  const Flat f = flat_layout(p.k, p.h + reach_h, p.w + reach_w, p.r, p.s, p.dil_h, p.dil_w);
  // wflip (c, k, r, s) = w (k, c, R-1-r, S-1-s)
  std::vector<float> wflip(size_t(p.c * p.k * rs));
  for (int64_t k = 0; k < p.k; ++k)
    for (int64_t c = 0; c < p.c; ++c)
      for (int64_t t = 0; t < rs; ++t)
        wflip[(c * p.k + k) * rs + t] = w[(k * p.c + c) * rs + rs - 1 - t];
  const int nt = conv_region_threads(p.n);
  RegionClock clock(nt);
#pragma omp parallel num_threads(nt)
  {
    std::vector<float> in(size_t(f.size), 0.0f);
#pragma omp for schedule(static)
    for (int64_t n = 0; n < p.n; ++n) {
      pad_into(in.data(), dy + n * p.k * p.ho * p.wo, p.k, p.ho, p.wo, f, reach_h - p.pad_top,
               reach_w - p.pad_left);
      avx2::direct_correlate(dx + n * p.c * p.h * p.w, p.h * p.w, p.w, p.h, p.w, in.data(), f.plane,
                             f.wp, p.k, wflip.data(), f.off.data(), rs, p.c, nullptr, false);
    }
  }
}

void conv2d_backward_weight_direct(float* dw, const float* dy, const float* x, const ConvShape& p) {
  const Flat f = flat_layout(p.c, p.h + p.pad_top + p.pad_bottom, p.w + p.pad_left + p.pad_right,
                             p.r, p.s, p.dil_h, p.dil_w);
  const int64_t wsize = p.k * p.c * p.r * p.s;
  // Image n adds into slot n % kSlots; the slots are added in order at the end. The sum does
  // not depend on how many threads share the slots (nor on the thread gate).
  constexpr int64_t kSlots = 4;
  const int64_t slots = std::min(kSlots, p.n);
  const int nt = conv_region_threads(slots);
  RegionClock clock(nt);
  std::vector<float> sums(size_t(slots * wsize), 0.0f);
#pragma omp parallel num_threads(nt)
  {
    std::vector<float> in(size_t(f.size), 0.0f);
#pragma omp for schedule(static)
    for (int64_t slot = 0; slot < slots; ++slot)
      clock.item([&] {
        for (int64_t n = slot; n < p.n; n += slots) {
          pad_into(in.data(), x + n * p.c * p.h * p.w, p.c, p.h, p.w, f, p.pad_top, p.pad_left);
          avx2::direct_weight_grad(sums.data() + slot * wsize, dy + n * p.k * p.ho * p.wo,
                                   p.ho * p.wo, p.ho, p.wo, in.data(), f.plane, f.wp, p.c,
                                   f.off.data(), int64_t(f.off.size()), p.k);
        }
      });
  }
  clock.report();
  std::copy(sums.begin(), sums.begin() + wsize, dw);
  for (int64_t t = 1; t < slots; ++t)
    for (int64_t i = 0; i < wsize; ++i) dw[i] += sums[t * wsize + i];
}

}  // namespace dlcore::cpu
