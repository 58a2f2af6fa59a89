// Runtime facts on _C itself: build options, ISA, the process-wide thread count, CUDA devices.
#include <pybind11/pybind11.h>

#include <stdexcept>
#include <string>

#include "bind/bind.h"
#include "cpu/isa.h"
#include "cpu/threads.h"
#if defined(DLCORE_WITH_CUDA)
#include "cuda/cuda_api.h"
#endif

namespace dlcore::bind {

namespace {

py::dict build_info() {
  py::dict d;
  d["version"] = DLCORE_VERSION;
  d["compiler"] = DLCORE_COMPILER;
#if defined(DLCORE_OPENMP)
  d["openmp"] = true;
#else
  d["openmp"] = false;
#endif
#if defined(DLCORE_WITH_CUDA)
  d["cuda"] = true;
  d["cuda_runtime"] = dlcore::cuda::runtime_version();
#else
  d["cuda"] = false;
#endif
  return d;
}

int cuda_device_count() {
#if defined(DLCORE_WITH_CUDA)
  return dlcore::cuda::device_count();
#else
  return 0;
#endif
}

void cuda_synchronize() {
#if defined(DLCORE_WITH_CUDA)
  if (dlcore::cuda::device_count() == 0) return;
  py::gil_scoped_release release;
  dlcore::cuda::synchronize();
#endif
}

}  // namespace

void bind_runtime(py::module_& m) {
  m.def("build_info", &build_info, "Version, compiler and build options");
#if defined(DLCORE_WITH_CUDA)
  m.def("has_cuda", [] { return true; }, "True when the CUDA kernels were compiled in");
#else
  m.def("has_cuda", [] { return false; }, "True when the CUDA kernels were compiled in");
#endif
  m.def(
      "detected_isa", [] { return std::string(cpu::isa_name(cpu::detected_isa())); },
      "The best ISA this CPU and build support");
  m.def(
      "active_isa", [] { return std::string(cpu::isa_name(cpu::active_isa())); },
      "The ISA the CPU kernels use now");
  m.def("get_num_threads", &cpu::max_threads, "The process-wide thread count of the kernels");
  m.def(
      "set_num_threads",
      [](int n) {
        if (n < 1)
          throw std::invalid_argument("[set_num_threads] n must be >= 1, got " + std::to_string(n));
        cpu::set_num_threads(n);
      },
      py::arg("n"), "Set the process-wide thread count (every Python thread, as torch)");
  m.def("cuda_device_count", &cuda_device_count, "CUDA devices visible (0 without a driver)");
  m.def("cuda_synchronize", &cuda_synchronize, "Wait for the current device (no-op without one)");
}

}  // namespace dlcore::bind
