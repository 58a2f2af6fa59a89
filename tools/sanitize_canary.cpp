// Known-bad code for tools/sanitize.sh's self-check, never part of the extension: built only in a
// DLCORE_SANITIZE build, with the same flags as _C, as a small library Python loads with ctypes.
// Each function must make the sanitizer abort the process; the script fails if one does not.
#include <cstdint>

extern "C" {

// Writes one element past the end of a buffer of n floats (ASan: heap-buffer-overflow when the
// buffer is a numpy array's data).
void canary_write_past_end(float* data, int64_t n) {
  for (int64_t i = 0; i <= n; ++i) data[i] = 1.0f;
}

// The same out-of-bounds write from inside an OpenMP team (ASan in libgomp's worker threads).
void canary_write_past_end_omp(float* data, int64_t n) {
#pragma omp parallel for num_threads(2)
  for (int64_t i = 0; i <= n; ++i) data[i] = 2.0f;
}

// Signed overflow when x is INT32_MAX (UBSan: signed integer overflow).
int32_t canary_signed_overflow(int32_t x) { return x + 1; }

// A float-to-integer conversion out of range when |x| >= 2^31 (UBSan: float-cast-overflow).
int32_t canary_float_to_int(double x) { return static_cast<int32_t>(x); }

}  // extern "C"
