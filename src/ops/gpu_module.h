// ops/gpu_module.h: what a GPU backend module (libsnug_cuda.so, backends/cuda/module.cpp) gives the engine. The module
// is loaded at run time (engine/gpu_backend.cpp) only when a GPU may be used: the CUDA libraries it links cost about
// 200 MiB of resident memory just to load, which a CPU-only run must not pay. Nothing here throws across the module
// boundary: failures come back as a null result and a reason.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ops/ops.h"
#include "tensor/device_allocator.h"

namespace snug {

struct GpuInfo {
    std::string name;            // "NVIDIA H100 80GB HBM3"
    uint64_t total_bytes = 0;
    uint64_t free_bytes = 0;     // the driver's figure now (cudaMemGetInfo)
    uint64_t overhead_bytes = 0; // what the backend itself takes on it (backends/cuda/cuda_device.h)
    double bandwidth_gbs = 0;    // theoretical, from the memory clock and bus width; 0 when unknown
};

class GpuBackend {
public:
    virtual ~GpuBackend() = default;
    virtual Ops& ops() = 0;
    // At load: a device copy of the n_bytes of a weight at `data` (in the GGUF mapping), found later by its address.
    virtual void upload_weight(const void* data, size_t n_bytes) = 0;
    virtual DeviceAllocator& kv_allocator() = 0;      // where the KV blocks of this GPU's layers live
    virtual const GpuInfo& info() const = 0;
    virtual uint64_t weight_bytes() const = 0;
};

class GpuModule {
public:
    virtual ~GpuModule() = default;
    // The GPUs this module can drive, in device order; empty with *why set when there are none.
    virtual std::vector<GpuInfo> detect(std::string* why) = 0;
    // A backend on GPU 0, or null with `why` set.
    virtual std::unique_ptr<GpuBackend> open(std::string& why) = 0;
};

// The module's one exported symbol: extern "C" GpuModule* snug_gpu_module(), a process-lifetime object.
inline constexpr const char* GPU_MODULE_ENTRY = "snug_gpu_module";
using GpuModuleEntry = GpuModule* (*)();

}  // namespace snug
