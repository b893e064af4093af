// backends/cpu/ref/vec_dot_ref.h: the scalar twin of the fast matmul (matmul_formats.h): activation quantizers,
// weight "prepare" (block -> one byte per weight + scales) and the integer dot products, in plain C++. The SIMD
// kernels in avx2/ and avx512*/ compute exactly this math; tests/kernels/matmul_*.cpp hold them to it.
#pragma once
#include <cstdint>

#include "backends/cpu/matmul_formats.h"
#include "base/dtype.h"

namespace snug::ref {

// One activation row of k floats -> n_groups(k) groups (ActQ8x32: k % 32 == 0; ActQ8K: k % 256 == 0), or bf16.
void quantize_act_q8x32(const float* x, void* dst, int64_t k);
void quantize_act_q8k(const float* x, void* dst, int64_t k);
void quantize_act_bf16(const float* x, void* dst, int64_t k);  // act_row_bytes(BF16, k) bytes, zero-padded

// Unpacks one weight row of type t into n_groups(k) PrepQ32 (32-block types) or PrepK (K-quants, IQ4_XS).
// offset_signed: for Q8_0 and IQ4_NL, store value + 128 with m = -128 d (the VNNI form) instead of the value.
void prepare_row(DType t, const uint8_t* w_row, void* dst, int64_t k, bool offset_signed);
bool is_k_family(DType t);        // prepared as PrepK
bool is_signed_prepared(DType t);  // prepared q holds signed values (in the sign-trick form)

// Dot of one prepared weight row with one activation row (the formulas in matmul_formats.h).
float dot_prepared_q32(const mm::PrepQ32* w, const mm::ActQ8x32* a, int64_t n_groups, bool is_signed);
float dot_prepared_k(const mm::PrepK* w, const mm::ActQ8K* a, int64_t n_groups, bool is_signed);

// The twin as a kernel table, driven by the same matmul driver as the SIMD tables.
const mm::MatmulIsaTable& matmul_table();

}  // namespace snug::ref
