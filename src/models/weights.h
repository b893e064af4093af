// models/weights.h: binds GGUF tensors to model fields by name and checks shape and type at load, so a bad file
// fails with the tensor's name and the expected and actual shapes instead of computing garbage.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>

#include "tensor/tensor.h"

namespace snug {
namespace gguf {
class File;
}

class WeightBinder {
public:
    explicit WeightBinder(const gguf::File& file) : file_(file) {}

    // shape outermost first, e.g. {n_out, n_in} for a projection.
    Tensor require(const std::string& name, std::initializer_list<int64_t> shape) const;
    Tensor optional(const std::string& name, std::initializer_list<int64_t> shape) const;  // empty when absent
    // Same as require(), but an F32 tensor: norms, biases and rope factors are read directly as floats.
    Tensor require_f32(const std::string& name, std::initializer_list<int64_t> shape) const;
    Tensor optional_f32(const std::string& name, std::initializer_list<int64_t> shape) const;

    static std::string layer_name(int il, const char* suffix);  // "blk.{il}.{suffix}"

private:
    Tensor bind(const std::string& name, std::initializer_list<int64_t> shape, bool required, bool f32) const;
    const gguf::File& file_;
};

}  // namespace snug
