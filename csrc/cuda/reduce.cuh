// Block-wide sum for reduction kernels (conv bias gradient, batch norm statistics), .cu only.
#pragma once
#include <cuda_runtime.h>

namespace dlcore::cuda {

// The sum of v over the block (blockDim.x a multiple of 32, at most 1024), returned to every
// thread. Contains __syncthreads: every thread of the block must call it.
template <typename A>
__device__ A block_sum(A v) {
  __shared__ A part[32];
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  __syncthreads();  // part[] may still be read by a previous call
  if (lane == 0) part[warp] = v;
  __syncthreads();
  v = lane < warps ? part[lane] : A(0);
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

}  // namespace dlcore::cuda
