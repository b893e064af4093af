// backends/cuda/get_rows.cu: row gathers with dequantization (embeddings, output-row selection, f32 tiles) and the
// half-precision tiles prompt processing hands to cuBLAS.
#include "backends/cuda/dequant.cuh"
#include "backends/cuda/kernels.h"
#include "base/error.h"

namespace snug::cuda {
namespace {

constexpr int THREADS = 128;

template <DType T>
__device__ __forceinline__ float value_at(const uint8_t* row, int64_t i) {
    if constexpr (T == DType::F32) return reinterpret_cast<const float*>(row)[i];
    else if constexpr (T == DType::F16) return half_at(row + 2 * i);
    else return bf16_at(row + 2 * i);
}

// One block per output row. Out is float or __half.
template <DType T, class Out>
__global__ void get_rows_kernel(const uint8_t* table, size_t row_bytes, int64_t k, const int32_t* ids,
                                int64_t first_row, Out* y) {
    const int64_t r = blockIdx.x;
    const int64_t src = ids ? ids[r] : first_row + r;
    const uint8_t* row = table + static_cast<size_t>(src) * row_bytes;
    Out* dst = y + r * k;
    constexpr bool FLOAT_TYPE = T == DType::F32 || T == DType::F16 || T == DType::BF16;
    if (FLOAT_TYPE && k % UNIT != 0) {  // float rows of any length, one value per thread
        if constexpr (FLOAT_TYPE)
            for (int64_t i = threadIdx.x; i < k; i += blockDim.x) dst[i] = static_cast<Out>(value_at<T>(row, i));
        return;
    }
    float v[UNIT];
    for (int64_t u = threadIdx.x; u < k / UNIT; u += blockDim.x) {
        dequant_unit<T>(row, u, v);
#pragma unroll
        for (int i = 0; i < UNIT; ++i) dst[u * UNIT + i] = static_cast<Out>(v[i]);
    }
}

__global__ void f32_to_half_kernel(const float* x, __half* y, int64_t n) {
    const int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
    if (i < n) y[i] = __float2half_rn(x[i]);
}

template <class Out>
void launch_rows(DType t, const uint8_t* table, size_t row_bytes, int64_t k, const int32_t* ids, int64_t first_row,
                 int64_t n, Out* y, cudaStream_t stream) {
    if (n <= 0) return;
    const bool ok = dispatch_dtype(t, [&]<DType T>() {
        get_rows_kernel<T, Out><<<static_cast<unsigned>(n), THREADS, 0, stream>>>(table, row_bytes, k, ids, first_row, y);
    });
    if (!ok) throw Error("the CUDA backend cannot dequantize " + std::string(dtype_name(t)));
}

}  // namespace

bool can_compute(DType t) {
    switch (t) {
    case DType::F32: case DType::F16: case DType::BF16: case DType::Q4_0: case DType::Q4_1: case DType::Q5_0:
    case DType::Q5_1: case DType::Q8_0: case DType::Q2_K: case DType::Q3_K: case DType::Q4_K: case DType::Q5_K:
    case DType::Q6_K: case DType::IQ4_NL: case DType::IQ4_XS: return true;
    default: return false;
    }
}

void get_rows(DType t, const uint8_t* table, size_t row_bytes, int64_t k, const int32_t* ids, int64_t first_row,
              int64_t n, float* y, cudaStream_t stream) {
    launch_rows(t, table, row_bytes, k, ids, first_row, n, y, stream);
}

void get_rows_half(DType t, const uint8_t* table, size_t row_bytes, int64_t k, int64_t first_row, int64_t n,
                   uint16_t* y, cudaStream_t stream) {
    launch_rows(t, table, row_bytes, k, nullptr, first_row, n, reinterpret_cast<__half*>(y), stream);
}

void f32_to_half(const float* x, uint16_t* y, int64_t n, cudaStream_t stream) {
    if (n <= 0) return;
    f32_to_half_kernel<<<ceil_div(n, 256), 256, 0, stream>>>(x, reinterpret_cast<__half*>(y), n);
}

}  // namespace snug::cuda
