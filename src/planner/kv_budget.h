// planner/kv_budget.h: the paged KV cache's bytes for a context, a number of sequences and a cache type, exactly as
// kv/kv_cache.cpp allocates them: whole blocks of block_size positions, each block's K and V rounded up to 64 bytes
// per layer; a full-attention layer holds every block of its sequence, a sliding-window layer only those its window
// and the current step can see.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "base/dtype.h"
#include "kv/kv_types.h"
#include "models/model.h"

namespace snug::planner {

// Types a KV cache may be planned in: those kv/kv_types.h lists (f32, f16 — the engine's default —, q8_0, q4_0).
using snug::is_kv_type;
using snug::parse_kv_type;

// K (or V) bytes of one block in one layer: row_bytes(type, n_kv_heads * head_dim) * block_size, rounded up to 64 as
// kv/block_pool.cpp does. Throws snug::Error, as the cache would, when a head is not a whole number of the type's
// blocks (check_kv_type).
uint64_t kv_block_bytes(DType type, int n_kv_heads, int head_dim, int block_size);

// Most blocks a sliding-window layer of one sequence holds at once, over every step of up to `step_tokens` tokens
// that stays within the context. Before a step at first_pos the cache frees blocks whose every position is at or
// before first_pos - window, then allocates up to the step's end; the maximum over first_pos is taken exactly.
int64_t sliding_max_blocks(int window, int ctx, int step_tokens, int block_size);

struct KvBudget {
    DType type = DType::F32;
    int block_size = 0;
    int ctx = 0;
    int parallel = 0;
    int n_full_layers = 0;
    int n_sliding_layers = 0;
    int64_t full_blocks_per_seq = 0;     // ceil(ctx / block_size)
    int64_t sliding_blocks_per_seq = 0;  // the largest sliding layer's maximum (0 without sliding layers)
    std::vector<uint64_t> layer_bytes;   // [n_layers]: K + V of every sequence at full context
    uint64_t full_bytes = 0;             // full-attention layers, all sequences
    uint64_t sliding_bytes = 0;          // sliding-window layers, all sequences
    uint64_t per_sequence_bytes = 0;     // one sequence at full context, all layers
    uint64_t reserved_bytes = 0;         // allocated when the engine loads: none, pools grow block by block
    uint64_t max_bytes = 0;              // every sequence at full context
};

// step_tokens: the largest step a sequence takes (the batch size, at most ctx). Throws snug::Error for a type the
// cache cannot hold or non-positive sizes.
KvBudget kv_budget(const ModelConfig& c, DType type, int ctx, int parallel, int step_tokens, int block_size);

}  // namespace snug::planner
