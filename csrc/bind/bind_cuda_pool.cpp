// _C.cuda max_pool2d_*, avg_pool2d_*, adaptive_avg_pool2d_* over CUDA arrays: NCHW, float32 or
// float64 (indices int64); the checks are pool_args.h's (shared with the CPU binding), then the
// device-memory check, then the launch with the GIL released.
#include "bind/array_view.h"
#include "bind/bind.h"
#include "bind/pool_args.h"
#include "cuda/cuda_api.h"

namespace dlcore::bind {
namespace {

constexpr Device kCuda = Device::cuda;
using dlcore::cuda::Pool2dGeometry;

Pool2dGeometry geometry(const cpu::Pool2dGeom& g) {
  return {g.planes, g.h, g.w, g.ho, g.wo, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw};
}

// The geometry of a kernel that needs only the plane sizes (window 1x1).
Pool2dGeometry planes(int64_t planes, int64_t h, int64_t w, int64_t ho, int64_t wo) {
  return {planes, h, w, ho, wo, 1, 1, 1, 1, 0, 0, 1, 1};
}

void max_pool2d_forward(py::handle y, py::handle indices, py::handle x, py::handle kernel,
                        py::handle stride, py::handle padding, py::handle dilation,
                        bool ceil_mode) {
  const char* op = "max_pool2d_forward";
  const MaxPoolForwardArgs a = max_pool2d_forward_args(y, indices, x, kernel, stride, padding,
                                                       dilation, ceil_mode, kCuda, op);
  check_device_memory({{&a.y, "y"}, {&a.indices, "indices"}, {&a.x, "x"}}, op);
  const Pool2dGeometry g = geometry(a.g);
  int64_t* idx = a.indices.data<int64_t>();
  py::gil_scoped_release release;
  if (a.x.dtype == DType::f32)
    dlcore::cuda::max_pool2d_forward(a.y.data<float>(), idx, a.x.data<float>(), g);
  else dlcore::cuda::max_pool2d_forward(a.y.data<double>(), idx, a.x.data<double>(), g);
}

void max_pool2d_backward(py::handle dx, py::handle dy, py::handle indices) {
  const char* op = "max_pool2d_backward";
  const MaxPoolBackwardArgs a = max_pool2d_backward_args(dx, dy, indices, kCuda, op);
  check_device_memory({{&a.dx, "dx"}, {&a.dy, "dy"}, {&a.indices, "indices"}}, op);
  const Pool2dGeometry g = planes(a.dx.shape[0] * a.dx.shape[1], a.dx.shape[2], a.dx.shape[3],
                                  a.dy.shape[2], a.dy.shape[3]);
  const int64_t* idx = a.indices.data<int64_t>();
  py::gil_scoped_release release;  // an index outside the plane raises before dx is written
  if (a.dy.dtype == DType::f32)
    dlcore::cuda::max_pool2d_backward(a.dx.data<float>(), a.dy.data<float>(), idx, g);
  else dlcore::cuda::max_pool2d_backward(a.dx.data<double>(), a.dy.data<double>(), idx, g);
}

void avg_pool2d_forward(py::handle y, py::handle x, py::handle kernel, py::handle stride,
                        py::handle padding, bool ceil_mode, bool count_include_pad,
                        int64_t divisor) {
  const char* op = "avg_pool2d_forward";
  const AvgPoolArgs a = avg_pool2d_args(y, x, kernel, stride, padding, ceil_mode, count_include_pad,
                                        divisor, false, kCuda, op);
  check_device_memory({{&a.out, "y"}, {&a.in, "x"}}, op);
  const Pool2dGeometry g = geometry(a.g);
  py::gil_scoped_release release;
  if (a.in.dtype == DType::f32)
    dlcore::cuda::avg_pool2d_forward(a.out.data<float>(), a.in.data<float>(), g, count_include_pad,
                                     divisor);
  else
    dlcore::cuda::avg_pool2d_forward(a.out.data<double>(), a.in.data<double>(), g,
                                     count_include_pad, divisor);
}

void avg_pool2d_backward(py::handle dx, py::handle dy, py::handle kernel, py::handle stride,
                         py::handle padding, bool ceil_mode, bool count_include_pad,
                         int64_t divisor) {
  const char* op = "avg_pool2d_backward";
  const AvgPoolArgs a = avg_pool2d_args(dx, dy, kernel, stride, padding, ceil_mode,
                                        count_include_pad, divisor, true, kCuda, op);
  check_device_memory({{&a.out, "dx"}, {&a.in, "dy"}}, op);
  const Pool2dGeometry g = geometry(a.g);
  py::gil_scoped_release release;
  if (a.in.dtype == DType::f32)
    dlcore::cuda::avg_pool2d_backward(a.out.data<float>(), a.in.data<float>(), g, count_include_pad,
                                      divisor);
  else
    dlcore::cuda::avg_pool2d_backward(a.out.data<double>(), a.in.data<double>(), g,
                                      count_include_pad, divisor);
}

void adaptive_avg_pool2d_forward(py::handle y, py::handle x) {
  const char* op = "adaptive_avg_pool2d_forward";
  const AdaptiveArgs a = adaptive_avg_pool2d_args(y, x, false, kCuda, op);
  check_device_memory({{&a.out, "y"}, {&a.in, "x"}}, op);
  const Pool2dGeometry g = planes(a.planes, a.h, a.w, a.ho, a.wo);
  py::gil_scoped_release release;
  if (a.in.dtype == DType::f32)
    dlcore::cuda::adaptive_avg_pool2d_forward(a.out.data<float>(), a.in.data<float>(), g);
  else dlcore::cuda::adaptive_avg_pool2d_forward(a.out.data<double>(), a.in.data<double>(), g);
}

void adaptive_avg_pool2d_backward(py::handle dx, py::handle dy) {
  const char* op = "adaptive_avg_pool2d_backward";
  const AdaptiveArgs a = adaptive_avg_pool2d_args(dx, dy, true, kCuda, op);
  check_device_memory({{&a.out, "dx"}, {&a.in, "dy"}}, op);
  const Pool2dGeometry g = planes(a.planes, a.h, a.w, a.ho, a.wo);
  py::gil_scoped_release release;
  if (a.in.dtype == DType::f32)
    dlcore::cuda::adaptive_avg_pool2d_backward(a.out.data<float>(), a.in.data<float>(), g);
  else dlcore::cuda::adaptive_avg_pool2d_backward(a.out.data<double>(), a.in.data<double>(), g);
}

}  // namespace

void bind_cuda_pool(py::module_& cuda) {
  cuda.def("max_pool2d_forward", &max_pool2d_forward, py::arg("y"), py::arg("indices"),
           py::arg("x"), py::arg("kernel"), py::arg("stride"), py::arg("padding"),
           py::arg("dilation"), py::arg("ceil_mode"),
           "y and int64 indices (flat h*W + w per plane) of the 2-D max pool of x (NCHW)");
  cuda.def("max_pool2d_backward", &max_pool2d_backward, py::arg("dx"), py::arg("dy"),
           py::arg("indices"), "dx zeroed, then dy added at indices");
  cuda.def("avg_pool2d_forward", &avg_pool2d_forward, py::arg("y"), py::arg("x"), py::arg("kernel"),
           py::arg("stride"), py::arg("padding"), py::arg("ceil_mode"),
           py::arg("count_include_pad"), py::arg("divisor"),
           "2-D average pool (divisor 0: torch's default, else divisor_override)");
  cuda.def("avg_pool2d_backward", &avg_pool2d_backward, py::arg("dx"), py::arg("dy"),
           py::arg("kernel"), py::arg("stride"), py::arg("padding"), py::arg("ceil_mode"),
           py::arg("count_include_pad"), py::arg("divisor"), "the gradient of avg_pool2d");
  cuda.def("adaptive_avg_pool2d_forward", &adaptive_avg_pool2d_forward, py::arg("y"), py::arg("x"),
           "adaptive 2-D average pool; the output size is y's");
  cuda.def("adaptive_avg_pool2d_backward", &adaptive_avg_pool2d_backward, py::arg("dx"),
           py::arg("dy"), "the gradient of adaptive_avg_pool2d");
}

}  // namespace dlcore::bind
