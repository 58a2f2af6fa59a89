// _C.cpu max/avg/adaptive-avg pooling over numpy NCHW arrays (float32/float64, indices int64);
// the checks are pool_args.h's (shared with the CUDA binding), then the GIL is released.
#include "bind/bind.h"
#include "bind/pool_args.h"
#include "cpu/pool.h"

namespace dlcore::bind {
namespace {

constexpr Device kCpu = Device::cpu;

void max_pool2d_forward(py::handle y, py::handle indices, py::handle x, py::handle kernel,
                        py::handle stride, py::handle padding, py::handle dilation,
                        bool ceil_mode) {
  const char* op = "max_pool2d_forward";
  const MaxPoolForwardArgs a = max_pool2d_forward_args(y, indices, x, kernel, stride, padding,
                                                       dilation, ceil_mode, kCpu, op);
  int64_t* idx = a.indices.data<int64_t>();
  py::gil_scoped_release release;
  if (a.x.dtype == DType::f32)
    cpu::max_pool2d_forward<float>(a.y.data<float>(), idx, a.x.data<float>(), a.g);
  else cpu::max_pool2d_forward<double>(a.y.data<double>(), idx, a.x.data<double>(), a.g);
}

void max_pool2d_backward(py::handle dx, py::handle dy, py::handle indices) {
  const char* op = "max_pool2d_backward";
  const MaxPoolBackwardArgs a = max_pool2d_backward_args(dx, dy, indices, kCpu, op);
  const int64_t planes = a.dx.shape[0] * a.dx.shape[1];
  const int64_t hw = a.dx.shape[2] * a.dx.shape[3], howo = a.dy.shape[2] * a.dy.shape[3];
  const int64_t* idx = a.indices.data<int64_t>();
  py::gil_scoped_release release;
  if (a.dy.dtype == DType::f32)
    cpu::max_pool2d_backward<float>(a.dx.data<float>(), a.dy.data<float>(), idx, planes, hw, howo);
  else
    cpu::max_pool2d_backward<double>(a.dx.data<double>(), a.dy.data<double>(), idx, planes, hw,
                                     howo);
}

void avg_pool2d_forward(py::handle y, py::handle x, py::handle kernel, py::handle stride,
                        py::handle padding, bool ceil_mode, bool count_include_pad,
                        int64_t divisor) {
  const AvgPoolArgs a = avg_pool2d_args(y, x, kernel, stride, padding, ceil_mode, count_include_pad,
                                        divisor, false, kCpu, "avg_pool2d_forward");
  py::gil_scoped_release release;
  if (a.in.dtype == DType::f32)
    cpu::avg_pool2d_forward<float>(a.out.data<float>(), a.in.data<float>(), a.g, count_include_pad,
                                   divisor);
  else
    cpu::avg_pool2d_forward<double>(a.out.data<double>(), a.in.data<double>(), a.g,
                                    count_include_pad, divisor);
}

void avg_pool2d_backward(py::handle dx, py::handle dy, py::handle kernel, py::handle stride,
                         py::handle padding, bool ceil_mode, bool count_include_pad,
                         int64_t divisor) {
  const AvgPoolArgs a =
      avg_pool2d_args(dx, dy, kernel, stride, padding, ceil_mode, count_include_pad, divisor, true,
                      kCpu, "avg_pool2d_backward");
  py::gil_scoped_release release;
  if (a.in.dtype == DType::f32)
    cpu::avg_pool2d_backward<float>(a.out.data<float>(), a.in.data<float>(), a.g, count_include_pad,
                                    divisor);
  else
    cpu::avg_pool2d_backward<double>(a.out.data<double>(), a.in.data<double>(), a.g,
                                     count_include_pad, divisor);
}

void adaptive_avg_pool2d_forward(py::handle y, py::handle x) {
  const AdaptiveArgs a = adaptive_avg_pool2d_args(y, x, false, kCpu, "adaptive_avg_pool2d_forward");
  py::gil_scoped_release release;
  if (a.in.dtype == DType::f32)
    cpu::adaptive_avg_pool2d_forward<float>(a.out.data<float>(), a.in.data<float>(), a.planes, a.h,
                                            a.w, a.ho, a.wo);
  else
    cpu::adaptive_avg_pool2d_forward<double>(a.out.data<double>(), a.in.data<double>(), a.planes,
                                             a.h, a.w, a.ho, a.wo);
}

void adaptive_avg_pool2d_backward(py::handle dx, py::handle dy) {
  const AdaptiveArgs a =
      adaptive_avg_pool2d_args(dx, dy, true, kCpu, "adaptive_avg_pool2d_backward");
  py::gil_scoped_release release;
  if (a.in.dtype == DType::f32)
    cpu::adaptive_avg_pool2d_backward<float>(a.out.data<float>(), a.in.data<float>(), a.planes, a.h,
                                             a.w, a.ho, a.wo);
  else
    cpu::adaptive_avg_pool2d_backward<double>(a.out.data<double>(), a.in.data<double>(), a.planes,
                                              a.h, a.w, a.ho, a.wo);
}

}  // namespace

void bind_pool(py::module_& cpu) {
  cpu.def(
      "max_pool2d_forward", &max_pool2d_forward, py::arg("y"), py::arg("indices"), py::arg("x"),
      py::arg("kernel"), py::arg("stride"), py::arg("padding"), py::arg("dilation"),
      py::arg("ceil_mode"),
      "y, indices (N, C, Ho, Wo) = max and flat index h*W + w of each window of x (N, C, H, W)");
  cpu.def("max_pool2d_backward", &max_pool2d_backward, py::arg("dx"), py::arg("dy"),
          py::arg("indices"), "dx = 0, then dy scattered (added) at indices in each plane");
  cpu.def("avg_pool2d_forward", &avg_pool2d_forward, py::arg("y"), py::arg("x"), py::arg("kernel"),
          py::arg("stride"), py::arg("padding"), py::arg("ceil_mode"), py::arg("count_include_pad"),
          py::arg("divisor"), "y = window sums of x / divisor (0: torch's default divisor)");
  cpu.def("avg_pool2d_backward", &avg_pool2d_backward, py::arg("dx"), py::arg("dy"),
          py::arg("kernel"), py::arg("stride"), py::arg("padding"), py::arg("ceil_mode"),
          py::arg("count_include_pad"), py::arg("divisor"),
          "dx = 0, then dy / divisor added over each window");
  cpu.def("adaptive_avg_pool2d_forward", &adaptive_avg_pool2d_forward, py::arg("y"), py::arg("x"),
          "y (N, C, Ho, Wo) = means of x over torch's adaptive windows");
  cpu.def("adaptive_avg_pool2d_backward", &adaptive_avg_pool2d_backward, py::arg("dx"),
          py::arg("dy"), "dx = 0, then dy / window size added over each adaptive window");
}

}  // namespace dlcore::bind
