// _C.instruments: gemm tuning knobs and measurement probes, for bench/ and tests only (the
// kernels never need them). gemm_tune installs a new immutable GemmConfig; set_isa lowers the
// kernel ISA and installs the config for it.
#include <pybind11/stl.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "bind/array_view.h"
#include "bind/bind.h"
#include "cpu/cache_info.h"
#include "cpu/gemm.h"
#include "cpu/isa.h"
#include "cpu/optim.h"
#include "cpu/probe.h"

namespace dlcore::bind {
namespace {

py::dict blocking_dict(const cpu::GemmBlocking& b) {
  py::dict d;
  d["kernel"] = b.kernel;
  d["mr"] = b.mr;
  d["nr"] = b.nr;
  d["mc"] = b.mc;
  d["kc"] = b.kc;
  d["nc"] = b.nc;
  d["kc_fused"] = b.kc_fused;
  d["b_group"] = b.b_group;
  d["fused_rows"] = b.fused_rows;
  return d;
}

// The config in force: blocking per dtype, its ISA, and the cache sizes it was made from.
py::dict gemm_info() {
  const cpu::GemmConfig& cfg = cpu::gemm_config();
  py::dict d;
  d["float32"] = blocking_dict(cfg.f32);
  d["float64"] = blocking_dict(cfg.f64);
  d["isa"] = cpu::isa_name(cfg.isa);
  d["thread_flops"] = cfg.thread_flops;
  const cpu::CacheInfo& ci = cpu::cache_info();
  d["l1d"] = ci.l1d;
  d["l2"] = ci.l2;
  d["l3"] = ci.l3;
  d["cache_source"] = ci.source;
  return d;
}

void gemm_tune(py::kwargs kw) {
  cpu::GemmTuning t;  // keys left out are automatic
  for (auto item : kw) {
    const std::string key = py::str(item.first);
    const py::handle v = item.second;
    if (key == "mc") t.mc = v.cast<int64_t>();
    else if (key == "kc") t.kc = v.cast<int64_t>();
    else if (key == "nc") t.nc = v.cast<int64_t>();
    else if (key == "pack_a") t.pack_a = v.cast<int>();
    else if (key == "pack_b") t.pack_b = v.cast<int>();
    else if (key == "thread_flops") t.thread_flops = v.cast<double>();
    else if (key == "fused_rows") t.fused_rows = v.cast<int64_t>();
    else if (key == "fuse_group") t.fuse_group = v.cast<int64_t>();
    else if (key == "prefetch") t.prefetch = v.cast<int>();
    else if (key == "b_group") t.b_group = v.cast<int64_t>();
    else if (key == "pack_ahead") t.pack_ahead = v.cast<int>();
    else if (key == "huge_pages") t.huge_pages = v.cast<int>();
    else if (key == "thread_gate") t.thread_gate = v.cast<int>();
    else if (key == "avx512_twin") t.avx512_twin = v.cast<bool>();
    else fail("gemm_tune", "unknown key '" + key + "'");
  }
  cpu::gemm_tune(t);
}

void set_isa(const std::string& name) {
  cpu::Isa isa;
  if (!cpu::parse_isa(name, &isa))
    fail("set_isa", "unknown ISA '" + name + "': expected generic, avx2 or avx512");
  if (isa > cpu::detected_isa())
    fail("set_isa", std::string("this CPU supports at most ") + cpu::isa_name(cpu::detected_isa()) +
                        ", not " + name);
  cpu::gemm_set_isa(isa);
}

// Reads ro and reads+writes every array of rw once (rw[k] += ro): the bandwidth floor of an
// optimizer step with len(rw) read-write streams and one read-only stream.
void stream_probe(const std::vector<py::handle>& rw_objs, py::handle ro_obj) {
  const char* op = "stream_probe";
  if (rw_objs.empty() || rw_objs.size() > 4)
    fail(op, "rw must hold 1 to 4 arrays, got " + std::to_string(rw_objs.size()));
  const ArrayView ro = view(ro_obj, Device::cpu, op, "ro");
  check_float(ro, op, "ro");
  check_contiguous(ro, op, "ro");
  std::vector<ArrayView> rw;
  for (py::handle h : rw_objs) {
    rw.push_back(view(h, Device::cpu, op, "rw[k]"));
    check_same_dtype(ro, rw.back(), op, "ro", "rw[k]");
    check_contiguous(rw.back(), op, "rw[k]");
    check_writeable(rw.back(), op, "rw[k]");
    check_size(rw.back(), ro.size(), op, "rw[k]");
  }
  const int64_t n = ro.size();
  const int k = int(rw.size());
  if (ro.dtype == DType::f32) {
    float* ptrs[4] = {};
    for (int i = 0; i < k; ++i) ptrs[i] = rw[i].data<float>();
    py::gil_scoped_release release;
    cpu::stream_probe<float>(ptrs, k, ro.data<float>(), n);
  } else {
    double* ptrs[4] = {};
    for (int i = 0; i < k; ++i) ptrs[i] = rw[i].data<double>();
    py::gil_scoped_release release;
    cpu::stream_probe<double>(ptrs, k, ro.data<double>(), n);
  }
}

}  // namespace

void bind_instruments(py::module_& m) {
  m.def("gemm_info", &gemm_info,
        "The GemmConfig in force: blocking (mr, nr, mc, kc, nc, kc_fused, b_group, fused_rows) "
        "per dtype, its ISA and thread_flops, and the cache sizes");
  m.def("gemm_tune", &gemm_tune,
        "Install a gemm config with overrides for measurement: mc, kc, nc, b_group, pack_a, "
        "pack_b, thread_flops, fused_rows, fuse_group, prefetch, pack_ahead, huge_pages, "
        "thread_gate, avx512_twin (no arguments = automatic)");
  m.def("gemm_threads", &cpu::gemm_threads, py::arg("m"), py::arg("n"), py::arg("k"),
        "Threads gemm would use for an (m, n, k) product now");
  m.def("gemm_last_threads", &cpu::gemm_last_threads,
        "The team size the most recent gemm product actually ran with (any thread)");
  m.def("set_isa", &set_isa, py::arg("name"),
        "Lower the kernel ISA (generic, avx2, avx512; not above detected_isa) for tests");
  m.def(
      "fma_probe",
      [](double seconds, int threads) {
        if (!(seconds > 0)) fail("fma_probe", "seconds must be > 0");
        py::gil_scoped_release release;
        return threads <= 1 ? cpu::fma_probe(seconds) : cpu::fma_probe_threads(seconds, threads);
      },
      py::arg("seconds") = 0.2, py::arg("threads") = 1,
      "Peak GFLOP/s of a register-only FMA loop in the active ISA (summed over threads)");
  m.def(
      "gemm_kernel_peak",
      [](int64_t k, int64_t tiles, double seconds) {
        if (k < 1 || k > (int64_t(1) << 16))
          fail("gemm_kernel_peak", "k must be in [1, 65536], got " + std::to_string(k));
        if (tiles < 1 || tiles > 1024)
          fail("gemm_kernel_peak", "tiles must be in [1, 1024], got " + std::to_string(tiles));
        if (!(seconds > 0)) fail("gemm_kernel_peak", "seconds must be > 0");
        py::gil_scoped_release release;
        return cpu::gemm_kernel_peak(k, tiles, seconds);
      },
      py::arg("k") = 256, py::arg("tiles") = 16, py::arg("seconds") = 0.2,
      "GFLOP/s of the active float32 gemm micro-kernel on `tiles` row tiles of one call at "
      "depth k, its packed slivers and C in cache (L1 for k <= 256): gemm's ceiling without "
      "the memory system");
  m.def("stream_probe", &stream_probe, py::arg("rw"), py::arg("ro"),
        "Bandwidth floor: rw[k] += ro for every array in rw (1 to 4), one pass");
}

}  // namespace dlcore::bind
