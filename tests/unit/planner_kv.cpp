// tests/unit/planner_kv.cpp: KV bytes by hand, and against real kv/ caches driven through the steps that reach the
// planner's maximum (found here by brute force, independently of the planner's shortcut).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "base/error.h"
#include "kv/kv_cache.h"
#include "planner/kv_budget.h"

using namespace snug;
using namespace snug::planner;

namespace {

ModelConfig config(int n_layers, int n_kv_heads, int head_dim, std::vector<int> windows) {
    ModelConfig c;
    c.n_layers = n_layers;
    c.n_kv_heads = n_kv_heads;
    c.head_dim = head_dim;
    c.layer_window = std::move(windows);
    return c;
}

// Blocks a sliding layer holds after prepare(first_pos, first_pos + n), following kv_cache.cpp's rule literally.
int64_t live_blocks(int64_t f, int64_t n, int window, int block) {
    const int64_t need = (f + n + block - 1) / block;
    int64_t dead = 0;
    for (int64_t b = 0; b < need; ++b)
        if ((b + 1) * block - 1 <= f - window) dead = b + 1;  // every position of block b is at or before f - window
    return need - dead;
}

}  // namespace

TEST(PlannerKv, BlockBytesByHand) {
    // gemma-3-4b: 4 KV heads x 256 = 1024 values per position; 32 positions.
    EXPECT_EQ(kv_block_bytes(DType::F32, 4, 256, 32), 1024u * 4 * 32);
    EXPECT_EQ(kv_block_bytes(DType::F16, 4, 256, 32), 1024u * 2 * 32);
    EXPECT_EQ(kv_block_bytes(DType::Q8_0, 4, 256, 32), 1024u / 32 * 34 * 32);  // 34 bytes per 32 values
    EXPECT_EQ(kv_block_bytes(DType::Q4_0, 4, 256, 32), 1024u / 32 * 18 * 32);  // 18 bytes per 32 values
    // One head of 32: q4_0 = 18 bytes x 3 positions = 54, rounded up to 64 as the block pool does.
    EXPECT_EQ(kv_block_bytes(DType::Q4_0, 1, 32, 3), 64u);
    EXPECT_THROW(kv_block_bytes(DType::Q8_0, 1, 24, 32), Error);  // 24 values are not a q8_0 block
    // stories260K: 4 heads x 8 = 32 values a position, but a quantized cache keeps each head in whole blocks.
    EXPECT_THROW(kv_block_bytes(DType::Q4_0, 4, 8, 3), Error);
    EXPECT_EQ(kv_block_bytes(DType::F16, 4, 8, 3), 192u);
    EXPECT_THROW(kv_block_bytes(DType::Q4_K, 4, 256, 32), Error);
}

TEST(PlannerKv, SlidingMaximumByHand) {
    // Window 1024, 512-token steps, blocks of 32 (gemma-3-4b prompt processing): a step starting at 1025 still sees
    // back to position 2 (block 0 is dead only once the step starts at 1055) and reaches 1536 -> blocks 0..48 = 49.
    EXPECT_EQ(sliding_max_blocks(1024, 8192, 512, 32), 49);
    EXPECT_EQ(sliding_max_blocks(1024, 8192, 1, 32), 33);  // decoding one token: window / block + 1
    EXPECT_EQ(sliding_max_blocks(1024, 512, 512, 32), 16);  // the context ends first
    for (int window : {1, 5, 64, 100})
        for (int ctx : {7, 64, 300})
            for (int step : {1, 3, 32, 512})
                for (int block : {1, 16, 32}) {
                    int64_t brute = 0;
                    for (int64_t f = 0; f < ctx; ++f)
                        brute = std::max(brute, live_blocks(f, std::min<int64_t>(step, ctx - f), window, block));
                    EXPECT_EQ(sliding_max_blocks(window, ctx, step, block), brute)
                        << window << " " << ctx << " " << step << " " << block;
                }
}

TEST(PlannerKv, Gemma3_4bByHand) {
    std::vector<int> windows(34, 1024);
    for (int il = 5; il < 34; il += 6) windows[static_cast<size_t>(il)] = 0;  // global layers 5, 11, 17, 23, 29
    const ModelConfig c = config(34, 4, 256, windows);
    const KvBudget b = kv_budget(c, DType::F16, 8192, 2, 512, 32);
    EXPECT_EQ(b.n_full_layers, 5);
    EXPECT_EQ(b.n_sliding_layers, 29);
    EXPECT_EQ(b.full_blocks_per_seq, 256);
    EXPECT_EQ(b.sliding_blocks_per_seq, 49);
    const uint64_t kv_block = 2 * 65536;  // K + V
    EXPECT_EQ(b.full_bytes, 2u * 5 * 256 * kv_block);
    EXPECT_EQ(b.sliding_bytes, 2u * 29 * 49 * kv_block);
    EXPECT_EQ(b.per_sequence_bytes, (5u * 256 + 29u * 49) * kv_block);
    EXPECT_EQ(b.max_bytes, 2 * b.per_sequence_bytes);
    EXPECT_EQ(b.reserved_bytes, 0u);  // the pools grow block by block
    EXPECT_EQ(b.layer_bytes[5], 2u * 256 * kv_block);
    EXPECT_THROW(kv_budget(c, DType::F16, 0, 1, 512, 32), Error);
    EXPECT_THROW(kv_budget(c, DType::F16, 4096, 0, 512, 32), Error);
}

// The planner's maximum equals, to the byte, what kv/kv_cache.cpp allocates when sequences are driven through the
// worst steps: for every cache type, full-attention and sliding-window models, blocks whose bytes the pool rounds up.
TEST(PlannerKv, MatchesTheRealCache) {
    struct Case {
        int ctx, step, block, parallel, n_kv_heads, head_dim;
        std::vector<int> windows;
    };
    for (DType type : {DType::F32, DType::F16, DType::Q8_0, DType::Q4_0})
    for (const Case& tc : {Case{300, 64, 32, 1, 1, 64, {0, 64, 64, 0, 64, 64}}, Case{512, 100, 16, 3, 2, 96, {0, 48, 48}},
                           Case{97, 7, 7, 2, 1, 64, {0, 0}}, Case{2048, 512, 32, 1, 4, 256, {1024, 1024, 0}}}) {
        SCOPED_TRACE(std::string(dtype_name(type)) + " ctx " + std::to_string(tc.ctx));
        const ModelConfig c = config(static_cast<int>(tc.windows.size()), tc.n_kv_heads, tc.head_dim, tc.windows);
        const KvBudget b = kv_budget(c, type, tc.ctx, tc.parallel, tc.step, tc.block);
        KvCacheConfig kc;
        for (int w : tc.windows) kc.layers.push_back(KvLayerSpec{tc.n_kv_heads, tc.head_dim, w});
        kc.dtype = type;
        kc.block_size = tc.block;
        kc.max_positions = tc.ctx;
        kc.max_sequences = tc.parallel;
        KvCache cache(kc);
        // Every sequence decodes one token at a time up to the worst start, then each takes one full step there (so
        // all hold their sliding maximum at once), then all run to the end of the context (the full layers' maximum).
        const int window = *std::max_element(tc.windows.begin(), tc.windows.end());
        int worst = 0;
        int64_t most = -1;
        for (int f = 0; window > 0 && f < tc.ctx; ++f) {
            const int64_t live = live_blocks(f, std::min(tc.step, tc.ctx - f), window, tc.block);
            if (live > most) most = live, worst = f;
        }
        std::vector<int> seqs, pos(static_cast<size_t>(tc.parallel), 0);
        for (int s = 0; s < tc.parallel; ++s) seqs.push_back(cache.add_sequence());
        auto seq = [&](int s) { return seqs[static_cast<size_t>(s)]; };
        for (int s = 0; s < tc.parallel; ++s)
            for (int& p = pos[static_cast<size_t>(s)]; p < worst; ++p) ASSERT_TRUE(cache.prepare(seq(s), p, p + 1));
        for (int s = 0; s < tc.parallel; ++s) {
            int& p = pos[static_cast<size_t>(s)];
            const int n = std::min(tc.step, tc.ctx - p);
            ASSERT_TRUE(cache.prepare(seq(s), p, p + n));
            p += n;
        }
        for (int s = 0; s < tc.parallel; ++s)
            for (int& p = pos[static_cast<size_t>(s)]; p < tc.ctx; ++p) ASSERT_TRUE(cache.prepare(seq(s), p, p + 1));
        EXPECT_EQ(cache.bytes_allocated(), b.max_bytes) << "ctx " << tc.ctx << " step " << tc.step;
    }
}
