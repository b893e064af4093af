#include "tensor/tensor.h"

namespace snug {

std::string Tensor::shape_string() const {
    std::string s = "[";
    for (int i = 0; i < n_dims; ++i) {
        if (i) s += ", ";
        s += std::to_string(shape[static_cast<size_t>(i)]);
    }
    return s + "]";
}

}  // namespace snug
