// kv/block_pool.h: physical KV blocks of one layer group, handed out from a free list and allocated only when first
// needed (the pool grows with use; nothing is reserved for the whole context). Ref-counted so that a later prefix
// cache can share blocks between sequences. Knows nothing of tokens.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "tensor/device_allocator.h"

namespace snug {

class BlockPool {
public:
    // bytes_per_block: K or V bytes of one block in one layer; n_layers: layers that share this pool's block ids.
    // allocators: empty, or [n_layers] where a layer's blocks live (null: host memory). Without any device
    // allocator a block's K and V of every layer are one host allocation, as before devices existed.
    BlockPool(size_t bytes_per_block, int n_layers, int64_t max_blocks,
              std::vector<DeviceAllocator*> allocators = {});
    ~BlockPool();
    BlockPool(const BlockPool&) = delete;
    BlockPool& operator=(const BlockPool&) = delete;

    // A free block id with ref count 1, or -1 when max_blocks are all in use.
    int32_t allocate();
    void retain(int32_t id);
    void release(int32_t id);  // back to the free list at ref count 0

    int64_t n_allocated() const { return static_cast<int64_t>(ref_counts_.size()); }  // ever created
    int64_t n_in_use() const { return n_in_use_; }
    int64_t max_blocks() const { return max_blocks_; }
    size_t bytes_allocated() const;  // K and V storage of every created block, all layers

    // Storage pointer tables for layer il (indexed by block id); valid until the next allocate().
    void* const* k_blocks(int il) const { return k_ptrs_[static_cast<size_t>(il)].data(); }
    void* const* v_blocks(int il) const { return v_ptrs_[static_cast<size_t>(il)].data(); }

private:
    struct Free {
        void operator()(void* p) const;
    };
    size_t bytes_per_block_;
    int n_layers_;
    int64_t max_blocks_;
    int64_t n_in_use_ = 0;
    std::vector<int32_t> ref_counts_;
    std::vector<int32_t> free_list_;
    std::vector<std::vector<void*>> k_ptrs_, v_ptrs_;        // [n_layers][n_blocks]
    std::vector<std::unique_ptr<void, Free>> storage_;        // owns every block's host memory
    std::vector<DeviceAllocator*> allocators_;                // [n_layers] or empty
    bool on_devices_ = false;                                 // some layer's blocks come from an allocator
};

}  // namespace snug
