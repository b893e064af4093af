// backends/cpu/attention_common.cpp: the attention scratch layout and the 8-bit query quantizer every kernel shares.
#include "backends/cpu/attention_common.h"

#include <algorithm>
#include <cmath>

namespace snug {
namespace {
constexpr size_t ALIGN = 64;
size_t round_up(size_t n) { return (n + ALIGN - 1) / ALIGN * ALIGN; }
size_t acc_bytes(int head_dim) { return round_up(sizeof(float) * ATTENTION_ACC_HEADS * static_cast<size_t>(head_dim)); }
size_t row_bytes_f32(int head_dim) { return round_up(sizeof(float) * static_cast<size_t>(head_dim)); }
size_t q8_bytes(int head_dim) {
    const size_t blocks = static_cast<size_t>(head_dim + ATTENTION_Q8_BLOCK - 1) / ATTENTION_Q8_BLOCK;
    return round_up(sizeof(AttnQ8Block) * ATTENTION_ACC_HEADS * blocks);
}
}  // namespace

size_t attention_scratch_bytes(int head_dim) { return acc_bytes(head_dim) + row_bytes_f32(head_dim) + q8_bytes(head_dim); }

AttentionScratch carve_attention_scratch(void* scratch, int head_dim) {
    auto* p = static_cast<std::byte*>(scratch);
    AttentionScratch s;
    s.acc = reinterpret_cast<float*>(p);
    s.row = reinterpret_cast<float*>(p + acc_bytes(head_dim));
    s.q8 = reinterpret_cast<AttnQ8Block*>(p + acc_bytes(head_dim) + row_bytes_f32(head_dim));
    return s;
}

void quantize_query_q8(const float* q, AttnQ8Block* out, int head_dim) {
    for (int b = 0; b < head_dim / ATTENTION_Q8_BLOCK; ++b) {
        const float* x = q + b * ATTENTION_Q8_BLOCK;
        float amax = 0.0f;
        for (int i = 0; i < ATTENTION_Q8_BLOCK; ++i) amax = std::max(amax, std::fabs(x[i]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        AttnQ8Block& o = out[b];
        o.d = d;
        o.sum = 0;
        for (int i = 0; i < ATTENTION_Q8_BLOCK; ++i) {
            o.qs[i] = static_cast<int8_t>(std::nearbyint(x[i] * id));
            o.sum += o.qs[i];
        }
    }
}

KvRowLayout::KvRowLayout(const KvLayer& kv)
    : head_bytes(row_bytes(kv.dtype, kv.head_dim)), pos_bytes(head_bytes * static_cast<size_t>(kv.n_kv_heads)) {}

}  // namespace snug
