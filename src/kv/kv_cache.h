// kv/kv_cache.h: paged KV cache for all layers. Layers with the same attention window form a group with its own
// block pool and per-sequence block tables; a sliding-window group frees the blocks its window can no longer see.
// The model sees only KvLayer views and SeqSlice block tables (ops/ops.h).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "base/dtype.h"
#include "kv/block_pool.h"
#include "kv/kv_types.h"
#include "ops/ops.h"

namespace snug {

struct KvLayerSpec {
    int n_kv_heads = 0;
    int head_dim = 0;
    int window = 0;  // 0: full attention; else sliding window of this many positions
};

struct KvCacheConfig {
    std::vector<KvLayerSpec> layers;
    DType dtype = DType::F16;  // f32, f16, q8_0 or q4_0 (kv_types.h); q8_0/q4_0 need head_dim % 32 == 0
    int block_size = 32;   // positions per block
    int max_positions = 0; // per sequence: the context size
    int max_sequences = 1; // sequence ids that may exist at once (running ones and cached prefixes)
    int max_full_contexts = 0;  // the pool holds at most this many full contexts' blocks (0: max_sequences)
    // Hybrid execution: [n_layers] where each layer's blocks live (null: host memory), or empty for all on the host.
    // The allocators must outlive the cache.
    std::vector<DeviceAllocator*> layer_allocators;
};

class KvCache {
public:
    // Throws snug::Error for non-positive sizes or a dtype that cannot hold a layer's heads (check_kv_type).
    explicit KvCache(KvCacheConfig cfg);

    int add_sequence();            // returns a sequence id
    void remove_sequence(int seq); // frees its blocks
    void clear_sequence(int seq);  // frees its blocks, keeps the id

    // Makes slots for positions [first_pos, end_pos) of seq; in sliding-window groups, first frees the blocks that
    // no query at >= first_pos can see. Throws snug::Error when end_pos exceeds the context size; returns false
    // (changing nothing visible) when the pool is exhausted.
    bool prepare(int seq, int32_t first_pos, int32_t end_pos);

    // Makes dst (which must be empty) start with the first n_positions (at most what src has written: the cache
    // does not track that) of src's keys and values by sharing src's
    // blocks (ref-counted, never copied). Only whole blocks are shared, and in sliding-window groups only when
    // every block the next query can see is still held by src. Returns the positions shared, a multiple of the
    // block size <= n_positions; the caller recomputes the rest. Shared blocks are full, so neither sequence ever
    // writes into them again: no copy-on-write is needed.
    int32_t share_prefix(int src, int dst, int32_t n_positions);

    KvLayer layer(int il) const;
    SeqSlice slice(int seq, int il, int begin, int end) const;

    const KvCacheConfig& config() const { return cfg_; }
    size_t bytes_allocated() const;  // storage created so far, all groups
    size_t bytes_in_use() const;     // blocks currently held by sequences
    int64_t blocks_in_use(int group) const { return groups_[static_cast<size_t>(group)].pool->n_in_use(); }
    int n_groups() const { return static_cast<int>(groups_.size()); }
    int64_t max_blocks(int group) const { return groups_[static_cast<size_t>(group)].pool->max_blocks(); }

private:
    struct Group {
        int window = 0;
        std::unique_ptr<BlockPool> pool;
        std::vector<int> layers;
        size_t bytes_per_block = 0;
    };
    struct Sequence {
        bool live = false;
        std::vector<std::vector<int32_t>> tables;  // [group][logical block] -> physical block or -1
    };
    void release_from(int seq, int group, size_t first_block);
    bool window_blocks_held(int seq, int group, int32_t n_positions) const;

    KvCacheConfig cfg_;
    std::vector<Group> groups_;
    std::vector<int> layer_group_;  // [n_layers]
    std::vector<int> layer_index_;  // index of a layer inside its group
    std::vector<Sequence> seqs_;
};

}  // namespace snug
