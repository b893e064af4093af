// planner/kv_budget.cpp: KV arithmetic mirroring kv/kv_cache.cpp's block accounting (tests/unit/planner_kv.cpp holds
// the two side by side on real caches).
#include "planner/kv_budget.h"

#include <algorithm>
#include <string>

#include "base/error.h"

namespace snug::planner {
namespace {
constexpr uint64_t BLOCK_ALIGN = 64;  // kv/block_pool.cpp rounds each block's bytes to this
}

uint64_t kv_block_bytes(DType type, int n_kv_heads, int head_dim, int block_size) {
    if (!is_kv_type(type)) throw Error("a KV cache cannot be stored as " + std::string(dtype_name(type)));
    if (n_kv_heads <= 0 || head_dim <= 0 || block_size <= 0)
        throw Error("KV geometry must be positive (heads " + std::to_string(n_kv_heads) + ", head_dim " +
                    std::to_string(head_dim) + ", block " + std::to_string(block_size) + ")");
    check_kv_type(type, head_dim);
    const int64_t row = int64_t(n_kv_heads) * head_dim;
    const uint64_t bytes = row_bytes(type, row) * static_cast<uint64_t>(block_size);
    return (bytes + BLOCK_ALIGN - 1) / BLOCK_ALIGN * BLOCK_ALIGN;
}

int64_t sliding_max_blocks(int window, int ctx, int step_tokens, int block_size) {
    if (window <= 0 || ctx <= 0 || step_tokens <= 0 || block_size <= 0) return 0;
    int64_t most = 0;
    // live(f) repeats with period block_size once the window has filled, so the first window + 2 blocks + one step
    // of start positions reach every value; the last step before the end of the context is checked separately.
    const int64_t scan_end = std::min<int64_t>(ctx, int64_t(window) + 2 * block_size + step_tokens);
    auto live = [&](int64_t f) {
        const int64_t end = std::min<int64_t>(f + step_tokens, ctx);
        const int64_t need = (end + block_size - 1) / block_size;
        const int64_t last_dead = f - window;
        const int64_t dead = last_dead < 0 ? 0 : (last_dead + 1) / block_size;
        return need - std::min(dead, need);
    };
    for (int64_t f = 0; f < scan_end; ++f) most = std::max(most, live(f));
    for (int64_t f = std::max<int64_t>(scan_end, ctx - step_tokens - 2 * block_size); f < ctx; ++f)
        most = std::max(most, live(f));
    return most;
}

KvBudget kv_budget(const ModelConfig& c, DType type, int ctx, int parallel, int step_tokens, int block_size) {
    if (ctx <= 0) throw Error("context size must be positive, got " + std::to_string(ctx));
    if (parallel <= 0) throw Error("parallel sequences must be positive, got " + std::to_string(parallel));
    if (step_tokens <= 0) throw Error("batch size must be positive, got " + std::to_string(step_tokens));
    KvBudget b;
    b.type = type;
    b.block_size = block_size;
    b.ctx = ctx;
    b.parallel = parallel;
    const uint64_t block = kv_block_bytes(type, c.n_kv_heads, c.head_dim, block_size);
    b.full_blocks_per_seq = (int64_t(ctx) + block_size - 1) / block_size;
    const int step = std::min(step_tokens, ctx);
    b.layer_bytes.resize(static_cast<size_t>(c.n_layers));
    for (int il = 0; il < c.n_layers; ++il) {
        const int window = c.layer_window.empty() ? 0 : c.layer_window[static_cast<size_t>(il)];
        int64_t blocks = b.full_blocks_per_seq;
        if (window > 0) {
            blocks = std::min(blocks, sliding_max_blocks(window, ctx, step, block_size));
            b.sliding_blocks_per_seq = std::max(b.sliding_blocks_per_seq, blocks);
            ++b.n_sliding_layers;
        } else {
            ++b.n_full_layers;
        }
        const uint64_t per_seq = 2 * block * static_cast<uint64_t>(blocks);  // K and V
        b.layer_bytes[static_cast<size_t>(il)] = per_seq * static_cast<uint64_t>(parallel);
        b.per_sequence_bytes += per_seq;
        (window > 0 ? b.sliding_bytes : b.full_bytes) += per_seq * static_cast<uint64_t>(parallel);
    }
    b.max_bytes = b.full_bytes + b.sliding_bytes;
    return b;
}

}  // namespace snug::planner
