// _C.cpu ctc_loss_forward / ctc_loss_backward over numpy arrays (contracts in docs/kernels.md
// and csrc/cpu/ctc.h; checks in ctc_args.h), float32 or float64, targets and lengths int64.
#include "bind/array_view.h"
#include "bind/bind.h"
#include "bind/ctc_args.h"
#include "cpu/ctc.h"

namespace dlcore::bind {
namespace {

constexpr Device kCpu = Device::cpu;

template <typename A>
void check_values(const A& a, const char* op) {
  check_ctc_values(a.d, a.targets.template data<int64_t>(),
                   a.input_lengths.template data<int64_t>(),
                   a.target_lengths.template data<int64_t>(), op);
}

template <typename T>
void run_forward(const CtcForwardArgs& a) {
  cpu::ctc_loss_forward<T>(a.loss.data<T>(), a.log_alpha.data<T>(), a.log_probs.data<T>(),
                           a.targets.data<int64_t>(), a.input_lengths.data<int64_t>(),
                           a.target_lengths.data<int64_t>(), a.d.blank, a.d.t, a.d.n, a.d.c, a.d.s);
}

void ctc_loss_forward(py::handle loss, py::handle log_alpha, py::handle log_probs,
                      py::handle targets, py::handle input_lengths, py::handle target_lengths,
                      py::handle blank) {
  const char* op = "ctc_loss_forward";
  const CtcForwardArgs a = ctc_loss_forward_args(loss, log_alpha, log_probs, targets, input_lengths,
                                                 target_lengths, blank, kCpu, op);
  check_values(a, op);
  py::gil_scoped_release release;
  if (a.log_probs.dtype == DType::f32) run_forward<float>(a);
  else run_forward<double>(a);
}

template <typename T>
void run_backward(const CtcBackwardArgs& a) {
  cpu::ctc_loss_backward<T>(a.grad.data<T>(), a.dloss.data<T>(), a.log_probs.data<T>(),
                            a.targets.data<int64_t>(), a.input_lengths.data<int64_t>(),
                            a.target_lengths.data<int64_t>(), a.d.blank, a.log_alpha.data<T>(),
                            a.loss.data<T>(), a.d.t, a.d.n, a.d.c, a.d.s);
}

void ctc_loss_backward(py::handle grad, py::handle dloss, py::handle log_probs, py::handle targets,
                       py::handle input_lengths, py::handle target_lengths, py::handle blank,
                       py::handle log_alpha, py::handle loss) {
  const char* op = "ctc_loss_backward";
  const CtcBackwardArgs a =
      ctc_loss_backward_args(grad, dloss, log_probs, targets, input_lengths, target_lengths, blank,
                             log_alpha, loss, kCpu, op);
  check_values(a, op);
  py::gil_scoped_release release;
  if (a.log_probs.dtype == DType::f32) run_backward<float>(a);
  else run_backward<double>(a);
}

}  // namespace

void bind_ctc(py::module_& cpu) {
  cpu.def("ctc_loss_forward", &ctc_loss_forward, py::arg("loss"), py::arg("log_alpha"),
          py::arg("log_probs"), py::arg("targets"), py::arg("input_lengths"),
          py::arg("target_lengths"), py::arg("blank"),
          "CTC loss per batch item: loss (N,) = -log p(target | input) (+inf when no alignment "
          "exists) and log_alpha (N, T, 2S+1) for the backward; log_probs (T, N, C), targets "
          "int64 (N, S) padded, lengths int64 (N,)");
  cpu.def("ctc_loss_backward", &ctc_loss_backward, py::arg("grad"), py::arg("dloss"),
          py::arg("log_probs"), py::arg("targets"), py::arg("input_lengths"),
          py::arg("target_lengths"), py::arg("blank"), py::arg("log_alpha"), py::arg("loss"),
          "grad (T, N, C) = dloss[n] * d loss[n] / d log_probs[t, n, c] (0 at t >= "
          "input_lengths[n]; nan where the loss is +inf)");
}

}  // namespace dlcore::bind
