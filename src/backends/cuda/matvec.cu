// backends/cuda/matvec.cu: decode matmul (a few tokens) reading weights in place. One warp per weight row, the row
// read once for all tokens; float activations against any type (dequantized in registers), and 8-bit activation
// blocks against the common quantized types with dp4a (matvec_q8.cu).
#include "backends/cuda/dequant.cuh"
#include "backends/cuda/kernels.h"
#include "base/error.h"

namespace snug::cuda {
namespace {

constexpr int ROWS_PER_BLOCK = 4;  // one warp each

template <DType T>
__global__ void __launch_bounds__(ROWS_PER_BLOCK * WARP)
    matvec_f32_kernel(const uint8_t* w, size_t row_bytes, int64_t m, int64_t k, const float* x, int n, float* y) {
    const int64_t r = blockIdx.x * int64_t(ROWS_PER_BLOCK) + threadIdx.y;
    if (r >= m) return;
    const int lane = threadIdx.x;
    const uint8_t* row = w + static_cast<size_t>(r) * row_bytes;
    float acc[MATVEC_MAX_TOKENS] = {};
    if constexpr (T == DType::F32) {
        const float* wr = reinterpret_cast<const float*>(row);
        for (int64_t i = lane; i < k; i += WARP) {
            const float wv = wr[i];
#pragma unroll
            for (int t = 0; t < MATVEC_MAX_TOKENS; ++t)
                if (t < n) acc[t] += wv * x[t * k + i];
        }
    } else if constexpr (T == DType::F16 || T == DType::BF16) {
        // Pairs of halves (a warp reads 128 contiguous bytes a step) when rows are 4-byte aligned, i.e. k is even;
        // then the values the pairs leave, one per lane.
        const int64_t pairs = k % 2 == 0 ? k / 2 : 0;
        for (int64_t i = lane; i < pairs; i += WARP) {
            float w0, w1;
            if constexpr (T == DType::F16) {
                const float2 f = __half22float2(reinterpret_cast<const __half2*>(row)[i]);
                w0 = f.x, w1 = f.y;
            } else {
                const float2 f = __bfloat1622float2(reinterpret_cast<const __nv_bfloat162*>(row)[i]);
                w0 = f.x, w1 = f.y;
            }
#pragma unroll
            for (int t = 0; t < MATVEC_MAX_TOKENS; ++t)
                if (t < n) acc[t] += w0 * x[t * k + 2 * i] + w1 * x[t * k + 2 * i + 1];
        }
        for (int64_t i = 2 * pairs + lane; i < k; i += WARP) {
            const float wv = T == DType::F16 ? half_at(row + 2 * i) : bf16_at(row + 2 * i);
#pragma unroll
            for (int t = 0; t < MATVEC_MAX_TOKENS; ++t)
                if (t < n) acc[t] += wv * x[t * k + i];
        }
    } else {
        float v[UNIT];
        for (int64_t u = lane; u < k / UNIT; u += WARP) {
            dequant_unit<T>(row, u, v);
#pragma unroll
            for (int t = 0; t < MATVEC_MAX_TOKENS; ++t) {
                if (t >= n) continue;
                const float4* xv = reinterpret_cast<const float4*>(x + t * k + u * UNIT);
                float s = 0.0f;
#pragma unroll
                for (int i = 0; i < UNIT / 4; ++i) {
                    const float4 a = xv[i];
                    s += v[4 * i] * a.x + v[4 * i + 1] * a.y + v[4 * i + 2] * a.z + v[4 * i + 3] * a.w;
                }
                acc[t] += s;
            }
        }
    }
#pragma unroll
    for (int t = 0; t < MATVEC_MAX_TOKENS; ++t) {
        if (t >= n) continue;
        const float s = warp_sum(acc[t]);
        if (lane == 0) y[t * m + r] = s;
    }
}

}  // namespace

void matvec_f32(DType t, const uint8_t* w, size_t row_bytes, int64_t m, int64_t k, const float* x, int64_t n,
                float* y, cudaStream_t stream) {
    if (n <= 0 || m <= 0) return;
    if (n > MATVEC_MAX_TOKENS) throw Error("matvec_f32 takes at most " + std::to_string(MATVEC_MAX_TOKENS) + " tokens");
    const dim3 block(WARP, ROWS_PER_BLOCK);
    const bool ok = dispatch_dtype(t, [&]<DType T>() {
        matvec_f32_kernel<T><<<ceil_div(m, ROWS_PER_BLOCK), block, 0, stream>>>(w, row_bytes, m, k, x,
                                                                                static_cast<int>(n), y);
    });
    if (!ok) throw Error("the CUDA backend cannot multiply " + std::string(dtype_name(t)) + " weights");
}

}  // namespace snug::cuda
