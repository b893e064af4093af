// backends/cuda/cuda_backend.h: the CUDA implementation of the op set on one GPU. Owns a stream, a cuBLAS handle,
// the step's device scratch, the device copies of the weights of the layers it runs, and the allocator of their KV
// blocks. Ops are enqueued on the stream and return at once; only an op writing into host memory (logits) and a copy
// to the host wait for the GPU. Kernels: kernels.h; design and what is verified: docs/cuda.md.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <map>
#include <span>
#include <tuple>
#include <utility>

#include "backends/cuda/cuda_device.h"
#include "backends/cuda/device_memory.h"
#include "backends/cuda/kernels.h"
#include "backends/cuda/weight_registry.h"
#include "ops/ops.h"

namespace snug {

class CudaBackend final : public Ops {
public:
    // Throws snug::Error when the device cannot be used (no driver, no device, out of memory).
    explicit CudaBackend(int device_id = 0);
    ~CudaBackend() override;
    CudaBackend(const CudaBackend&) = delete;
    CudaBackend& operator=(const CudaBackend&) = delete;

    const cuda::DeviceInfo& info() const { return info_; }
    // Copies weight w to the device now (load time), so no step pays for it; later ops given w use the copy.
    void upload_weight(const Tensor& w) { weights_.device_copy(w, stream_); }
    void upload_weight(const void* data, size_t n_bytes) { weights_.device_copy(data, n_bytes, stream_); }
    size_t weight_bytes() const { return weights_.bytes(); }
    DeviceAllocator& kv_allocator() { return kv_alloc_; }
    void synchronize();

    Device device() const override { return Device::CUDA; }
    void copy(Tensor dst, Tensor src) override;
    Tensor alloc(std::initializer_list<int64_t> shape) override;
    void reset_scratch() override;  // waits for the previous step's work first
    size_t scratch_high_water() const override { return arena_.high_water(); }

    void matmul(Tensor y, Tensor x, const Tensor& w) override;
    void get_rows(Tensor y, const Tensor& table, std::span<const int32_t> ids) override;
    void rms_norm(Tensor y, Tensor x, const Tensor& w, float eps) override;
    void add(Tensor y, Tensor a, Tensor b) override;
    void scale(Tensor y, Tensor x, float s) override;
    void act_mul(Tensor y, Tensor gate, Tensor up, Activation act) override;
    void rope(Tensor x, std::span<const int32_t> positions, const RopeParams& p) override;
    void kv_store(const KvLayer& kv, std::span<const SeqSlice> seqs, std::span<const int32_t> positions, Tensor k,
                  Tensor v) override;
    void attention(Tensor out, Tensor q, const KvLayer& kv, std::span<const SeqSlice> seqs,
                   std::span<const int32_t> positions, const AttnParams& p) override;

private:
    const uint8_t* weight(const Tensor& w) { return static_cast<const uint8_t*>(weights_.device_copy(w, stream_)); }
    // n bytes of host memory on the device, via pinned staging (valid until reset_scratch()).
    void* upload(const void* host, size_t n);
    // A host int array on the device, uploaded once per step for each (address, length).
    const int32_t* upload_ints(std::span<const int32_t> v);
    // A layer's block tables as the kernels read them, built once per step for each (layer, slices).
    const cuda::PagedKv& paged(const KvLayer& kv, std::span<const SeqSlice> seqs);
    // Where an op writes y: y itself on the device, or scratch that finish_output() then copies to host memory.
    float* output_ptr(const Tensor& y);
    void finish_output(const Tensor& y, const float* dev);
    void gemm(float* y, const float* x, const uint8_t* w, DType wt, size_t w_row_bytes, int64_t n, int64_t m,
              int64_t k);
    void check_last(const char* what);

    int device_id_ = 0;
    cuda::DeviceInfo info_;
    cudaStream_t stream_ = nullptr;
    cublasHandle_t cublas_ = nullptr;
    void* cublas_workspace_ = nullptr;
    cuda::DeviceArena arena_;
    cuda::PinnedStaging staging_;
    cuda::WeightRegistry weights_;
    cuda::KvBlockAllocator kv_alloc_;
    std::map<std::pair<const void*, size_t>, const int32_t*> int_uploads_;  // this step's
    std::map<std::tuple<const void*, const void*, size_t>, cuda::PagedKv> tables_;  // this step's
};

}  // namespace snug
