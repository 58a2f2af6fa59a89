// _C.cpu.gemm: out = alpha * a @ b + beta * out over numpy arrays, 2-D or batched 3-D.
#include <algorithm>
#include <string>

#include "bind/array_view.h"
#include "bind/bind.h"
#include "cpu/gemm.h"

namespace dlcore::bind {
namespace {

// A 2-D operand of gemm as (transposed, leading dimension), read from its strides: either the
// column stride is 1 (row-major, ld = row stride) or the row stride is 1 (a transposed view,
// ld = column stride). Anything else needs a copy, which the Python layer makes.
struct MatRef {
  bool trans;
  int64_t ld;
};

MatRef mat_ref(const ArrayView& x, int nd, const char* op, const char* name) {
  const int64_t rows = x.shape[nd - 2], cols = x.shape[nd - 1];
  const int64_t s0 = elem_stride(x, nd - 2, op, name), s1 = elem_stride(x, nd - 1, op, name);
  if (rows == 0 || cols == 0) return {false, std::max<int64_t>(cols, 1)};  // never read
  const bool unit_col = cols == 1 || s1 == 1;
  const bool unit_row = rows == 1 || s0 == 1;
  if (unit_col && (rows == 1 || s0 >= cols))
    return {false, rows == 1 ? std::max<int64_t>(cols, 1) : s0};
  if (unit_row && (cols == 1 || s1 >= rows))
    return {true, cols == 1 ? std::max<int64_t>(rows, 1) : s1};
  fail(op, std::string(name) + " needs a unit stride along one of its last two axes (strides " +
               std::to_string(s0) + ", " + std::to_string(s1) + " elements)");
}

template <typename T>
void gemm_typed(const ArrayView& a, const ArrayView& b, const ArrayView& out, const MatRef& ra,
                const MatRef& rb, const MatRef& rc, int64_t sa, int64_t sb, int64_t sc,
                double alpha, double beta) {
  const int nd = out.ndim();
  const int64_t m = out.shape[nd - 2], n = out.shape[nd - 1], k = a.shape[nd - 1];
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* pc = out.data<T>();
  py::gil_scoped_release release;
  if (nd == 2)
    cpu::gemm<T>(ra.trans, rb.trans, m, n, k, T(alpha), pa, ra.ld, pb, rb.ld, T(beta), pc, rc.ld);
  else
    cpu::gemm_batched<T>(out.shape[0], ra.trans, rb.trans, m, n, k, T(alpha), pa, ra.ld, sa, pb,
                         rb.ld, sb, T(beta), pc, rc.ld, sc);
}

// a (m, k), b (k, n), out (m, n); or batched with a leading axis of equal length on all three
// (a or b may have batch stride 0, i.e. a broadcast view). out must not overlap a or b.
void gemm(py::handle a_obj, py::handle b_obj, py::handle out_obj, double alpha, double beta) {
  const char* op = "gemm";
  const ArrayView a = view(a_obj, Device::cpu, op, "a");
  const ArrayView b = view(b_obj, Device::cpu, op, "b");
  const ArrayView out = view(out_obj, Device::cpu, op, "out");
  const DType dt = check_float(a, op, "a");
  check_same_dtype(a, b, op, "a", "b");
  check_same_dtype(a, out, op, "a", "out");
  check_writeable(out, op, "out");
  const int nd = out.ndim();
  if (nd != 2 && nd != 3) fail(op, "out must be 2-D or 3-D, got shape " + out.shape_str());
  if (a.ndim() != nd || b.ndim() != nd)
    fail(op, "a " + a.shape_str() + ", b " + b.shape_str() + " and out " + out.shape_str() +
                 " must have the same number of dimensions");
  const int64_t m = out.shape[nd - 2], n = out.shape[nd - 1], k = a.shape[nd - 1];
  if (a.shape[nd - 2] != m || b.shape[nd - 2] != k || b.shape[nd - 1] != n)
    fail(op, "shapes a " + a.shape_str() + " @ b " + b.shape_str() + " -> out " + out.shape_str() +
                 " do not match: need a (m, k), b (k, n), out (m, n)");
  int64_t sa = 0, sb = 0, sc = 0;
  if (nd == 3) {
    if (a.shape[0] != out.shape[0] || b.shape[0] != out.shape[0])
      fail(op, "batch sizes of a " + a.shape_str() + ", b " + b.shape_str() + " and out " +
                   out.shape_str() + " differ");
    sa = elem_stride(a, 0, op, "a");
    sb = elem_stride(b, 0, op, "b");
    sc = elem_stride(out, 0, op, "out");
    if (out.shape[0] > 1 && sc < m * n && m * n > 0)
      fail(op, "out's batch stride is smaller than one matrix");
  }
  const MatRef ra = mat_ref(a, nd, op, "a");
  const MatRef rb = mat_ref(b, nd, op, "b");
  const MatRef rc = mat_ref(out, nd, op, "out");
  if (rc.trans && m > 1 && n > 1) fail(op, "out must have unit stride along its last axis");
  if (overlaps(out, a) || overlaps(out, b)) fail(op, "out must not overlap a or b");
  if (dt == DType::f32) gemm_typed<float>(a, b, out, ra, rb, rc, sa, sb, sc, alpha, beta);
  else gemm_typed<double>(a, b, out, ra, rb, rc, sa, sb, sc, alpha, beta);
}

}  // namespace

void bind_gemm(py::module_& cpu) {
  cpu.def("gemm", &gemm, py::arg("a"), py::arg("b"), py::arg("out"), py::arg("alpha") = 1.0,
          py::arg("beta") = 0.0, "out = alpha * a @ b + beta * out (2-D or batched 3-D)");
}

}  // namespace dlcore::bind
