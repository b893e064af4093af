// backends/cuda/matvec_q8.cu: decode matmul with 8-bit activations and dp4a for the quantized weight types that
// make up Q4_0, Q8_0, Q4_K_M, Q5_K_M and Q6_K files. Each lane unpacks one 32-weight unit into eight int8x4 words
// once and dots it with every token's activation block: a unit's value is
//     d_x * (s0 * dot(words 0..3) + s1 * dot(words 4..7) + mn * Σ x_q)
// where s0/s1 are the weight scales of the unit's two 16-value halves and mn carries an offset (Q4_0's -8, a
// K-quant's min). Weights are read in ggml's layout, in place.
#include "backends/cuda/dequant.cuh"
#include "backends/cuda/kernels.h"
#include "base/error.h"

namespace snug::cuda {
namespace {

constexpr int ROWS_PER_BLOCK = 4;  // one warp each

struct Unit {
    int w[8];          // 32 weights as signed bytes, value order
    float s0, s1, mn;
};

template <DType T>
__device__ __forceinline__ void unpack(const uint8_t* row, int64_t u, Unit& o) {
    if constexpr (T == DType::Q4_0) {
        const uint8_t* b = row + u * 18;
        const float d = half_at(b);
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            const uint32_t q = u32_at2(b + 2 + 4 * i);
            o.w[i] = static_cast<int>(q & 0x0F0F0F0Fu);
            o.w[4 + i] = static_cast<int>((q >> 4) & 0x0F0F0F0Fu);
        }
        o.s0 = o.s1 = d;
        o.mn = -8.0f * d;
    } else if constexpr (T == DType::Q8_0) {
        const uint8_t* b = row + u * 34;
#pragma unroll
        for (int i = 0; i < 8; ++i) o.w[i] = static_cast<int>(u32_at2(b + 2 + 4 * i));
        o.s0 = o.s1 = half_at(b);
        o.mn = 0.0f;
    } else if constexpr (T == DType::Q4_K || T == DType::Q5_K) {
        constexpr bool FIVE = T == DType::Q5_K;
        const uint8_t* b = row + (u / 8) * (FIVE ? 176 : 144);  // 4-byte aligned: rows are multiples of 16 bytes
        const int j = static_cast<int>(u % 8);
        const uint8_t* qs = b + (FIVE ? 48 : 16) + 32 * (j / 2);
        const int shift = 4 * (j % 2);
#pragma unroll
        for (int i = 0; i < 8; ++i) {
            uint32_t q = (u32_at4(qs + 4 * i) >> shift) & 0x0F0F0F0Fu;
            if constexpr (FIVE) q |= ((u32_at4(b + 16 + 4 * i) >> j) & 0x01010101u) << 4;
            o.w[i] = static_cast<int>(q);
        }
        int sc, m;
        scale_min_k4(j, b + 4, sc, m);
        o.s0 = o.s1 = half_at(b) * static_cast<float>(sc);
        o.mn = -half_at(b + 2) * static_cast<float>(m);
    } else if constexpr (T == DType::Q6_K) {
        const uint8_t* b = row + (u / 8) * 210;
        const int sub = static_cast<int>(u % 8), h = sub / 4, t = sub % 4;
        const uint8_t* ql = b + 64 * h + 32 * (t & 1);
        const uint8_t* qh = b + 128 + 32 * h;
        const int shift = t < 2 ? 0 : 4;
#pragma unroll
        for (int i = 0; i < 8; ++i) {
            const uint32_t q = ((u32_at2(ql + 4 * i) >> shift) & 0x0F0F0F0Fu) |
                               (((u32_at2(qh + 4 * i) >> (2 * t)) & 0x03030303u) << 4);
            o.w[i] = static_cast<int>(__vsub4(q, 0x20202020u));  // bytes in [0, 63] -> [-32, 31]
        }
        const auto* scales = reinterpret_cast<const int8_t*>(b + 192);
        const float d = half_at(b + 208);
        o.s0 = d * static_cast<float>(scales[8 * h + 2 * t]);
        o.s1 = d * static_cast<float>(scales[8 * h + 2 * t + 1]);
        o.mn = 0.0f;
    }
}

template <DType T>
__global__ void __launch_bounds__(ROWS_PER_BLOCK * WARP)
    matvec_q8_kernel(const uint8_t* w, size_t row_bytes, int64_t m, int64_t k, const ActQ8* xq, int n, float* y) {
    const int64_t r = blockIdx.x * int64_t(ROWS_PER_BLOCK) + threadIdx.y;
    if (r >= m) return;
    const int lane = threadIdx.x;
    const uint8_t* row = w + static_cast<size_t>(r) * row_bytes;
    const int64_t n_units = k / UNIT;
    float acc[MATVEC_MAX_TOKENS] = {};
    for (int64_t u = lane; u < n_units; u += WARP) {
        Unit o;
        unpack<T>(row, u, o);
#pragma unroll
        for (int t = 0; t < MATVEC_MAX_TOKENS; ++t) {
            if (t >= n) continue;
            const ActQ8& a = xq[t * n_units + u];
            const int* xw = reinterpret_cast<const int*>(a.qs);
            int d0 = 0, d1 = 0;
#pragma unroll
            for (int i = 0; i < 4; ++i) d0 = __dp4a(o.w[i], xw[i], d0);
#pragma unroll
            for (int i = 4; i < 8; ++i) d1 = __dp4a(o.w[i], xw[i], d1);
            acc[t] += a.d * (o.s0 * static_cast<float>(d0) + o.s1 * static_cast<float>(d1) +
                             o.mn * static_cast<float>(a.sum));
        }
    }
#pragma unroll
    for (int t = 0; t < MATVEC_MAX_TOKENS; ++t) {
        if (t >= n) continue;
        const float s = warp_sum(acc[t]);
        if (lane == 0) y[t * m + r] = s;
    }
}

// One warp per 32-value block: lane i quantizes value i.
__global__ void quantize_act_q8_kernel(const float* x, int64_t n_blocks, ActQ8* xq) {
    const int64_t b = blockIdx.x * int64_t(blockDim.y) + threadIdx.y;
    if (b >= n_blocks) return;
    const int lane = threadIdx.x;
    const float v = x[b * UNIT + lane];
    const float amax = warp_max(fabsf(v));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const int q = __float2int_rn(v * id);
    const int sum = __reduce_add_sync(0xffffffffu, q);
    xq[b].qs[lane] = static_cast<int8_t>(q);
    if (lane == 0) {
        xq[b].d = d;
        xq[b].sum = sum;
    }
}

}  // namespace

bool matvec_q8_supports(DType t) {
    return t == DType::Q4_0 || t == DType::Q8_0 || t == DType::Q4_K || t == DType::Q5_K || t == DType::Q6_K;
}

void quantize_act_q8(const float* x, int64_t n, int64_t k, ActQ8* xq, cudaStream_t stream) {
    const int64_t blocks = n * (k / UNIT);
    if (blocks <= 0) return;
    const dim3 block(WARP, 4);
    quantize_act_q8_kernel<<<ceil_div(blocks, 4), block, 0, stream>>>(x, blocks, xq);
}

void matvec_q8(DType t, const uint8_t* w, size_t row_bytes, int64_t m, int64_t k, const ActQ8* xq, int64_t n,
               float* y, cudaStream_t stream) {
    if (n <= 0 || m <= 0) return;
    if (n > MATVEC_MAX_TOKENS) throw Error("matvec_q8 takes at most " + std::to_string(MATVEC_MAX_TOKENS) + " tokens");
    const dim3 block(WARP, ROWS_PER_BLOCK);
    const unsigned grid = ceil_div(m, ROWS_PER_BLOCK);
    const int nt = static_cast<int>(n);
    switch (t) {
    case DType::Q4_0: matvec_q8_kernel<DType::Q4_0><<<grid, block, 0, stream>>>(w, row_bytes, m, k, xq, nt, y); return;
    case DType::Q8_0: matvec_q8_kernel<DType::Q8_0><<<grid, block, 0, stream>>>(w, row_bytes, m, k, xq, nt, y); return;
    case DType::Q4_K: matvec_q8_kernel<DType::Q4_K><<<grid, block, 0, stream>>>(w, row_bytes, m, k, xq, nt, y); return;
    case DType::Q5_K: matvec_q8_kernel<DType::Q5_K><<<grid, block, 0, stream>>>(w, row_bytes, m, k, xq, nt, y); return;
    case DType::Q6_K: matvec_q8_kernel<DType::Q6_K><<<grid, block, 0, stream>>>(w, row_bytes, m, k, xq, nt, y); return;
    default: break;
    }
    throw Error("matvec_q8 has no kernel for " + std::string(dtype_name(t)));
}

}  // namespace snug::cuda
