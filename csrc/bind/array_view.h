// One view of an array argument, whatever its library: a numpy array (CPU) or any object with
// `__cuda_array_interface__` (CUDA: CuPy, torch, numba, ...). Every binding views each array
// argument once, checks it with the helpers below, and only then releases the GIL and calls a
// kernel. Errors name the op: "[op] name ...". Wrong library, device or dtype: TypeError;
// wrong shape, size, strides, writeability or memory: ValueError.
#pragma once
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dlcore::bind {

namespace py = pybind11;

enum class Device { cpu, cuda };
enum class DType { f32, f64, i64, other };

const char* device_name(Device d);

// Shape or strides: up to 4 axes stored inline (every kernel's arrays), more on the heap, so
// that viewing an argument allocates nothing.
class Dims {
 public:
  void assign(const int64_t* p, int n) {
    n_ = n;
    if (n <= kInline) std::copy(p, p + n, inline_);
    else heap_.assign(p, p + n);
  }
  int size() const { return n_; }
  int64_t operator[](int i) const { return n_ <= kInline ? inline_[i] : heap_[i]; }

 private:
  static constexpr int kInline = 4;
  int n_ = 0;
  int64_t inline_[kInline] = {};
  std::vector<int64_t> heap_;
};

struct ArrayView {
  Device device;
  DType dtype;
  py::object dtype_obj;          // the numpy dtype, for messages (dtype_name())
  int64_t itemsize;              // bytes
  Dims shape;
  Dims strides;                  // bytes, one per axis
  void* ptr;                     // first element (host or device address)
  bool writeable;
  py::object owner;              // keeps the array alive for the call

  int ndim() const { return int(shape.size()); }
  int64_t size() const;
  bool c_contiguous() const;     // row-major and dense (size-1 axes may have any stride)
  std::string shape_str() const; // "(3, 4)", "(5,)"
  std::string dtype_name() const;  // "float32", "int64", ... as numpy spells it
  template <typename T>
  T* data() const {
    return static_cast<T*>(ptr);
  }
};

// Views obj for an op of the `device` namespace. TypeError when obj is not an array, or is an
// array of the other device ("[op] name is a cuda array; op runs on cpu arrays").
ArrayView view(py::handle obj, Device device, const char* op, const char* name);
// As view, but None gives nullopt (optional state buffers).
std::optional<ArrayView> view_optional(py::handle obj, Device device, const char* op,
                                       const char* name);

[[noreturn]] void fail(const std::string& op, const std::string& msg);       // ValueError
[[noreturn]] void fail_type(const std::string& op, const std::string& msg);  // TypeError

DType check_float(const ArrayView& a, const char* op, const char* name);  // float32 | float64
void check_dtype(const ArrayView& a, DType want, const char* want_name, const char* op,
                 const char* name);
void check_same_dtype(const ArrayView& a, const ArrayView& b, const char* op, const char* na,
                      const char* nb);
void check_ndim(const ArrayView& a, int ndim, const char* op, const char* name);
void check_contiguous(const ArrayView& a, const char* op, const char* name);
void check_writeable(const ArrayView& a, const char* op, const char* name);
void check_size(const ArrayView& a, int64_t n, const char* op, const char* name);
// The stride of `axis` in elements; ValueError when negative or not a multiple of itemsize.
// An axis of length 0 or 1 is never stepped along: its stride is 0 whatever the array says
// (the rule of numpy's contiguity flags, which ops/_helpers.gemm_operand relies on).
int64_t elem_stride(const ArrayView& a, int axis, const char* op, const char* name);
// True when the byte ranges spanned by a and b intersect (non-negative strides).
bool overlaps(const ArrayView& a, const ArrayView& b);
// A CUDA array's pointer must be device (or managed) memory: ValueError otherwise, e.g. a
// host pointer behind a hand-made __cuda_array_interface__. Call after the other checks.
void check_device_memory(const ArrayView& a, const char* op, const char* name);
// check_device_memory of each (array, name) in order; a null array (an absent optional) is
// skipped.
inline void check_device_memory(
    std::initializer_list<std::pair<const ArrayView*, const char*>> arrays, const char* op) {
  for (const auto& [a, name] : arrays)
    if (a != nullptr) check_device_memory(*a, op, name);
}

}  // namespace dlcore::bind
