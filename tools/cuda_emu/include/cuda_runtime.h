// A CPU stand-in for the CUDA runtime and device built-ins, for tools/cuda_emu only: each block
// of a launch runs as blockDim.x std::threads (blocks one after another), __syncthreads is a
// std::barrier, __shared__ is a static (one block at a time), warp shuffles go through a shared
// exchange array between two barriers (every thread of the block must reach them, as in
// block_sum), atomics take one lock. Device memory is host memory.
#pragma once
#include <barrier>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __shared__ static
#define __launch_bounds__(...)

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
  dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
};
inline thread_local dim3 threadIdx, blockIdx;
inline dim3 blockDim, gridDim;

enum cudaError_t { cudaSuccess = 0, cudaErrorUnknown = 1 };
enum cudaMemcpyKind { cudaMemcpyDeviceToHost = 2 };
enum cudaDeviceAttr { cudaDevAttrMultiProcessorCount = 16 };
enum cudaMemoryType { cudaMemoryTypeHost = 1, cudaMemoryTypeDevice = 2, cudaMemoryTypeManaged = 3 };
struct cudaPointerAttributes {
  cudaMemoryType type;
};
#define CUDART_VERSION 0
inline const char* cudaGetErrorString(cudaError_t) { return "emulated error"; }
inline cudaError_t cudaGetLastError() { return cudaSuccess; }
inline cudaError_t cudaGetDeviceCount(int* n) {
  *n = 1;
  return cudaSuccess;
}
inline cudaError_t cudaGetDevice(int* d) {
  *d = 0;
  return cudaSuccess;
}
inline cudaError_t cudaDeviceGetAttribute(int* v, cudaDeviceAttr, int) {
  const char* sms = std::getenv("DLCORE_EMU_SMS");  // tests pick a kernel's launch shape by it
  *v = sms != nullptr ? std::atoi(sms) : 132;
  return cudaSuccess;
}  // default: an H100's SMs
inline cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
inline cudaError_t cudaPointerGetAttributes(cudaPointerAttributes* a, const void*) {
  a->type = cudaMemoryTypeDevice;
  return cudaSuccess;
}
inline cudaError_t cudaMalloc(void* p, size_t n) {
  *(void**)p = std::malloc(n);
  return cudaSuccess;
}
inline cudaError_t cudaFree(void* p) {
  std::free(p);
  return cudaSuccess;
}
inline cudaError_t cudaMemset(void* p, int v, size_t n) {
  std::memset(p, v, n);
  return cudaSuccess;
}
inline cudaError_t cudaMemsetAsync(void* p, int v, size_t n, int = 0) {
  return cudaMemset(p, v, n);
}
inline cudaError_t cudaMemcpy(void* d, const void* s, size_t n, cudaMemcpyKind) {
  std::memcpy(d, s, n);
  return cudaSuccess;
}

namespace emu {
inline std::barrier<>* block_barrier = nullptr;
inline std::mutex atomic_lock;
inline double exchange[1024];

template <typename F>
void launch(dim3 grid, dim3 block, F body) {
  gridDim = grid;
  blockDim = block;
  for (unsigned z = 0; z < grid.z; ++z)
    for (unsigned y = 0; y < grid.y; ++y)
      for (unsigned x = 0; x < grid.x; ++x) {
        std::barrier<> bar(block.x);
        block_barrier = &bar;
        std::vector<std::thread> threads;
        for (unsigned t = 0; t < block.x; ++t)
          threads.emplace_back([&, t] {
            blockIdx = dim3(x, y, z);
            threadIdx = dim3(t);
            body();
          });
        for (auto& th : threads) th.join();
      }
}
}  // namespace emu

inline void __syncthreads() { emu::block_barrier->arrive_and_wait(); }
template <typename A>
A __shfl_xor_sync(unsigned, A v, int lane_mask) {
  emu::exchange[threadIdx.x] = double(v);
  __syncthreads();
  const A r = A(emu::exchange[threadIdx.x ^ lane_mask]);
  __syncthreads();
  return r;
}
template <typename A>
A atomicAdd(A* p, A v) {
  std::lock_guard<std::mutex> g(emu::atomic_lock);
  const A old = *p;
  *p = old + v;
  return old;
}
using std::erf;
using std::exp;
using std::fabs;
using std::fma;
using std::log;
using std::log1p;
using std::max;
using std::min;
using std::sqrt;
using std::tanh;
