// backends/cuda/weight_registry.cpp
#include "backends/cuda/weight_registry.h"

#include <string>

#include "backends/cuda/cuda_check.h"

namespace snug::cuda {

WeightRegistry::~WeightRegistry() {
    for (auto& [host, c] : copies_) cudaFree(c.dev);
}

const void* WeightRegistry::device_copy(const void* host, size_t n_bytes, cudaStream_t stream) {
    auto it = copies_.find(host);
    if (it != copies_.end()) {
        if (it->second.n_bytes < n_bytes)
            throw Error("CUDA weight registry: a tensor at the same address grew from " +
                        std::to_string(it->second.n_bytes) + " to " + std::to_string(n_bytes) + " bytes");
        return it->second.dev;
    }
    Copy c;
    c.n_bytes = n_bytes;
    check(cudaMalloc(&c.dev, n_bytes), "cudaMalloc (weights)");
    // From the read-only mapping (pageable): the copy is staged by the driver and done when this returns.
    check(cudaMemcpyAsync(c.dev, host, n_bytes, cudaMemcpyHostToDevice, stream), "cudaMemcpyAsync (weights)");
    check(cudaStreamSynchronize(stream), "cudaStreamSynchronize (weights)");
    copies_.emplace(host, c);
    bytes_ += n_bytes;
    return c.dev;
}

}  // namespace snug::cuda
