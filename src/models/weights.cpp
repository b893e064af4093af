#include "models/weights.h"

#include "base/error.h"
#include "gguf/gguf.h"

namespace snug {
namespace {
std::string shape_str(const std::vector<int64_t>& s) {
    std::string r = "[";
    for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
    return r + "]";
}
}  // namespace

std::string WeightBinder::layer_name(int il, const char* suffix) { return "blk." + std::to_string(il) + "." + suffix; }

Tensor WeightBinder::bind(const std::string& name, std::initializer_list<int64_t> shape, bool required, bool f32) const {
    const gguf::TensorInfo* t = file_.find_tensor(name);
    if (!t) {
        if (required) throw Error("model is missing tensor '" + name + "'");
        return Tensor{};
    }
    const std::vector<int64_t> want(shape);
    // A trailing run of 1s in GGUF's ne (e.g. [1, n]) is the same tensor as [n].
    std::vector<int64_t> have = t->shape;
    while (have.size() > want.size() && have.front() == 1) have.erase(have.begin());
    if (have != want)
        throw Error("tensor '" + name + "' has shape " + shape_str(t->shape) + ", expected " + shape_str(want));
    if (!dtype_info(t->dtype).computable)
        throw Error("tensor '" + name + "' has type " + std::string(dtype_name(t->dtype)) +
                    ", which snug cannot compute with yet");
    if (f32 && t->dtype != DType::F32)
        throw Error("tensor '" + name + "' has type " + std::string(dtype_name(t->dtype)) + ", expected f32");
    Tensor r;
    r.dtype = t->dtype;
    r.device = Device::CPU;
    r.n_dims = static_cast<int>(want.size());
    for (size_t i = 0; i < want.size(); ++i) r.shape[i] = want[i];
    r.data = const_cast<uint8_t*>(t->data);  // weights stay in the read-only mapping; ops never write them
    return r;
}

Tensor WeightBinder::require(const std::string& name, std::initializer_list<int64_t> shape) const {
    return bind(name, shape, true, false);
}
Tensor WeightBinder::optional(const std::string& name, std::initializer_list<int64_t> shape) const {
    return bind(name, shape, false, false);
}
Tensor WeightBinder::require_f32(const std::string& name, std::initializer_list<int64_t> shape) const {
    return bind(name, shape, true, true);
}
Tensor WeightBinder::optional_f32(const std::string& name, std::initializer_list<int64_t> shape) const {
    return bind(name, shape, false, true);
}

}  // namespace snug
