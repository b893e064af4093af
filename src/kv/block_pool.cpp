#include "kv/block_pool.h"

#include <cassert>
#include <cstdlib>
#include <new>
#include <utility>

namespace snug {

void BlockPool::Free::operator()(void* p) const { std::free(p); }

BlockPool::BlockPool(size_t bytes_per_block, int n_layers, int64_t max_blocks, std::vector<DeviceAllocator*> allocators)
    : bytes_per_block_((bytes_per_block + 63) / 64 * 64),
      n_layers_(n_layers),
      max_blocks_(max_blocks),
      k_ptrs_(static_cast<size_t>(n_layers)),
      v_ptrs_(static_cast<size_t>(n_layers)),
      allocators_(std::move(allocators)) {
    assert(allocators_.empty() || allocators_.size() == static_cast<size_t>(n_layers));
    for (DeviceAllocator* a : allocators_) on_devices_ = on_devices_ || a != nullptr;
}

BlockPool::~BlockPool() {
    if (!on_devices_) return;  // host blocks go with storage_
    for (int il = 0; il < n_layers_; ++il) {
        DeviceAllocator* a = allocators_[static_cast<size_t>(il)];
        if (!a) continue;
        for (void* p : k_ptrs_[static_cast<size_t>(il)]) a->deallocate(p);
        for (void* p : v_ptrs_[static_cast<size_t>(il)]) a->deallocate(p);
    }
}

int32_t BlockPool::allocate() {
    if (!free_list_.empty()) {
        const int32_t id = free_list_.back();
        free_list_.pop_back();
        ref_counts_[static_cast<size_t>(id)] = 1;
        ++n_in_use_;
        return id;
    }
    if (n_allocated() >= max_blocks_) return -1;
    if (on_devices_) {
        // Each layer's K and V from its own device (hybrid execution: a group may span CPU and GPU layers).
        for (int il = 0; il < n_layers_; ++il) {
            DeviceAllocator* a = allocators_[static_cast<size_t>(il)];
            void* kv[2];
            for (void*& p : kv) {
                if (a) {
                    p = a->allocate(bytes_per_block_);
                } else {
                    p = std::aligned_alloc(64, bytes_per_block_);
                    if (!p) throw std::bad_alloc();
                    storage_.emplace_back(p);
                }
            }
            k_ptrs_[static_cast<size_t>(il)].push_back(kv[0]);
            v_ptrs_[static_cast<size_t>(il)].push_back(kv[1]);
        }
        ref_counts_.push_back(1);
        ++n_in_use_;
        return static_cast<int32_t>(ref_counts_.size() - 1);
    }
    // One allocation holds this block's K and V for every layer of the group.
    const size_t total = bytes_per_block_ * 2 * static_cast<size_t>(n_layers_);
    void* mem = std::aligned_alloc(64, total);
    if (!mem) throw std::bad_alloc();
    storage_.emplace_back(mem);
    auto* base = static_cast<std::byte*>(mem);
    for (int il = 0; il < n_layers_; ++il) {
        k_ptrs_[static_cast<size_t>(il)].push_back(base + bytes_per_block_ * (2 * static_cast<size_t>(il)));
        v_ptrs_[static_cast<size_t>(il)].push_back(base + bytes_per_block_ * (2 * static_cast<size_t>(il) + 1));
    }
    ref_counts_.push_back(1);
    ++n_in_use_;
    return static_cast<int32_t>(ref_counts_.size() - 1);
}

void BlockPool::retain(int32_t id) {
    assert(id >= 0 && ref_counts_[static_cast<size_t>(id)] > 0);
    ++ref_counts_[static_cast<size_t>(id)];
}

void BlockPool::release(int32_t id) {
    assert(id >= 0 && ref_counts_[static_cast<size_t>(id)] > 0);
    if (--ref_counts_[static_cast<size_t>(id)] == 0) {
        free_list_.push_back(id);
        --n_in_use_;
    }
}

size_t BlockPool::bytes_allocated() const {
    return bytes_per_block_ * 2 * static_cast<size_t>(n_layers_) * static_cast<size_t>(n_allocated());
}

}  // namespace snug
