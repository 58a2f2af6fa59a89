// Device discovery and pointer checks for the CUDA build; safe on machines with no driver.
#include "cuda/cuda_api.h"
#include "cuda/cuda_common.cuh"

namespace dlcore::cuda {

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver" error
    return 0;
  }
  return n;
}

int runtime_version() { return CUDART_VERSION; }

void synchronize() { CUDA_CHECK(cudaDeviceSynchronize()); }

void copy_to_host(void* dst, const void* src, size_t bytes) {
  if (bytes > 0) CUDA_CHECK(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost));
}

bool is_device_pointer(const void* p) {
  cudaPointerAttributes attr{};
  if (cudaPointerGetAttributes(&attr, p) != cudaSuccess) {
    cudaGetLastError();  // clear the error (no driver, or an unknown pointer)
    return false;
  }
  return attr.type == cudaMemoryTypeDevice || attr.type == cudaMemoryTypeManaged;
}

}  // namespace dlcore::cuda
