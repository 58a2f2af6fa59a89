// Scratch device memory for launchers that need it (rnn.cu, ctc.cu), .cu only: one grow-only
// buffer per device, kept for the process. Every launcher runs on the default stream, so a
// buffer reused by the next call is only touched after the previous call's kernels are done;
// a Workspace holds a lock while its caller enqueues, so that no other host thread grows (frees)
// the buffer between the caller taking a pointer and launching its kernels.
#pragma once
#include "cuda/cuda_common.cuh"

#include <cstddef>
#include <mutex>
#include <vector>

namespace dlcore::cuda {

class Workspace {
 public:
  // Room for `bytes` (the sum of padded(...) of the takes) on the current device.
  explicit Workspace(size_t bytes) : lock_(mutex()) {
    int dev = 0;
    CUDA_CHECK(cudaGetDevice(&dev));
    std::vector<Slot>& slots = per_device();
    if (int(slots.size()) <= dev) slots.resize(dev + 1);
    Slot& s = slots[dev];
    if (s.bytes < bytes) {
      if (s.ptr != nullptr) CUDA_CHECK(cudaFree(s.ptr));  // synchronises: no kernel uses it
      s.ptr = nullptr;
      s.bytes = 0;
      CUDA_CHECK(cudaMalloc(&s.ptr, bytes));
      s.bytes = bytes;
    }
    next_ = static_cast<char*>(s.ptr);
  }
  static size_t padded(size_t bytes) { return (bytes + 255) / 256 * 256; }
  // The next `count` elements of T (256-byte aligned); count 0 gives a valid pointer too.
  template <typename T>
  T* take(size_t count) {
    T* p = reinterpret_cast<T*>(next_);
    next_ += padded(count * sizeof(T));
    return p;
  }

 private:
  struct Slot {
    void* ptr = nullptr;
    size_t bytes = 0;
  };
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static std::vector<Slot>& per_device() {
    static std::vector<Slot> v;
    return v;
  }
  std::unique_lock<std::mutex> lock_;
  char* next_ = nullptr;
};

}  // namespace dlcore::cuda
