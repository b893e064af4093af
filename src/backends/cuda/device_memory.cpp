// backends/cuda/device_memory.cpp
#include "backends/cuda/device_memory.h"

#include <cuda_runtime_api.h>

#include <algorithm>

#include "backends/cuda/cuda_check.h"

namespace snug::cuda {
namespace {
constexpr size_t ALIGN = 256;
constexpr size_t MIN_DEVICE_CHUNK = size_t(16) << 20;
constexpr size_t MIN_PINNED_CHUNK = size_t(1) << 20;
constexpr size_t KV_SLAB = size_t(64) << 20;  // a cudaMalloc per 64 MiB of KV, not per block
size_t round_up(size_t n) { return (n + ALIGN - 1) / ALIGN * ALIGN; }
}  // namespace

DeviceArena::~DeviceArena() {
    for (auto& c : chunks_) cudaFree(c.mem);
}

void* DeviceArena::alloc(size_t bytes) {
    bytes = round_up(std::max<size_t>(bytes, 1));
    if (chunks_.empty() || chunks_.back().size - chunks_.back().used < bytes) {
        Chunk c;
        c.size = std::max(MIN_DEVICE_CHUNK, bytes);
        check(cudaMalloc(&c.mem, c.size), "cudaMalloc (scratch)");
        chunks_.push_back(c);
    }
    Chunk& c = chunks_.back();
    void* p = static_cast<char*>(c.mem) + c.used;
    c.used += bytes;
    in_use_ += bytes;
    high_water_ = std::max(high_water_, in_use_);
    return p;
}

void DeviceArena::reset() {
    if (chunks_.size() > 1) {
        size_t total = 0;
        for (auto& c : chunks_) total += c.size, cudaFree(c.mem);
        chunks_.clear();
        Chunk c;
        c.size = total;
        check(cudaMalloc(&c.mem, c.size), "cudaMalloc (scratch)");
        chunks_.push_back(c);
    }
    for (auto& c : chunks_) c.used = 0;
    in_use_ = 0;
}

size_t DeviceArena::capacity() const {
    size_t n = 0;
    for (const auto& c : chunks_) n += c.size;
    return n;
}

PinnedStaging::~PinnedStaging() {
    for (auto& c : chunks_) cudaFreeHost(c.mem);
}

void* PinnedStaging::alloc(size_t bytes) {
    bytes = round_up(std::max<size_t>(bytes, 1));
    for (auto& c : chunks_)
        if (c.size - c.used >= bytes) {
            void* p = static_cast<char*>(c.mem) + c.used;
            c.used += bytes;
            return p;
        }
    Chunk c;
    c.size = std::max(MIN_PINNED_CHUNK, bytes);
    check(cudaMallocHost(&c.mem, c.size), "cudaMallocHost (staging)");
    c.used = bytes;
    chunks_.push_back(c);
    return c.mem;
}

void PinnedStaging::reset() {
    for (auto& c : chunks_) c.used = 0;
}

KvBlockAllocator::~KvBlockAllocator() {
    for (void* s : slabs_) cudaFree(s);
}

void* KvBlockAllocator::allocate(size_t bytes) {
    bytes = round_up(bytes);
    if (slabs_.empty() || slab_size_ - slab_used_ < bytes) {
        void* s = nullptr;
        const size_t size = std::max(KV_SLAB, bytes);
        check(cudaMalloc(&s, size), "cudaMalloc (KV blocks)");
        slabs_.push_back(s);
        slab_size_ = size;
        slab_used_ = 0;
        reserved_ += size;
    }
    void* p = static_cast<char*>(slabs_.back()) + slab_used_;
    slab_used_ += bytes;
    return p;
}

}  // namespace snug::cuda
