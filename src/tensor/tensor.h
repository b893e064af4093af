// tensor/tensor.h: a non-owning view of a contiguous tensor on some device. Shapes are outermost first (PyTorch
// order): a weight matrix W with y = W x is [n_out, n_in]; activations are [n_tokens, n_features].
#pragma once
#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "base/dtype.h"

namespace snug {

enum class Device : uint8_t { CPU = 0, CUDA = 1 };

struct Tensor {
    DType dtype = DType::F32;
    Device device = Device::CPU;
    int n_dims = 0;
    std::array<int64_t, 4> shape{};  // shape[0] outermost; only the first n_dims are meaningful
    void* data = nullptr;

    Tensor() = default;
    Tensor(DType t, std::initializer_list<int64_t> dims, void* p, Device d = Device::CPU)
        : dtype(t), device(d), n_dims(static_cast<int>(dims.size())), data(p) {
        assert(dims.size() >= 1 && dims.size() <= 4);
        int i = 0;
        for (auto v : dims) shape[static_cast<size_t>(i++)] = v;
    }

    int64_t dim(int i) const { return shape[static_cast<size_t>(i)]; }
    int64_t cols() const { return shape[static_cast<size_t>(n_dims - 1)]; }  // innermost extent
    int64_t n_elements() const {
        int64_t n = 1;
        for (int i = 0; i < n_dims; ++i) n *= shape[static_cast<size_t>(i)];
        return n;
    }
    int64_t rows() const { return n_dims == 0 ? 0 : n_elements() / cols(); }
    size_t row_bytes() const { return snug::row_bytes(dtype, cols()); }
    size_t n_bytes() const { return static_cast<size_t>(rows()) * row_bytes(); }
    bool empty() const { return data == nullptr; }

    float* f32() const { assert(dtype == DType::F32); return static_cast<float*>(data); }
    const uint8_t* row_ptr(int64_t r) const { return static_cast<const uint8_t*>(data) + static_cast<size_t>(r) * row_bytes(); }

    // The same bytes seen with another shape of the same element count.
    Tensor view(std::initializer_list<int64_t> dims) const {
        Tensor t(dtype, dims, data, device);
        assert(t.n_elements() == n_elements());
        return t;
    }
    // Rows [begin, begin + n) of a tensor seen as [rows, cols].
    Tensor slice_rows(int64_t begin, int64_t n) const {
        Tensor t(dtype, {n, cols()}, static_cast<uint8_t*>(data) + static_cast<size_t>(begin) * row_bytes(), device);
        return t;
    }

    std::string shape_string() const;
};

}  // namespace snug
