// backends/cpu/avx2/kernels.h: the AVX2 (+FMA, F16C) matmul kernels; signatures and math per matmul_formats.h and
// their scalar twins in ref/vec_dot_ref.h. Defined in this folder's .cpp files, compiled with SNUG_AVX2_FLAGS.
// The AVX-512 tables reuse the quantizers and prepares declared here (every AVX-512 CPU has AVX2).
#pragma once
#include <cstdint>

#include "backends/cpu/matmul_formats.h"

namespace snug::avx2 {

void quantize_act_q8x32(const float* x, void* dst, int64_t k);
void quantize_act_q8k(const float* x, void* dst, int64_t k);

// One weight row -> n_groups(k) PrepQ32. *_offset: value + 128 and m = -128 d (for VNNI's unsigned x signed dot).
void prepare_q4_0(const uint8_t* w, void* dst, int64_t k);
void prepare_q4_1(const uint8_t* w, void* dst, int64_t k);
void prepare_q5_0(const uint8_t* w, void* dst, int64_t k);
void prepare_q5_1(const uint8_t* w, void* dst, int64_t k);
void prepare_q8_0(const uint8_t* w, void* dst, int64_t k);
void prepare_q8_0_offset(const uint8_t* w, void* dst, int64_t k);
void prepare_iq4_nl(const uint8_t* w, void* dst, int64_t k);
void prepare_iq4_nl_offset(const uint8_t* w, void* dst, int64_t k);

// One weight row -> k / 256 PrepK.
void prepare_q2_k(const uint8_t* w, void* dst, int64_t k);
void prepare_q3_k(const uint8_t* w, void* dst, int64_t k);
void prepare_q4_k(const uint8_t* w, void* dst, int64_t k);
void prepare_q5_k(const uint8_t* w, void* dst, int64_t k);
void prepare_q6_k(const uint8_t* w, void* dst, int64_t k);
void prepare_iq4_xs(const uint8_t* w, void* dst, int64_t k);

// Integer dot kernels over prepared rows; *_signed: prepared q holds signed values (sign trick).
void gemm_q32(const mm::GemmArgs& a);
void gemm_q32_signed(const mm::GemmArgs& a);
void gemm_k(const mm::GemmArgs& a);
void gemm_k_signed(const mm::GemmArgs& a);

// Fused decode over raw rows (at most GEMV_MAX_TOKENS tokens), any ISA with AVX2: see MatmulTypeKernels::gemv.
constexpr int64_t GEMV_MAX_TOKENS = 2;
// 32-element block types decode blocks in registers (prepare unused); the signed ones use the sign trick.
void gemv_q4_0(const mm::GemmArgs& a, mm::PrepareFn unused);
void gemv_q4_1(const mm::GemmArgs& a, mm::PrepareFn unused);
void gemv_q5_0(const mm::GemmArgs& a, mm::PrepareFn unused);
void gemv_q5_1(const mm::GemmArgs& a, mm::PrepareFn unused);
void gemv_q8_0(const mm::GemmArgs& a, mm::PrepareFn unused);
void gemv_iq4_nl(const mm::GemmArgs& a, mm::PrepareFn unused);
// Q4_K, Q5_K and Q6_K unpack each super-block in registers (prepare unused); the other K-quants prepare one
// super-block at a time into a stack buffer.
void gemv_q4_k(const mm::GemmArgs& a, mm::PrepareFn unused);
void gemv_q5_k(const mm::GemmArgs& a, mm::PrepareFn unused);
void gemv_q6_k(const mm::GemmArgs& a, mm::PrepareFn unused);
void gemv_k(const mm::GemmArgs& a, mm::PrepareFn prepare);
void gemv_k_signed(const mm::GemmArgs& a, mm::PrepareFn prepare);

// Raw weight rows with F32 activations.
void gemm_f32(const mm::GemmArgs& a);
void gemm_f16(const mm::GemmArgs& a);
void gemm_bf16(const mm::GemmArgs& a);

}  // namespace snug::avx2
