// backends/cuda/module.cpp: the CUDA backend as a run-time module (ops/gpu_module.h): libsnug_cuda.so exports
// snug_gpu_module(), which the engine looks up with dlopen/dlsym only when a GPU may be used.
#include <exception>

#include "backends/cuda/cuda_backend.h"
#include "ops/gpu_module.h"

namespace snug {
namespace {

GpuInfo to_info(const cuda::DeviceInfo& d) {
    GpuInfo g;
    g.name = d.name;
    g.total_bytes = d.total_bytes;
    g.free_bytes = d.free_bytes;
    g.overhead_bytes = cuda::OVERHEAD_BYTES;
    g.bandwidth_gbs = d.bandwidth_gbs;
    return g;
}

class CudaGpu final : public GpuBackend {
public:
    CudaGpu() : info_(to_info(backend_.info())) {}
    Ops& ops() override { return backend_; }
    void upload_weight(const void* data, size_t n_bytes) override { backend_.upload_weight(data, n_bytes); }
    DeviceAllocator& kv_allocator() override { return backend_.kv_allocator(); }
    const GpuInfo& info() const override { return info_; }
    uint64_t weight_bytes() const override { return backend_.weight_bytes(); }

private:
    CudaBackend backend_{0};
    GpuInfo info_;
};

class CudaModule final : public GpuModule {
public:
    std::vector<GpuInfo> detect(std::string* why) override {
        std::vector<GpuInfo> out;
        try {
            for (const auto& d : cuda::list_devices(why)) out.push_back(to_info(d));
        } catch (const std::exception& e) {
            if (why) *why = e.what();
            out.clear();
        }
        return out;
    }
    std::unique_ptr<GpuBackend> open(std::string& why) override {
        try {
            return std::make_unique<CudaGpu>();
        } catch (const std::exception& e) {
            why = e.what();
            return nullptr;
        }
    }
};

}  // namespace
}  // namespace snug

extern "C" __attribute__((visibility("default"))) snug::GpuModule* snug_gpu_module() {
    static snug::CudaModule module;
    return &module;
}
