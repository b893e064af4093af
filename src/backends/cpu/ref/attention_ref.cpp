// backends/cpu/ref/attention_ref.cpp: the scalar twins of KV storage and paged attention for every KV dtype: plain
// loops, one key at a time with an online softmax. q8_0/q4_0 keys are dotted with the 8-bit query in integers, the
// same arithmetic the SIMD kernels do, so they are compared with those on equal terms; values are dequantized.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "backends/cpu/attention_common.h"
#include "backends/cpu/ref/kernels_ref.h"
#include "base/fp16.h"
#include "quant/blocks.h"
#include "quant/quant.h"

namespace snug::ref {
namespace {

using quant::BlockQ4_0;
using quant::BlockQ8_0;

template <class Block>
Block block_at(const uint8_t* p, int b) {
    Block blk;
    std::memcpy(&blk, p + static_cast<size_t>(b) * sizeof(Block), sizeof(Block));
    return blk;
}

// q · k for one head. q: [head_dim] floats; q8: the same query as head_dim / 32 blocks (quantized K types only).
float key_dot(DType t, const float* q, const AttnQ8Block* q8, const uint8_t* k, int head_dim) {
    float s = 0.0f;
    switch (t) {
    case DType::F32: {
        const auto* kf = reinterpret_cast<const float*>(k);
        for (int i = 0; i < head_dim; ++i) s += q[i] * kf[i];
        return s;
    }
    case DType::F16:
        for (int i = 0; i < head_dim; ++i) {
            uint16_t h;
            std::memcpy(&h, k + 2 * i, 2);
            s += q[i] * fp16_to_fp32(h);
        }
        return s;
    case DType::Q8_0:
        for (int b = 0; b < head_dim / quant::QK8_0; ++b) {
            const auto kb = block_at<BlockQ8_0>(k, b);
            int32_t dot = 0;
            for (int i = 0; i < quant::QK8_0; ++i) dot += kb.qs[i] * q8[b].qs[i];
            s += fp16_to_fp32(kb.d) * q8[b].d * static_cast<float>(dot);
        }
        return s;
    case DType::Q4_0:
        for (int b = 0; b < head_dim / quant::QK4_0; ++b) {
            const auto kb = block_at<BlockQ4_0>(k, b);
            int32_t dot = 0;
            for (int i = 0; i < quant::QK4_0 / 2; ++i) {
                dot += ((kb.qs[i] & 0xF) - 8) * q8[b].qs[i];
                dot += ((kb.qs[i] >> 4) - 8) * q8[b].qs[i + quant::QK4_0 / 2];
            }
            s += fp16_to_fp32(kb.d) * q8[b].d * static_cast<float>(dot);
        }
        return s;
    default: break;
    }
    return std::numeric_limits<float>::quiet_NaN();  // unreachable: the cache holds only kv_types.h's types
}

bool quantized(DType t) { return t == DType::Q8_0 || t == DType::Q4_0; }

}  // namespace

void kv_store(const KvLayer& kv, const SeqSlice& seq, std::span<const int32_t> positions, Tensor k, Tensor v) {
    const KvRowLayout layout(kv);
    const int64_t row = static_cast<int64_t>(kv.n_kv_heads) * kv.head_dim;
    for (int t = seq.begin; t < seq.end; ++t) {
        const int32_t pos = positions[static_cast<size_t>(t)];
        const int32_t block = seq.block_table[pos / kv.block_size];
        const size_t off = static_cast<size_t>(pos % kv.block_size) * layout.pos_bytes;
        quant::quantize_row_ref(kv.dtype, k.f32() + t * row, static_cast<uint8_t*>(kv.k_blocks[block]) + off, row);
        quant::quantize_row_ref(kv.dtype, v.f32() + t * row, static_cast<uint8_t*>(kv.v_blocks[block]) + off, row);
    }
}

void attention(Tensor out, Tensor q, const KvLayer& kv, const SeqSlice& seq, std::span<const int32_t> positions,
               const AttnParams& p, int64_t w0, int64_t w1, void* scratch) {
    const int n_heads = static_cast<int>(q.dim(1));
    const int head_dim = static_cast<int>(q.dim(2));
    const int group = n_heads / kv.n_kv_heads;
    const KvRowLayout layout(kv);
    const AttentionScratch sc = carve_attention_scratch(scratch, head_dim);
    float* acc = sc.acc;  // [head_dim]
    float* vr = sc.row;   // [head_dim] the value head being added, dequantized
    for (int64_t w = w0; w < w1; ++w) {
        const int t = seq.begin + static_cast<int>(w / n_heads);
        const int h = static_cast<int>(w % n_heads);
        const int g = h / group;
        const int32_t pos = positions[static_cast<size_t>(t)];
        const int32_t lo = p.window > 0 ? std::max(0, pos - p.window + 1) : 0;
        const float* qv = q.f32() + (static_cast<int64_t>(t) * n_heads + h) * head_dim;
        if (quantized(kv.dtype)) quantize_query_q8(qv, sc.q8, head_dim);
        float m = -std::numeric_limits<float>::infinity();
        float l = 0.0f;
        std::fill(acc, acc + head_dim, 0.0f);
        for (int32_t p0 = lo; p0 <= pos; ++p0) {
            float s = key_dot(kv.dtype, qv, sc.q8, kv_head_at(kv.k_blocks, kv, layout, seq, p0, g), head_dim);
            s *= p.scale;
            if (p.softcap > 0.0f) s = p.softcap * std::tanh(s / p.softcap);
            if (s > m) {
                const float corr = std::exp(m - s);
                for (int i = 0; i < head_dim; ++i) acc[i] *= corr;
                l *= corr;
                m = s;
            }
            const float e = std::exp(s - m);
            l += e;
            quant::dequantize_row_ref(kv.dtype, kv_head_at(kv.v_blocks, kv, layout, seq, p0, g), vr, head_dim);
            for (int i = 0; i < head_dim; ++i) acc[i] += e * vr[i];
        }
        float* o = out.f32() + (static_cast<int64_t>(t) * n_heads + h) * head_dim;
        const float inv = 1.0f / l;
        for (int i = 0; i < head_dim; ++i) o[i] = acc[i] * inv;
    }
}

}  // namespace snug::ref
