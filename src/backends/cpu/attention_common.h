// backends/cpu/attention_common.h: what every attention kernel (ref/, avx2/, avx512/) shares: where a head's keys
// and values sit in a paged block, the per-thread scratch layout, and the 8-bit query blocks used against q8_0 and
// q4_0 keys. The scratch is sized for the largest head group and every KV type at once, so the backend takes the
// same bytes whatever the cache holds, and the planner's dry run (which stores no KV) measures what a real step takes.
#pragma once
#include <cstddef>
#include <cstdint>

#include "ops/ops.h"

namespace snug {

// Query heads per KV head a kernel handles together; the scratch holds this many heads' accumulators.
constexpr int ATTENTION_ACC_HEADS = 16;
constexpr int ATTENTION_Q8_BLOCK = 32;  // values per AttnQ8Block, as q8_0/q4_0 key blocks

// 32 values of a query quantized to 8 bits for the integer dot with q8_0/q4_0 keys: value i = d * qs[i].
struct AttnQ8Block {
    float d;
    int32_t sum;                     // Σ qs: q4_0's "- 8" offset costs one product per block instead of 32
    int8_t qs[ATTENTION_Q8_BLOCK];
};
static_assert(sizeof(AttnQ8Block) == 40);

// One thread's scratch, carved from attention_scratch_bytes(head_dim) bytes (64-byte aligned).
struct AttentionScratch {
    float* acc = nullptr;       // [ATTENTION_ACC_HEADS, head_dim] output accumulators
    float* row = nullptr;       // [head_dim] one value head dequantized (the scalar twin's)
    AttnQ8Block* q8 = nullptr;  // [ATTENTION_ACC_HEADS, head_dim / 32] queries quantized for 8-bit keys
};
size_t attention_scratch_bytes(int head_dim);  // a multiple of 64
AttentionScratch carve_attention_scratch(void* scratch, int head_dim);

// q [head_dim] -> head_dim / 32 blocks (head_dim a multiple of 32): d = max|q| / 127, qs = q / d rounded to nearest
// (ties to even), as the matmul's activation quantizer. Every kernel uses this one, so their 8-bit queries agree.
void quantize_query_q8(const float* q, AttnQ8Block* out, int head_dim);

// Byte geometry of one layer's KV rows (ops.h, KvLayer).
struct KvRowLayout {
    size_t head_bytes = 0;  // one head at one position: row_bytes(dtype, head_dim)
    size_t pos_bytes = 0;   // one position: n_kv_heads heads
    explicit KvRowLayout(const KvLayer& kv);
};

// Head g's keys (blocks = kv.k_blocks) or values (kv.v_blocks) at position pos of seq.
inline const uint8_t* kv_head_at(void* const* blocks, const KvLayer& kv, const KvRowLayout& l, const SeqSlice& seq,
                                 int32_t pos, int g) {
    const int32_t block = seq.block_table[pos / kv.block_size];
    return static_cast<const uint8_t*>(blocks[block]) + static_cast<size_t>(pos % kv.block_size) * l.pos_bytes +
           static_cast<size_t>(g) * l.head_bytes;
}

}  // namespace snug
