// ArrayView from numpy arrays and __cuda_array_interface__ objects, and the argument checks.
#include "bind/array_view.h"

#include <pybind11/numpy.h>

#include <sstream>
#include <stdexcept>

#if defined(DLCORE_WITH_CUDA)
#include "cuda/cuda_api.h"
#endif

namespace dlcore::bind {
namespace {

std::string type_name(py::handle obj) {
  return std::string(py::str(py::type::of(obj).attr("__name__")));
}

// By type number (no dtype objects made per call); non-native byte order is DType::other.
DType dtype_of(const py::dtype& dt) {
  const char bo = dt.byteorder();
  constexpr char kNative = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? '<' : '>';
  if (!(bo == '=' || bo == '|' || bo == kNative)) return DType::other;
  switch (dt.normalized_num()) {
    case py::detail::npy_api::NPY_FLOAT_: return DType::f32;
    case py::detail::npy_api::NPY_DOUBLE_: return DType::f64;
    case py::detail::npy_api::NPY_INT64_: return DType::i64;
    default: return DType::other;
  }
}

ArrayView from_numpy(py::handle obj) {
  auto a = py::reinterpret_borrow<py::array>(obj);
  ArrayView v;
  v.device = Device::cpu;
  py::dtype dt = a.dtype();
  v.dtype = dtype_of(dt);
  v.dtype_obj = dt;
  v.itemsize = a.itemsize();
  const int nd = int(a.ndim());
  static_assert(sizeof(py::ssize_t) == sizeof(int64_t), "numpy sizes are 64-bit here");
  v.shape.assign(reinterpret_cast<const int64_t*>(a.shape()), nd);
  v.strides.assign(reinterpret_cast<const int64_t*>(a.strides()), nd);
  v.ptr = const_cast<void*>(a.data());
  v.writeable = a.writeable();
  v.owner = a;
  return v;
}

// The __cuda_array_interface__ dict (versions 0-3): shape, typestr, data (ptr, read_only),
// strides (bytes, or None for C-contiguous); a mask is refused.
ArrayView from_cai(py::handle obj, const py::object& cai, const char* op, const char* name) {
  if (!py::isinstance<py::dict>(cai))
    fail_type(op, std::string(name) + ".__cuda_array_interface__ must be a dict");
  auto d = cai.cast<py::dict>();
  for (const char* key : {"shape", "typestr", "data"})
    if (!d.contains(key))
      fail(op, std::string(name) + ".__cuda_array_interface__ has no '" + key + "'");
  if (d.contains("mask") && !d["mask"].is_none())
    fail(op, std::string(name) + " has a mask; masked CUDA arrays are not supported");
  ArrayView v;
  v.device = Device::cuda;
  py::dtype dt;
  try {
    dt = py::dtype::from_args(d["typestr"]);
  } catch (py::error_already_set&) {
    fail_type(op,
              std::string(name) + " has an invalid typestr " + std::string(py::repr(d["typestr"])));
  }
  v.dtype = dtype_of(dt);
  v.dtype_obj = dt;
  v.itemsize = dt.itemsize();
  std::vector<int64_t> shape, strides;
  for (auto s : d["shape"].cast<py::tuple>()) shape.push_back(s.cast<int64_t>());
  if (d.contains("strides") && !d["strides"].is_none()) {
    for (auto s : d["strides"].cast<py::tuple>()) strides.push_back(s.cast<int64_t>());
    if (strides.size() != shape.size())
      fail(op, std::string(name) + " has " + std::to_string(strides.size()) + " strides for " +
                   std::to_string(shape.size()) + " axes");
  } else {  // C order
    strides.assign(shape.size(), 0);
    int64_t s = v.itemsize;
    for (int i = int(shape.size()) - 1; i >= 0; --i) {
      strides[i] = s;
      s *= shape[i];
    }
  }
  v.shape.assign(shape.data(), int(shape.size()));
  v.strides.assign(strides.data(), int(strides.size()));
  auto data = d["data"].cast<py::tuple>();
  if (data.size() != 2)
    fail(op, std::string(name) + ".__cuda_array_interface__ data must be (ptr, read_only)");
  v.ptr = reinterpret_cast<void*>(data[0].cast<uintptr_t>());
  v.writeable = !data[1].cast<bool>();
  v.owner = py::reinterpret_borrow<py::object>(obj);
  return v;
}

}  // namespace

const char* device_name(Device d) { return d == Device::cpu ? "cpu" : "cuda"; }

[[noreturn]] void fail(const std::string& op, const std::string& msg) {
  throw std::invalid_argument("[" + op + "] " + msg);
}

[[noreturn]] void fail_type(const std::string& op, const std::string& msg) {
  throw py::type_error("[" + op + "] " + msg);
}

int64_t ArrayView::size() const {
  int64_t n = 1;
  for (int i = 0; i < shape.size(); ++i) n *= shape[i];
  return n;
}

bool ArrayView::c_contiguous() const {
  int64_t want = itemsize;
  for (int i = ndim() - 1; i >= 0; --i) {
    if (shape[i] != 1 && strides[i] != want) return size() == 0;
    want *= shape[i];
  }
  return true;
}

std::string ArrayView::dtype_name() const { return std::string(py::str(dtype_obj)); }

std::string ArrayView::shape_str() const {
  std::ostringstream s;
  s << "(";
  for (int i = 0; i < ndim(); ++i) s << (i ? ", " : "") << shape[i];
  s << (ndim() == 1 ? ",)" : ")");
  return s.str();
}

ArrayView view(py::handle obj, Device device, const char* op, const char* name) {
  ArrayView v;
  if (py::isinstance<py::array>(obj)) {
    v = from_numpy(obj);
  } else if (py::hasattr(obj, "__cuda_array_interface__")) {
    v = from_cai(obj, obj.attr("__cuda_array_interface__"), op, name);
  } else {
    fail_type(
        op, std::string(name) + " must be a " +
                (device == Device::cpu ? "numpy array" : "CUDA array (__cuda_array_interface__)") +
                ", got " + type_name(obj));
  }
  if (v.device != device)
    fail_type(op, std::string(name) + " is a " + device_name(v.device) + " array; " + op +
                      " here runs on " + device_name(device) + " arrays (use the kernels of " +
                      device_name(v.device) + ", backend.kernels(x))");
  return v;
}

std::optional<ArrayView> view_optional(py::handle obj, Device device, const char* op,
                                       const char* name) {
  if (obj.is_none()) return std::nullopt;
  return view(obj, device, op, name);
}

DType check_float(const ArrayView& a, const char* op, const char* name) {
  if (a.dtype != DType::f32 && a.dtype != DType::f64)
    fail_type(op, std::string(name) + " must be float32 or float64, got " + a.dtype_name());
  return a.dtype;
}

void check_dtype(const ArrayView& a, DType want, const char* want_name, const char* op,
                 const char* name) {
  if (a.dtype != want)
    fail_type(op, std::string(name) + " must be " + want_name + ", got " + a.dtype_name());
}

void check_same_dtype(const ArrayView& a, const ArrayView& b, const char* op, const char* na,
                      const char* nb) {
  if (a.dtype != b.dtype || (a.dtype == DType::other && !a.dtype_obj.equal(b.dtype_obj)))
    fail_type(op, std::string(na) + " and " + nb + " must have the same dtype, got " +
                      a.dtype_name() + " and " + b.dtype_name());
}

void check_ndim(const ArrayView& a, int ndim, const char* op, const char* name) {
  if (a.ndim() != ndim)
    fail(op,
         std::string(name) + " must be " + std::to_string(ndim) + "-D, got shape " + a.shape_str());
}

void check_contiguous(const ArrayView& a, const char* op, const char* name) {
  if (!a.c_contiguous()) fail(op, std::string(name) + " must be C-contiguous");
}

void check_writeable(const ArrayView& a, const char* op, const char* name) {
  if (!a.writeable) fail(op, std::string(name) + " must be writeable");
}

void check_size(const ArrayView& a, int64_t n, const char* op, const char* name) {
  if (a.size() != n)
    fail(op, std::string(name) + " must have " + std::to_string(n) + " elements, got shape " +
                 a.shape_str());
}

int64_t elem_stride(const ArrayView& a, int axis, const char* op, const char* name) {
  if (a.shape[axis] <= 1) return 0;  // never stepped along: any stride (numpy's flags agree)
  const int64_t s = a.strides[axis];
  if (s < 0 || s % a.itemsize != 0)
    fail(op, std::string(name) + " has a negative or misaligned stride on axis " +
                 std::to_string(axis));
  return s / a.itemsize;
}

bool overlaps(const ArrayView& a, const ArrayView& b) {
  if (a.size() == 0 || b.size() == 0) return false;
  auto span = [](const ArrayView& x) {
    const char* lo = static_cast<const char*>(x.ptr);
    int64_t extent = x.itemsize;
    for (int i = 0; i < x.ndim(); ++i) extent += (x.shape[i] - 1) * x.strides[i];
    return std::make_pair(lo, lo + extent);
  };
  auto [a0, a1] = span(a);
  auto [b0, b1] = span(b);
  return a0 < b1 && b0 < a1;
}

void check_device_memory(const ArrayView& a, const char* op, const char* name) {
  if (a.device != Device::cuda || a.size() == 0) return;
#if defined(DLCORE_WITH_CUDA)
  if (dlcore::cuda::is_device_pointer(a.ptr)) return;
#endif
  fail(op, std::string(name) + "'s pointer is not CUDA device memory");
}

}  // namespace dlcore::bind
