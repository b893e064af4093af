// tensor/device_allocator.h: where long-lived buffers of one device come from. The KV cache takes each layer's blocks
// from its layer's allocator (a GPU layer's blocks live in device memory); a backend provides the allocator for its
// device. Host memory is the default when no allocator is given.
#pragma once
#include <cstddef>

#include "tensor/tensor.h"

namespace snug {

class DeviceAllocator {
public:
    virtual ~DeviceAllocator() = default;
    virtual Device device() const = 0;
    // `bytes` bytes, 256-byte aligned, valid until deallocate() or the allocator's destruction. Throws on failure.
    virtual void* allocate(size_t bytes) = 0;
    virtual void deallocate(void* p) = 0;
};

}  // namespace snug
