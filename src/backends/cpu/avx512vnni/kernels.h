// backends/cpu/avx512vnni/kernels.h: the integer matmul kernels with AVX512-VNNI (vpdpbusd / vpdpwssd).
// q32 expects every type prepared unsigned: Q8_0 and IQ4_NL use the *_offset prepares (value + 128, m = -128 d).
#pragma once
#include "backends/cpu/matmul_formats.h"

namespace snug::avx512vnni {

void gemm_q32(const mm::GemmArgs& a);
void gemm_k(const mm::GemmArgs& a);
void gemm_k_signed(const mm::GemmArgs& a);

}  // namespace snug::avx512vnni
