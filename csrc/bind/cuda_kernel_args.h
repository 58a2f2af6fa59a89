// Argument checks shared by the CUDA bindings of issue 18's kernels (bind_cuda_conv.cpp,
// bind_cuda_pool.cpp, bind_cuda_norm.cpp): CUDA array views of one float dtype, exact shapes,
// tuples of ints, outputs that do not overlap inputs, and the device-memory checks done last.
// Errors are TypeError/ValueError "[op] ...", raised before any kernel runs.
#pragma once
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bind/array_view.h"

namespace dlcore::bind::cuda_args {

constexpr Device kCuda = Device::cuda;

inline std::string dims_str(const std::vector<int64_t>& d) {
  std::string s = "(";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + (d.size() == 1 ? ",)" : ")");
}

// A float32/float64 CUDA array, C-contiguous, of `ndim` axes (0: any).
inline ArrayView float_array(py::handle obj, int ndim, const char* op, const char* name) {
  ArrayView v = view(obj, kCuda, op, name);
  check_float(v, op, name);
  if (ndim) check_ndim(v, ndim, op, name);
  check_contiguous(v, op, name);
  return v;
}

// A CUDA array of ref's dtype, C-contiguous, of `ndim` axes (0: any).
inline ArrayView like(py::handle obj, const ArrayView& ref, int ndim, const char* op,
                      const char* name, const char* ref_name) {
  ArrayView v = view(obj, kCuda, op, name);
  check_same_dtype(ref, v, op, ref_name, name);
  if (ndim) check_ndim(v, ndim, op, name);
  check_contiguous(v, op, name);
  return v;
}

inline std::optional<ArrayView> like_optional(py::handle obj, const ArrayView& ref, int ndim,
                                              const char* op, const char* name,
                                              const char* ref_name) {
  if (obj.is_none()) return std::nullopt;
  return like(obj, ref, ndim, op, name, ref_name);
}

inline std::vector<int64_t> shape_of(const ArrayView& a) {
  std::vector<int64_t> s(a.ndim());
  for (int i = 0; i < a.ndim(); ++i) s[i] = a.shape[i];
  return s;
}

inline void check_shape(const ArrayView& a, const std::vector<int64_t>& want, const char* op,
                        const char* name, const std::string& why = "") {
  if (shape_of(a) != want)
    fail(op, std::string(name) + " must have shape " + dims_str(want) + (why.empty() ? "" : " ") +
                 why + ", got " + a.shape_str());
}

// A Python tuple of n ints, each >= lo: TypeError when not a tuple of ints, ValueError else.
inline std::vector<int64_t> int_tuple(py::handle obj, size_t n, int64_t lo, const char* op,
                                      const char* name) {
  if (!py::isinstance<py::tuple>(obj))
    fail_type(op, std::string(name) + " must be a tuple of " + std::to_string(n) + " ints, got " +
                      std::string(py::str(py::type::of(obj).attr("__name__"))));
  auto t = py::reinterpret_borrow<py::tuple>(obj);
  std::vector<int64_t> v;
  for (auto e : t) {
    if (!py::isinstance<py::int_>(e) || py::isinstance<py::bool_>(e))
      fail_type(op, std::string(name) + " must hold ints, got " + std::string(py::repr(obj)));
    v.push_back(e.cast<int64_t>());
  }
  if (v.size() != n)
    fail(op, std::string(name) + " must have " + std::to_string(n) + " entries, got " +
                 std::string(py::repr(obj)));
  for (int64_t x : v)
    if (x < lo)
      fail(op, std::string(name) + " entries must be >= " + std::to_string(lo) + ", got " +
                   std::string(py::repr(obj)));
  return v;
}

inline void check_output(const ArrayView& out, const char* op, const char* name,
                         std::initializer_list<std::pair<const ArrayView*, const char*>> inputs) {
  check_writeable(out, op, name);
  for (const auto& [in, in_name] : inputs)
    if (in != nullptr && overlaps(out, *in))
      fail(op, std::string(name) + " must not overlap " + in_name);
}

// Elementwise kernels may write in place: out is exactly `in` (same start, shape checked by the
// caller) or does not overlap it.
inline void check_same_or_apart(const ArrayView& out, const ArrayView& in, const char* op,
                                const char* name, const char* in_name) {
  if (out.ptr != in.ptr && overlaps(out, in))
    fail(op, std::string(name) + " must be " + in_name + " itself or not overlap it");
}

// Device memory of every array (host pointers refused), after all other checks.
inline void check_device(std::initializer_list<std::pair<const ArrayView*, const char*>> arrays,
                         const char* op) {
  for (const auto& [a, name] : arrays)
    if (a != nullptr) check_device_memory(*a, op, name);
}

template <typename T>
T* ptr(const std::optional<ArrayView>& v) {
  return v ? v->data<T>() : nullptr;
}
inline const ArrayView* opt(const std::optional<ArrayView>& v) { return v ? &*v : nullptr; }

}  // namespace dlcore::bind::cuda_args
