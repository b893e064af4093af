// tests/unit/kv_cache_test.cpp: paged KV cache — blocks taken as sequences grow, sliding-window groups free what
// their window cannot see, exhaustion and context overflow reported, blocks reused after release.
#include <gtest/gtest.h>

#include <string>

#include "base/error.h"
#include "kv/kv_cache.h"

namespace snug {
namespace {

KvCacheConfig config(std::vector<int> windows, int ctx = 256, int seqs = 2) {
    KvCacheConfig c;
    for (int w : windows) c.layers.push_back(KvLayerSpec{2, 8, w});
    c.block_size = 16;
    c.max_positions = ctx;
    c.max_sequences = seqs;
    return c;
}

TEST(KvCache, AllocatesBlocksOnlyAsTheSequenceGrows) {
    KvCache kv(config({0, 0}));
    EXPECT_EQ(kv.bytes_allocated(), 0u);
    const int s = kv.add_sequence();
    ASSERT_TRUE(kv.prepare(s, 0, 1));
    EXPECT_EQ(kv.blocks_in_use(0), 1);
    ASSERT_TRUE(kv.prepare(s, 1, 16));
    EXPECT_EQ(kv.blocks_in_use(0), 1);
    ASSERT_TRUE(kv.prepare(s, 16, 17));
    EXPECT_EQ(kv.blocks_in_use(0), 2);
    // 2 layers x (K + V) x 16 positions x 2 heads x 8 dims x 2 bytes (f16, the default) per block
    EXPECT_EQ(kv.bytes_in_use(), 2u * 2 * 2 * 16 * 2 * 8 * 2);
    const SeqSlice sl = kv.slice(s, 1, 0, 1);
    EXPECT_EQ(sl.n_blocks, 2);
    EXPECT_NE(sl.block_table[0], sl.block_table[1]);
}

TEST(KvCache, SlidingWindowGroupFreesInvisibleBlocks) {
    KvCache kv(config({32, 0}));  // layer 0 slides over 32 positions, layer 1 is global
    ASSERT_EQ(kv.n_groups(), 2);
    const int s = kv.add_sequence();
    ASSERT_TRUE(kv.prepare(s, 0, 100));  // 7 blocks in both groups
    EXPECT_EQ(kv.blocks_in_use(0), 7);
    EXPECT_EQ(kv.blocks_in_use(1), 7);
    // A query at 100 sees keys 69..100: blocks 0..3 (positions 0..63) are dead, block 4 (64..79) still visible.
    ASSERT_TRUE(kv.prepare(s, 100, 101));
    EXPECT_EQ(kv.blocks_in_use(0), 3);
    EXPECT_EQ(kv.blocks_in_use(1), 7);
    const SeqSlice sl = kv.slice(s, 0, 0, 1);
    EXPECT_EQ(sl.block_table[3], -1);
    EXPECT_GE(sl.block_table[4], 0);
}

TEST(KvCache, BlockBytesFollowTheCacheType) {
    // 2 heads x 32 dims = 64 values a position, 16 positions a block, K and V, 1 layer.
    struct Want {
        DType type;
        size_t bytes_per_position;
    };
    for (const Want w : {Want{DType::F32, 64 * 4}, Want{DType::F16, 64 * 2}, Want{DType::Q8_0, 2 * 34},
                         Want{DType::Q4_0, 2 * 18}}) {
        KvCacheConfig c = config({0});
        c.layers[0].head_dim = 32;
        c.dtype = w.type;
        KvCache kv(c);
        ASSERT_TRUE(kv.prepare(kv.add_sequence(), 0, 1));
        const size_t block = (w.bytes_per_position * 16 + 63) / 64 * 64;  // the pool rounds blocks to 64 bytes
        EXPECT_EQ(kv.bytes_allocated(), 2 * block) << dtype_name(w.type);
        EXPECT_EQ(kv.layer(0).dtype, w.type);
    }
}

TEST(KvCache, QuantizedTypeNeedsWholeBlocksPerHead) {
    KvCacheConfig c = config({0, 0});  // heads of 8 values
    for (DType t : {DType::Q8_0, DType::Q4_0}) {
        c.dtype = t;
        try {
            KvCache kv(c);
            ADD_FAILURE() << dtype_name(t) << " accepted heads of 8 values";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("heads have 8"), std::string::npos) << e.what();
        }
    }
    c.dtype = DType::Q4_K;
    EXPECT_THROW(KvCache{c}, Error);
    c.dtype = DType::F32;
    EXPECT_NO_THROW(KvCache{c});
}

TEST(KvCache, ContextOverflowIsAnError) {
    KvCache kv(config({0}, 64));
    const int s = kv.add_sequence();
    EXPECT_THROW(kv.prepare(s, 0, 65), Error);
    EXPECT_TRUE(kv.prepare(s, 0, 64));
}

TEST(KvCache, ReleasedBlocksAreReusedAndPoolIsBounded) {
    KvCache kv(config({0}, 64, 2));  // at most 4 blocks per sequence, 8 in all
    const int a = kv.add_sequence();
    const int b = kv.add_sequence();
    ASSERT_TRUE(kv.prepare(a, 0, 64));
    ASSERT_TRUE(kv.prepare(b, 0, 64));
    EXPECT_EQ(kv.blocks_in_use(0), 8);
    const size_t bytes = kv.bytes_allocated();
    kv.clear_sequence(a);
    EXPECT_EQ(kv.blocks_in_use(0), 4);
    ASSERT_TRUE(kv.prepare(a, 0, 40));
    EXPECT_EQ(kv.bytes_allocated(), bytes) << "freed blocks must be reused, not new ones allocated";
    EXPECT_THROW(kv.add_sequence(), Error);
}

TEST(KvCache, SharedPrefixUsesTheSameBlocksAndFreesThemOnlyWhenBothAreDone) {
    KvCache kv(config({0}, 256, 3));
    const int a = kv.add_sequence();
    ASSERT_TRUE(kv.prepare(a, 0, 40));  // blocks 0, 1 full; block 2 holds 32..39
    const int b = kv.add_sequence();
    // 40 positions asked: only the two full blocks (32 positions) can be shared; b recomputes 32..39.
    EXPECT_EQ(kv.share_prefix(a, b, 40), 32);
    EXPECT_EQ(kv.blocks_in_use(0), 3);
    EXPECT_EQ(kv.slice(b, 0, 0, 1).n_blocks, 2);
    EXPECT_EQ(kv.slice(b, 0, 0, 1).block_table[0], kv.slice(a, 0, 0, 1).block_table[0]);
    EXPECT_EQ(kv.slice(b, 0, 0, 1).block_table[1], kv.slice(a, 0, 0, 1).block_table[1]);
    ASSERT_TRUE(kv.prepare(b, 32, 48));  // b's own third block, not a's
    EXPECT_EQ(kv.blocks_in_use(0), 4);
    EXPECT_NE(kv.slice(b, 0, 0, 1).block_table[2], kv.slice(a, 0, 0, 1).block_table[2]);
    kv.remove_sequence(a);
    EXPECT_EQ(kv.blocks_in_use(0), 3) << "a's third block is freed, the shared two stay with b";
    kv.remove_sequence(b);
    EXPECT_EQ(kv.blocks_in_use(0), 0);
}

TEST(KvCache, SharingNeedsAnEmptyDestinationAndRoundsDown) {
    KvCache kv(config({0}, 256, 2));
    const int a = kv.add_sequence();
    ASSERT_TRUE(kv.prepare(a, 0, 20));
    const int b = kv.add_sequence();
    EXPECT_EQ(kv.share_prefix(a, b, 15), 0);  // less than one block
    EXPECT_EQ(kv.share_prefix(a, b, 20), 16);
    EXPECT_THROW(kv.share_prefix(a, b, 16), Error);
    EXPECT_THROW(kv.share_prefix(a, a, 16), Error);
}

TEST(KvCache, SlidingWindowPrefixSharesOnlyVisibleBlocks) {
    KvCache kv(config({32, 0}, 256, 2));
    const int a = kv.add_sequence();
    ASSERT_TRUE(kv.prepare(a, 0, 64));
    const int b = kv.add_sequence();
    // A query at 64 sees 33..64: the window group shares blocks 2 and 3 only; the global group shares all four.
    EXPECT_EQ(kv.share_prefix(a, b, 64), 64);
    const SeqSlice win = kv.slice(b, 0, 0, 1);
    ASSERT_EQ(win.n_blocks, 4);
    EXPECT_EQ(win.block_table[0], -1);
    EXPECT_EQ(win.block_table[1], -1);
    EXPECT_GE(win.block_table[2], 0);
    EXPECT_EQ(kv.blocks_in_use(0), 4);
    EXPECT_EQ(kv.blocks_in_use(1), 4);

    // Once a has moved on and freed blocks 0..3 of its window group, its first 64 positions cannot be shared; a
    // shorter prefix whose window blocks a still holds can't exist either (they are all freed), so nothing is.
    ASSERT_TRUE(kv.prepare(a, 64, 140));
    ASSERT_TRUE(kv.prepare(a, 140, 141));
    kv.remove_sequence(b);
    const int c = kv.add_sequence();
    EXPECT_EQ(kv.share_prefix(a, c, 64), 0);
    EXPECT_EQ(kv.share_prefix(a, c, 128), 128) << "blocks 4..7 of the window group are still held";
}

TEST(KvCache, PoolCapacityCanBeSmallerThanSequenceCount) {
    KvCacheConfig c = config({0}, 64, 4);
    c.max_full_contexts = 1;  // 4 blocks in all, shared by up to four sequence ids
    KvCache kv(c);
    const int a = kv.add_sequence();
    const int b = kv.add_sequence();
    ASSERT_TRUE(kv.prepare(a, 0, 48));
    EXPECT_FALSE(kv.prepare(b, 0, 32)) << "only one block left";
    EXPECT_EQ(kv.blocks_in_use(0), 3) << "a failed prepare takes nothing";
    ASSERT_TRUE(kv.prepare(b, 0, 16));
}

}  // namespace
}  // namespace snug
