// quant/quant.h: scalar reference (de)quantization for every block format snug computes with. These are the ground
// truth the SIMD/CUDA kernels are tested against; they are bit-exact with ggml's reference code.
// Block layouts are in quant/blocks.h.
#pragma once
#include <cstdint>

#include "base/dtype.h"

namespace snug::quant {

// dst[0..n) = the values encoded in src (any alignment). n is a multiple of t's block size. Supports every DType whose
// dtype_info(t).computable is true (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K..Q6_K, IQ4_NL, IQ4_XS) and Q8_K.
// Throws snug::Error for any other type or an n that is not a whole number of blocks. Q8_1 is accepted too.
void dequantize_row_ref(DType t, const void* src, float* dst, int64_t n);

// Whether dequantize_row_ref supports t.
bool can_dequantize(DType t);

// Whether quantize_row_ref supports t.
bool can_quantize(DType t);

// Encodes src[0..n) as ggml's quantize_row_*_ref does (round-to-nearest, no importance matrix) into
// row_bytes(t, n) bytes at dst (any alignment). Supports everything dequantize_row_ref does. src must be finite.
// Throws snug::Error for an unsupported type or an n that is not a whole number of blocks.
void quantize_row_ref(DType t, const float* src, void* dst, int64_t n);

}  // namespace snug::quant
