// The one pybind11 module, dlcore._C, and its submodules:
//   _C              runtime facts: build_info, has_cuda, ISA names, threads, CUDA device count
//   _C.cpu          CPU kernels over numpy arrays (bind_gemm, bind_softmax, bind_optim, bind_pool)
//   _C.cuda         CUDA kernels over __cuda_array_interface__ arrays (CUDA builds only)
//   _C.instruments  gemm tuning knobs and probes, for bench and tests only
// Import through dlcore.backend, not directly.
#include "bind/bind.h"

PYBIND11_MODULE(_C, m) {
  using namespace dlcore::bind;
  m.doc() = "dlcore kernels (see csrc/). Import through dlcore.backend, not directly.";
  bind_runtime(m);

  py::module_ cpu = m.def_submodule("cpu", "CPU kernels over numpy arrays");
  bind_gemm(cpu);
  bind_softmax(cpu);
  bind_optim(cpu);
  bind_conv(cpu);
  bind_pool(cpu);
  bind_norm(cpu);
  bind_rnn(cpu);
  bind_ctc(cpu);

  py::module_ instruments =
      m.def_submodule("instruments", "gemm tuning knobs and probes (bench and tests only)");
  bind_instruments(instruments);
  bind_conv_instruments(instruments);

#if defined(DLCORE_WITH_CUDA)
  py::module_ cuda = m.def_submodule("cuda", "CUDA kernels over __cuda_array_interface__ arrays");
  bind_cuda_optim(cuda);
  bind_cuda_conv(cuda);
  bind_cuda_pool(cuda);
  bind_cuda_norm(cuda);
  bind_cuda_rnn(cuda);
  bind_cuda_ctc(cuda);
#endif
}
