// backends/cuda/common.cuh: device helpers every kernel file shares: unaligned little-endian loads from ggml's block
// layouts (blocks sit at 2-byte offsets, so wider loads are built from 16-bit ones), half/bf16 decoding, warp sums.
#pragma once
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

namespace snug::cuda {

constexpr int WARP = 32;

__device__ __forceinline__ float half_at(const uint8_t* p) {
    return __half2float(__ushort_as_half(*reinterpret_cast<const uint16_t*>(p)));
}
__device__ __forceinline__ float bf16_at(const uint8_t* p) {
    return __uint_as_float(static_cast<uint32_t>(*reinterpret_cast<const uint16_t*>(p)) << 16);
}
// Four bytes at a 2-byte aligned address.
__device__ __forceinline__ uint32_t u32_at2(const uint8_t* p) {
    const auto* h = reinterpret_cast<const uint16_t*>(p);
    return static_cast<uint32_t>(h[0]) | (static_cast<uint32_t>(h[1]) << 16);
}
// Four bytes at a 4-byte aligned address.
__device__ __forceinline__ uint32_t u32_at4(const uint8_t* p) { return *reinterpret_cast<const uint32_t*>(p); }

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = WARP / 2; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}
__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = WARP / 2; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// a * b + c rounded twice, as the CPU reference computes it (quant/ is built with -ffp-contract=off): nvcc would
// otherwise fuse it into one FMA and change the last bit.
__device__ __forceinline__ float mul_add_rn(float a, float b, float c) { return __fadd_rn(__fmul_rn(a, b), c); }

inline unsigned int ceil_div(int64_t a, int64_t b) { return static_cast<unsigned int>((a + b - 1) / b); }

}  // namespace snug::cuda
