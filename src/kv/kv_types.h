// kv/kv_types.h: the element types a KV cache may store (f32, f16, q8_0, q4_0) and what each asks of a layer's shape.
// The quantized types encode every head in whole 32-value blocks of its own, so attention reads one head's keys
// without touching its neighbours'. Layouts are ggml's (quant/blocks.h); the kernels live in backends/cpu.
#pragma once
#include <string>

#include "base/dtype.h"

namespace snug {

bool is_kv_type(DType t);
// "f32", "f16", "q8_0", "q4_0" (any case); throws snug::Error listing them.
DType parse_kv_type(const std::string& s);
// Whether type t can hold heads of head_dim values: any positive head_dim for f32/f16, whole blocks of 32 for q8_0/q4_0.
bool kv_type_holds(DType t, int head_dim);
// Throws snug::Error naming the type and head_dim when !is_kv_type(t) or !kv_type_holds(t, head_dim).
void check_kv_type(DType t, int head_dim);

}  // namespace snug
