// backends/cpu/avx512bf16/kernels.h: BF16 weights with AVX512-BF16's vdpbf16ps. Activations are rounded to bf16
// first (ActFormat::BF16), as llama.cpp does; twin: the ref float dot on bf16-rounded activations.
#pragma once
#include <cstdint>

#include "backends/cpu/matmul_formats.h"

namespace snug::avx512bf16 {

void quantize_act_bf16(const float* x, void* dst, int64_t k);  // bit-identical to ref::quantize_act_bf16 (non-NaN)
void gemm_bf16(const mm::GemmArgs& a);

}  // namespace snug::avx512bf16
