// The registration functions of the binding files, called by module.cpp. Each adds one family
// to the module (or submodule) it is given.
#pragma once
#include <pybind11/pybind11.h>

namespace dlcore::bind {

namespace py = pybind11;

void bind_runtime(py::module_& m);      // _C: build_info, has_cuda, ISA names, threads, cuda_*
void bind_gemm(py::module_& cpu);       // _C.cpu.gemm
void bind_softmax(py::module_& cpu);    // _C.cpu.log_softmax_*, cross_entropy_*
void bind_optim(py::module_& cpu);      // _C.cpu.*_step
void bind_conv(py::module_& cpu);       // _C.cpu.conv2d_*
void bind_pool(py::module_& cpu);       // _C.cpu.{max,avg,adaptive_avg}_pool2d_*
void bind_norm(py::module_& cpu);       // _C.cpu.batch_norm_*, gelu_*
void bind_rnn(py::module_& cpu);        // _C.cpu.rnn_forward, rnn_backward
void bind_ctc(py::module_& cpu);        // _C.cpu.ctc_loss_forward, ctc_loss_backward
void bind_conv_instruments(py::module_& instruments);  // _C.instruments.conv_direct_mode
void bind_instruments(py::module_& instruments);  // _C.instruments: tuning knobs and probes
#if defined(DLCORE_WITH_CUDA)
void bind_cuda_optim(py::module_& cuda);  // _C.cuda.sgd_step, adam_step
void bind_cuda_conv(py::module_& cuda);   // _C.cuda.conv2d_*
void bind_cuda_pool(py::module_& cuda);   // _C.cuda.max_pool2d_*, avg_pool2d_*, adaptive_*
void bind_cuda_norm(py::module_& cuda);   // _C.cuda.batch_norm_*, gelu_*
void bind_cuda_rnn(py::module_& cuda);    // _C.cuda.rnn_forward, rnn_backward
void bind_cuda_ctc(py::module_& cuda);    // _C.cuda.ctc_loss_forward, ctc_loss_backward
#endif

}  // namespace dlcore::bind
