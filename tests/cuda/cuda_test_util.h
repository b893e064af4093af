// tests/cuda/cuda_test_util.h: what the CUDA tests share: a backend on GPU 0 (a test FAILS without one: these run
// only from scripts/verify_cuda.sh on a GPU machine, never in CI), host <-> device copies, poisoned outputs and the
// error measure.
#pragma once
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "backends/cuda/cuda_backend.h"

namespace snug::test {

class CudaTest : public ::testing::Test {
protected:
    void SetUp() override {
        try {
            gpu_ = std::make_unique<CudaBackend>(0);
        } catch (const std::exception& e) {
            FAIL() << "this test needs a CUDA GPU (run it through scripts/verify_cuda.sh on a GPU machine): " << e.what();
        }
        gpu_->reset_scratch();
    }
    CudaBackend& gpu() { return *gpu_; }

    // A device tensor of the backend's scratch holding v.
    Tensor to_device(const std::vector<float>& v, std::initializer_list<int64_t> shape) {
        Tensor d = gpu().alloc(shape);
        EXPECT_EQ(static_cast<size_t>(d.n_elements()), v.size());
        gpu().copy(d, Tensor(DType::F32, {static_cast<int64_t>(v.size())}, const_cast<float*>(v.data())).view(shape));
        return d;
    }
    // A device tensor filled with NaN: an element the kernel fails to write shows up in the comparison.
    Tensor poisoned(std::initializer_list<int64_t> shape) {
        Tensor d = gpu().alloc(shape);
        std::vector<float> nan(static_cast<size_t>(d.n_elements()), NAN);
        gpu().copy(d, Tensor(DType::F32, {d.n_elements()}, nan.data()).view(shape));
        return d;
    }
    std::vector<float> to_host(const Tensor& d) {
        std::vector<float> v(static_cast<size_t>(d.n_elements()));
        Tensor h(DType::F32, {d.n_elements()}, v.data());
        gpu().copy(h, d.view({d.n_elements()}));
        return v;
    }

private:
    std::unique_ptr<CudaBackend> gpu_;
};

// Device memory holding a copy of host bytes (weights, KV blocks) for the test's lifetime.
struct DeviceBytes {
    void* p = nullptr;
    size_t n = 0;
    explicit DeviceBytes(const void* host, size_t bytes) : n(bytes) {
        EXPECT_EQ(cudaMalloc(&p, bytes), cudaSuccess);
        EXPECT_EQ(cudaMemcpy(p, host, bytes, cudaMemcpyHostToDevice), cudaSuccess);
    }
    DeviceBytes(const DeviceBytes&) = delete;
    DeviceBytes& operator=(const DeviceBytes&) = delete;
    ~DeviceBytes() { cudaFree(p); }
    std::vector<uint8_t> read() const {
        std::vector<uint8_t> v(n);
        EXPECT_EQ(cudaMemcpy(v.data(), p, n, cudaMemcpyDeviceToHost), cudaSuccess);
        return v;
    }
};

inline std::vector<float> normal_values(size_t n, std::mt19937& rng, float sd = 1.0f) {
    std::normal_distribution<float> nd(0.0f, sd);
    std::vector<float> v(n);
    for (auto& x : v) x = nd(rng);
    return v;
}

// ||got - want|| / ||want||; infinity when got holds a NaN (an unwritten or broken element).
inline double rel_error(const std::vector<float>& got, const std::vector<float>& want) {
    double num = 0, den = 0;
    for (size_t i = 0; i < want.size(); ++i) {
        if (!std::isfinite(got[i])) return INFINITY;
        num += (double(got[i]) - want[i]) * (double(got[i]) - want[i]);
        den += double(want[i]) * want[i];
    }
    return std::sqrt(num / std::max(den, 1e-30));
}

}  // namespace snug::test
