// backends/cuda/attention.cu: fused causal attention over the paged KV blocks, for every KV type, with GQA, sliding
// windows (only the window's keys are read), softcap, and split-K (flash-decoding): each (token, head) may be cut
// into key ranges reduced by separate blocks and merged by a second kernel, so a decode step with few heads still
// fills the GPU. Within a block four warps take keys in turn, each with its own online softmax; a warp holds one
// query head spread over its lanes (lane l holds elements l, l + 32, ...).
// As the CPU reference, q8_0/q4_0 keys meet the query quantized to 8 bits per 32 values; values are dequantized.
#include "backends/cuda/common.cuh"
#include "backends/cuda/kernels.h"
#include "base/error.h"

namespace snug::cuda {
namespace {

constexpr int WARPS = 4;

// Element i of one head's keys or values at p, and the scale of its 32-value block for quantized types (the value
// is d * q; for float types d is 1 and q the value).
template <DType KT>
__device__ __forceinline__ void kv_element(const uint8_t* p, int i, float& d, float& q) {
    if constexpr (KT == DType::F32) {
        d = 1.0f, q = reinterpret_cast<const float*>(p)[i];
    } else if constexpr (KT == DType::F16) {
        d = 1.0f, q = half_at(p + 2 * i);
    } else if constexpr (KT == DType::Q8_0) {
        const uint8_t* b = p + 34 * (i / 32);
        d = half_at(b), q = static_cast<float>(static_cast<int8_t>(b[2 + i % 32]));
    } else {  // Q4_0
        const uint8_t* b = p + 18 * (i / 32);
        const int j = i % 32;
        const int nib = j < 16 ? (b[2 + j] & 0xF) : (b[2 + j - 16] >> 4);
        d = half_at(b), q = static_cast<float>(nib - 8);
    }
}

template <int EPL, DType KT>
__global__ void __launch_bounds__(WARPS * WARP)
    attention_kernel(PagedKv kv, const float* q, const int32_t* positions, int n_heads, AttnParams p, int n_splits,
                     int split_len, float* out, float* partial) {
    constexpr bool QUANT_K = KT == DType::Q8_0 || KT == DType::Q4_0;
    const int th = blockIdx.x;  // token * n_heads + head
    const int t = th / n_heads, h = th % n_heads;
    const int g = h / (n_heads / kv.n_kv_heads);
    const int split = blockIdx.y;
    const int lane = threadIdx.x % WARP, warp = threadIdx.x / WARP;
    const int D = kv.head_dim;
    const int32_t pos = positions[t];
    const int32_t lo = p.window > 0 ? max(0, pos - p.window + 1) : 0;
    const int32_t k0 = lo + split * split_len;
    const int32_t k1 = min(pos + 1, k0 + split_len);

    float qv[EPL];
#pragma unroll
    for (int j = 0; j < EPL; ++j) {
        const int i = lane + WARP * j;
        qv[j] = i < D ? q[static_cast<int64_t>(th) * D + i] : 0.0f;
    }
    if constexpr (QUANT_K) {  // D % 32 == 0: register j of every lane is 32-value block j
#pragma unroll
        for (int j = 0; j < EPL; ++j) {
            const float amax = warp_max(fabsf(qv[j]));
            const float d = amax / 127.0f;
            const float id = d != 0.0f ? 1.0f / d : 0.0f;
            qv[j] = d * static_cast<float>(__float2int_rn(qv[j] * id));
        }
    }

    const uint8_t* const* kb = kv.k_blocks + kv.tok_table[t];
    const uint8_t* const* vb = kv.v_blocks + kv.tok_table[t];
    const size_t head_off = static_cast<size_t>(g) * kv.head_bytes;
    float m = -INFINITY, l = 0.0f, acc[EPL] = {};
    for (int32_t p0 = k0 + warp; p0 < k1; p0 += WARPS) {
        const size_t off = static_cast<size_t>(p0 % kv.block_size) * kv.pos_bytes + head_off;
        const uint8_t* kp = kb[p0 / kv.block_size] + off;
        float s = 0.0f;
#pragma unroll
        for (int j = 0; j < EPL; ++j) {
            const int i = lane + WARP * j;
            if (i < D) {
                float d, kq;
                kv_element<KT>(kp, i, d, kq);
                s += qv[j] * (d * kq);
            }
        }
        s = warp_sum(s) * p.scale;
        if (p.softcap > 0.0f) s = p.softcap * tanhf(s / p.softcap);
        if (s > m) {
            const float corr = expf(m - s);
#pragma unroll
            for (int j = 0; j < EPL; ++j) acc[j] *= corr;
            l *= corr;
            m = s;
        }
        const float e = expf(s - m);
        l += e;
        const uint8_t* vp = vb[p0 / kv.block_size] + off;
#pragma unroll
        for (int j = 0; j < EPL; ++j) {
            const int i = lane + WARP * j;
            if (i < D) {
                float d, vq;
                kv_element<KT>(vp, i, d, vq);
                acc[j] += e * (d * vq);
            }
        }
    }

    // Merge the warps' softmax states.
    __shared__ float wm[WARPS], wl[WARPS];
    __shared__ float wacc[WARPS][EPL * WARP];
    if (lane == 0) wm[warp] = m, wl[warp] = l;
#pragma unroll
    for (int j = 0; j < EPL; ++j) wacc[warp][lane + WARP * j] = acc[j];
    __syncthreads();
    float M = -INFINITY;
#pragma unroll
    for (int w = 0; w < WARPS; ++w) M = fmaxf(M, wm[w]);
    float f[WARPS], L = 0.0f;
#pragma unroll
    for (int w = 0; w < WARPS; ++w) {
        f[w] = wm[w] == -INFINITY ? 0.0f : expf(wm[w] - M);
        L += wl[w] * f[w];
    }
    for (int i = threadIdx.x; i < D; i += blockDim.x) {
        float a = 0.0f;
#pragma unroll
        for (int w = 0; w < WARPS; ++w) a += wacc[w][i] * f[w];
        if (n_splits == 1) {
            out[static_cast<int64_t>(th) * D + i] = a / L;
        } else {
            float* part = partial + (static_cast<int64_t>(th) * n_splits + split) * (D + 2);
            part[2 + i] = a;
            if (i == 0) part[0] = M, part[1] = L;
        }
    }
}

// One block per (token, head): merges the splits' (max, sum, unnormalized output).
__global__ void merge_splits_kernel(const float* partial, int n_splits, int D, float* out) {
    const int64_t th = blockIdx.x;
    const float* part = partial + th * n_splits * (D + 2);
    float M = -INFINITY;
    for (int s = 0; s < n_splits; ++s) M = fmaxf(M, part[s * (D + 2)]);
    float L = 0.0f;
    for (int s = 0; s < n_splits; ++s) {
        const float ms = part[s * (D + 2)];
        if (ms != -INFINITY) L += part[s * (D + 2) + 1] * expf(ms - M);
    }
    for (int i = threadIdx.x; i < D; i += blockDim.x) {
        float a = 0.0f;
        for (int s = 0; s < n_splits; ++s) {
            const float ms = part[s * (D + 2)];
            if (ms != -INFINITY) a += part[s * (D + 2) + 2 + i] * expf(ms - M);
        }
        out[th * D + i] = a / L;
    }
}

template <int EPL>
void launch_epl(const PagedKv& kv, const float* q, const int32_t* positions, const AttnLaunch& a, float* out,
                float* partial, cudaStream_t stream) {
    const dim3 grid(static_cast<unsigned>(a.n_tokens * a.n_heads), static_cast<unsigned>(a.n_splits));
    const int T = WARPS * WARP;
    auto go = [&](auto kernel) {
        kernel<<<grid, T, 0, stream>>>(kv, q, positions, a.n_heads, a.p, a.n_splits, a.split_len, out, partial);
    };
    switch (kv.dtype) {
    case DType::F32: go(attention_kernel<EPL, DType::F32>); break;
    case DType::F16: go(attention_kernel<EPL, DType::F16>); break;
    case DType::Q8_0: go(attention_kernel<EPL, DType::Q8_0>); break;
    case DType::Q4_0: go(attention_kernel<EPL, DType::Q4_0>); break;
    default: throw Error("the CUDA backend cannot read a KV cache stored as " + std::string(dtype_name(kv.dtype)));
    }
}

}  // namespace

void attention(const PagedKv& kv, const float* q, const int32_t* positions, const AttnLaunch& a, float* out,
               float* partial, cudaStream_t stream) {
    if (a.n_tokens <= 0) return;
    if (kv.head_dim > MAX_HEAD_DIM)
        throw Error("the CUDA attention kernel takes heads of at most " + std::to_string(MAX_HEAD_DIM) +
                    " values, this model's have " + std::to_string(kv.head_dim));
    if (a.n_heads % kv.n_kv_heads != 0) throw Error("attention: query heads are not a multiple of KV heads");
    const int epl = (kv.head_dim + WARP - 1) / WARP;
    if (epl <= 1) launch_epl<1>(kv, q, positions, a, out, partial, stream);
    else if (epl <= 2) launch_epl<2>(kv, q, positions, a, out, partial, stream);
    else if (epl <= 4) launch_epl<4>(kv, q, positions, a, out, partial, stream);
    else launch_epl<8>(kv, q, positions, a, out, partial, stream);
    if (a.n_splits > 1) {
        const int threads = std::min(MAX_HEAD_DIM, (kv.head_dim + WARP - 1) / WARP * WARP);
        merge_splits_kernel<<<static_cast<unsigned>(a.n_tokens * a.n_heads), threads, 0, stream>>>(
            partial, a.n_splits, kv.head_dim, out);
    }
}

}  // namespace snug::cuda
