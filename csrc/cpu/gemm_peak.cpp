// The gemm micro-kernel's own ceiling (csrc/cpu/probe.h): the active float32 kernel timed on
// tiles whose packed slivers and C stay in cache, with no packing, blocking or threads.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <new>
#include <stdexcept>

#include "common.h"
#include "cpu/gemm_kernels.h"
#include "cpu/isa.h"
#include "cpu/probe.h"

namespace dlcore::cpu {

namespace {

struct FreeDeleter {
  void operator()(float* p) const { std::free(p); }
};

// n floats, 64-byte aligned, filled with small values (no overflow or subnormals at any k).
std::unique_ptr<float, FreeDeleter> filled(int64_t n, float scale) {
  const size_t bytes = size_t(round_up(n * int64_t(sizeof(float)), 64));
  std::unique_ptr<float, FreeDeleter> p(static_cast<float*>(std::aligned_alloc(64, bytes)));
  if (!p) throw std::bad_alloc();
  for (int64_t i = 0; i < n; ++i) p.get()[i] = scale * float(1 + i % 7);
  return p;
}

}  // namespace

double gemm_kernel_peak(int64_t k, int64_t tiles, double seconds) {
  const gemm_detail::MicroKernel<float>& K = gemm_detail::kernel_for<float>(active_isa());
  const int64_t mr = K.mr, nr = K.nr;
  auto a = filled(mr * k, 1e-3f), b = filled(nr * k, 1e-3f), c = filled(tiles * mr * nr, 0.f);

  // `tiles` full row tiles in one call against one B sliver, packed as the driver packs them
  // (sliver layouts in gemm_kernels.h); every tile reads the same A sliver (a_tile = 0), so A
  // stays in L1 while each tile stores its own C
  gemm_detail::MicroArgs<float> args{};
  args.k = k;
  args.a = a.get();
  args.rs_a = 1;
  args.cs_a = mr;
  args.a_tile = 0;
  args.b = b.get();
  args.rs_b = nr;
  args.nb = nr;
  args.b_stride = nr * k;
  args.c = c.get();
  args.ldc = nr;
  args.m = mr * tiles;
  args.n = nr;
  args.alpha = 1.f;
  args.beta = 0.f;

  const int64_t calls = std::max<int64_t>(1, (int64_t(1) << 22) / (2 * mr * nr * k * tiles));
  for (int64_t i = 0; i < calls; ++i) K.packed_a(args);  // warm up: caches, clock
  double flops = 0, elapsed = 0;
  const double t0 = thread_cpu_seconds();
  do {
    for (int64_t i = 0; i < calls; ++i) K.packed_a(args);
    flops += double(calls) * 2.0 * double(mr * nr * k * tiles);
    elapsed = thread_cpu_seconds() - t0;
  } while (elapsed < seconds);

  // the rate counts only if the kernel computed the product: every tile against float64
  for (int64_t r = 0; r < tiles * mr; ++r)
    for (int64_t j = 0; j < nr; ++j) {
      double want = 0, scale = 0;
      for (int64_t q = 0; q < k; ++q) {
        const double x = double(a.get()[q * mr + r % mr]) * double(b.get()[q * nr + j]);
        want += x;
        scale += std::fabs(x);
      }
      if (std::fabs(double(c.get()[r * nr + j]) - want) > 1e-5 * scale)
        throw std::runtime_error("gemm_kernel_peak: the micro-kernel's result is wrong");
    }
  return flops / elapsed * 1e-9;
}

}  // namespace dlcore::cpu
