// kv/kv_types.cpp: which element types a KV cache may hold, by name and by head size.
#include "kv/kv_types.h"

#include <cctype>

#include "base/error.h"

namespace snug {

bool is_kv_type(DType t) { return t == DType::F32 || t == DType::F16 || t == DType::Q8_0 || t == DType::Q4_0; }

DType parse_kv_type(const std::string& s) {
    std::string l;
    for (char c : s) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (l == "f32") return DType::F32;
    if (l == "f16") return DType::F16;
    if (l == "q8_0") return DType::Q8_0;
    if (l == "q4_0") return DType::Q4_0;
    throw Error("unknown KV cache type '" + s + "' (use f32, f16, q8_0 or q4_0)");
}

bool kv_type_holds(DType t, int head_dim) {
    return is_kv_type(t) && head_dim > 0 && head_dim % static_cast<int>(dtype_info(t).block_elems) == 0;
}

void check_kv_type(DType t, int head_dim) {
    if (!is_kv_type(t))
        throw Error("a KV cache cannot be stored as " + std::string(dtype_name(t)) + " (use f32, f16, q8_0 or q4_0)");
    if (!kv_type_holds(t, head_dim))
        throw Error("a " + std::string(dtype_name(t)) + " KV cache stores each head in blocks of " +
                    std::to_string(dtype_info(t).block_elems) + " values, but this model's heads have " +
                    std::to_string(head_dim) + " (use an f16 or f32 cache)");
}

}  // namespace snug
