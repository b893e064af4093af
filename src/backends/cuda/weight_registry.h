// backends/cuda/weight_registry.h: device copies of the model's weights. Models hold Tensors that point into the
// GGUF mapping; the engine uploads the tensors of GPU layers once at load (upload()), and an op that receives such a
// Tensor finds its copy by the mapping address (find()). A host weight the engine did not upload (a rope frequency
// table, say) is copied on first use; weights never change, so a copy never goes stale.
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>
#include <unordered_map>

#include "tensor/tensor.h"

namespace snug::cuda {

class WeightRegistry {
public:
    ~WeightRegistry();
    // The device copy of the n_bytes at host (uploading them on first sight, synchronously on `stream`).
    const void* device_copy(const void* host, size_t n_bytes, cudaStream_t stream);
    // The device address of weight w: w.data itself for a CUDA tensor, else its copy.
    const void* device_copy(const Tensor& w, cudaStream_t stream) {
        return w.device == Device::CUDA ? w.data : device_copy(w.data, w.n_bytes(), stream);
    }
    size_t bytes() const { return bytes_; }

private:
    struct Copy {
        void* dev = nullptr;
        size_t n_bytes = 0;
    };
    std::unordered_map<const void*, Copy> copies_;
    size_t bytes_ = 0;
};

}  // namespace snug::cuda
