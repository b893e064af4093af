// backends/cpu/avx512/kernels.h: AVX-512 F/BW/VL/DQ matmul kernels (no VNNI, no BF16 instructions: a CPU with
// only the base AVX-512 runs these). Signatures and math per matmul_formats.h; twins in ref/vec_dot_ref.h.
// The AVX-512 tables take their activation quantizers and weight prepares from avx2/.
#pragma once
#include "backends/cpu/matmul_formats.h"

namespace snug::avx512 {

void gemm_q32(const mm::GemmArgs& a);
void gemm_q32_signed(const mm::GemmArgs& a);
void gemm_k(const mm::GemmArgs& a);
void gemm_k_signed(const mm::GemmArgs& a);

void gemm_f32(const mm::GemmArgs& a);
void gemm_f16(const mm::GemmArgs& a);
void gemm_bf16(const mm::GemmArgs& a);  // bf16 widened to f32, F32 activations

}  // namespace snug::avx512
