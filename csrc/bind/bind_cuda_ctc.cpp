// _C.cuda ctc_loss_forward, ctc_loss_backward over CUDA arrays (__cuda_array_interface__),
// float32 or float64: the checks are ctc_args.h's (shared with the CPU binding), then the
// device-memory check, then targets and both lengths copied to the host and their values checked
// (check_ctc_values, the CPU's messages), then the launch with the GIL released.
#include <vector>

#include "bind/array_view.h"
#include "bind/bind.h"
#include "bind/ctc_args.h"
#include "cuda/cuda_api.h"

namespace dlcore::bind {
namespace {

constexpr Device kCuda = Device::cuda;

std::vector<int64_t> to_host(const ArrayView& a) {
  std::vector<int64_t> h(size_t(a.size()));
  dlcore::cuda::copy_to_host(h.data(), a.ptr, h.size() * sizeof(int64_t));
  return h;
}

void check_values(const CtcShape& d, const ArrayView& targets, const ArrayView& input_lengths,
                  const ArrayView& target_lengths, const char* op) {
  const std::vector<int64_t> tg = to_host(targets), il = to_host(input_lengths),
                             tl = to_host(target_lengths);
  check_ctc_values(d, tg.data(), il.data(), tl.data(), op);
}

void ctc_loss_forward(py::handle loss, py::handle log_alpha, py::handle log_probs,
                      py::handle targets, py::handle input_lengths, py::handle target_lengths,
                      py::handle blank) {
  const char* op = "ctc_loss_forward";
  const CtcForwardArgs a = ctc_loss_forward_args(loss, log_alpha, log_probs, targets, input_lengths,
                                                 target_lengths, blank, kCuda, op);
  check_device_memory({{&a.loss, "loss"},
                       {&a.log_alpha, "log_alpha"},
                       {&a.log_probs, "log_probs"},
                       {&a.targets, "targets"},
                       {&a.input_lengths, "input_lengths"},
                       {&a.target_lengths, "target_lengths"}},
                      op);
  check_values(a.d, a.targets, a.input_lengths, a.target_lengths, op);
  const CtcShape& d = a.d;
  const int64_t *tg = a.targets.data<int64_t>(), *il = a.input_lengths.data<int64_t>(),
                *tl = a.target_lengths.data<int64_t>();
  py::gil_scoped_release release;
  if (a.log_probs.dtype == DType::f32)
    dlcore::cuda::ctc_loss_forward(a.loss.data<float>(), a.log_alpha.data<float>(),
                                   a.log_probs.data<float>(), tg, il, tl, d.blank, d.t, d.n, d.c,
                                   d.s);
  else
    dlcore::cuda::ctc_loss_forward(a.loss.data<double>(), a.log_alpha.data<double>(),
                                   a.log_probs.data<double>(), tg, il, tl, d.blank, d.t, d.n, d.c,
                                   d.s);
}

void ctc_loss_backward(py::handle grad, py::handle dloss, py::handle log_probs, py::handle targets,
                       py::handle input_lengths, py::handle target_lengths, py::handle blank,
                       py::handle log_alpha, py::handle loss) {
  const char* op = "ctc_loss_backward";
  const CtcBackwardArgs a =
      ctc_loss_backward_args(grad, dloss, log_probs, targets, input_lengths, target_lengths, blank,
                             log_alpha, loss, kCuda, op);
  check_device_memory({{&a.grad, "grad"},
                       {&a.dloss, "dloss"},
                       {&a.log_probs, "log_probs"},
                       {&a.targets, "targets"},
                       {&a.input_lengths, "input_lengths"},
                       {&a.target_lengths, "target_lengths"},
                       {&a.log_alpha, "log_alpha"},
                       {&a.loss, "loss"}},
                      op);
  check_values(a.d, a.targets, a.input_lengths, a.target_lengths, op);
  const CtcShape& d = a.d;
  const int64_t *tg = a.targets.data<int64_t>(), *il = a.input_lengths.data<int64_t>(),
                *tl = a.target_lengths.data<int64_t>();
  py::gil_scoped_release release;
  if (a.log_probs.dtype == DType::f32)
    dlcore::cuda::ctc_loss_backward(
        a.grad.data<float>(), a.dloss.data<float>(), a.log_probs.data<float>(), tg, il, tl, d.blank,
        a.log_alpha.data<float>(), a.loss.data<float>(), d.t, d.n, d.c, d.s);
  else
    dlcore::cuda::ctc_loss_backward(
        a.grad.data<double>(), a.dloss.data<double>(), a.log_probs.data<double>(), tg, il, tl,
        d.blank, a.log_alpha.data<double>(), a.loss.data<double>(), d.t, d.n, d.c, d.s);
}

}  // namespace

void bind_cuda_ctc(py::module_& cuda) {
  cuda.def("ctc_loss_forward", &ctc_loss_forward, py::arg("loss"), py::arg("log_alpha"),
           py::arg("log_probs"), py::arg("targets"), py::arg("input_lengths"),
           py::arg("target_lengths"), py::arg("blank"),
           "loss (N,) = -log p(target | input) (CTC, log space), log_alpha (N, T, 2S+1) saved");
  cuda.def("ctc_loss_backward", &ctc_loss_backward, py::arg("grad"), py::arg("dloss"),
           py::arg("log_probs"), py::arg("targets"), py::arg("input_lengths"),
           py::arg("target_lengths"), py::arg("blank"), py::arg("log_alpha"), py::arg("loss"),
           "grad (T, N, C) = dloss[n] * d loss[n] / d log_probs[t, n, c]");
}

}  // namespace dlcore::bind
