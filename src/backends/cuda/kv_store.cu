// backends/cuda/kv_store.cu: writes a step's keys and values into their paged slots, encoded byte for byte as
// quant::quantize_row_ref writes them (and so as the CPU backend's kv_store): a cache filled on either device reads
// the same on both.
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"
#include "base/error.h"

namespace snug::cuda {
namespace {

constexpr int THREADS = 128;

__device__ __forceinline__ void store_half(uint8_t* p, float v) {
    *reinterpret_cast<uint16_t*>(p) = __half_as_ushort(__float2half_rn(v));
}

// quantize_q8_0: d = max|x| / 127, q = round(x / d) (half away from zero).
__device__ void encode_q8_0(const float* x, uint8_t* b) {
    float amax = 0.0f;
    for (int j = 0; j < 32; ++j) amax = fmaxf(amax, fabsf(x[j]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_half(b, d);
    for (int j = 0; j < 32; ++j) b[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(roundf(__fmul_rn(x[j], id))));
}

// quantize_q4_0: the signed value of largest magnitude (the first on ties) maps to -8; q = trunc(x / d + 8.5).
__device__ void encode_q4_0(const float* x, uint8_t* b) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < 32; ++j)
        if (amax < fabsf(x[j])) {
            amax = fabsf(x[j]);
            max = x[j];
        }
    const float d = max / -8.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_half(b, d);
    for (int j = 0; j < 16; ++j) {
        const int q0 = min(15, __float2int_rz(mul_add_rn(x[j], id, 8.5f)));
        const int q1 = min(15, __float2int_rz(mul_add_rn(x[j + 16], id, 8.5f)));
        b[2 + j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
}

// One block per token; k and v rows of n_kv_heads * head_dim values are encoded as one row each.
__global__ void kv_store_kernel(PagedKv kv, const int32_t* positions, const float* k, const float* v) {
    const int64_t t = blockIdx.x;
    const int32_t pos = positions[t];
    const int64_t slot = kv.tok_table[t] + pos / kv.block_size;
    const size_t off = static_cast<size_t>(pos % kv.block_size) * kv.pos_bytes;
    const int64_t row = static_cast<int64_t>(kv.n_kv_heads) * kv.head_dim;
    for (int which = 0; which < 2; ++which) {
        const float* x = (which ? v : k) + t * row;
        uint8_t* dst = (which ? kv.v_blocks : kv.k_blocks)[slot] + off;
        switch (kv.dtype) {
        case DType::F32:
            for (int64_t i = threadIdx.x; i < row; i += blockDim.x) reinterpret_cast<float*>(dst)[i] = x[i];
            break;
        case DType::F16:
            for (int64_t i = threadIdx.x; i < row; i += blockDim.x) store_half(dst + 2 * i, x[i]);
            break;
        case DType::Q8_0:
            for (int64_t b = threadIdx.x; b < row / 32; b += blockDim.x) encode_q8_0(x + 32 * b, dst + 34 * b);
            break;
        case DType::Q4_0:
            for (int64_t b = threadIdx.x; b < row / 32; b += blockDim.x) encode_q4_0(x + 32 * b, dst + 18 * b);
            break;
        default: break;
        }
    }
}

}  // namespace

void kv_store(const PagedKv& kv, const int32_t* positions, int64_t n_tokens, const float* k, const float* v,
              cudaStream_t stream) {
    if (n_tokens <= 0) return;
    if (kv.dtype != DType::F32 && kv.dtype != DType::F16 && kv.dtype != DType::Q8_0 && kv.dtype != DType::Q4_0)
        throw Error("the CUDA backend cannot store a KV cache as " + std::string(dtype_name(kv.dtype)));
    kv_store_kernel<<<static_cast<unsigned>(n_tokens), THREADS, 0, stream>>>(kv, positions, k, v);
}

}  // namespace snug::cuda
