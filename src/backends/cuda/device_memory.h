// backends/cuda/device_memory.h: the backend's memory pools. DeviceArena: one step's activations on the GPU (a bump
// allocator like the CPU's scratch arena: chunks never move during a step, the next reset merges them). PinnedStaging:
// page-locked host memory that uploads (positions, block tables, CPU activations) and downloads (logits) go through,
// so copies are asynchronous DMA. KvBlockAllocator: device memory for KV blocks, carved from large slabs.
#pragma once
#include <cstddef>
#include <memory>
#include <vector>

#include "tensor/device_allocator.h"

namespace snug::cuda {

class DeviceArena {
public:
    ~DeviceArena();
    void* alloc(size_t bytes);  // 256-byte aligned device memory, valid until reset()
    // Call only when no kernel still uses the arena (the backend synchronizes its stream first).
    void reset();
    size_t high_water() const { return high_water_; }
    size_t capacity() const;

private:
    struct Chunk {
        void* mem = nullptr;
        size_t size = 0, used = 0;
    };
    std::vector<Chunk> chunks_;
    size_t in_use_ = 0, high_water_ = 0;
};

class PinnedStaging {
public:
    ~PinnedStaging();
    void* alloc(size_t bytes);  // 256-byte aligned page-locked host memory, valid until reset()
    void reset();               // the caller has synchronized every copy that read or wrote it

private:
    struct Chunk {
        void* mem = nullptr;
        size_t size = 0, used = 0;
    };
    std::vector<Chunk> chunks_;
};

class KvBlockAllocator final : public DeviceAllocator {
public:
    ~KvBlockAllocator() override;
    Device device() const override { return Device::CUDA; }
    void* allocate(size_t bytes) override;
    void deallocate(void*) override {}  // blocks are reused by the pool, never returned; slabs go with the allocator
    size_t bytes_reserved() const { return reserved_; }

private:
    std::vector<void*> slabs_;
    size_t slab_used_ = 0, slab_size_ = 0, reserved_ = 0;
};

}  // namespace snug::cuda
