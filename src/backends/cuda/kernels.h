// backends/cuda/kernels.h: the launchers of every CUDA kernel, callable from host C++. Each enqueues on `stream` and
// returns at once; every pointer is device memory unless it says otherwise. Shapes are outermost first. Launchers
// throw snug::Error for arguments the kernels cannot take (a weight type without a device dequantizer, a head size
// over MAX_HEAD_DIM); a failed launch is reported by the caller's next check.
#pragma once
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "ops/ops.h"

namespace snug::cuda {

// Whether the CUDA backend computes with weights of type t (every type the CPU reference dequantizes, but Q8_1/Q8_K).
bool can_compute(DType t);

// y[i, :] = row ids[i] of table (any computable type, row_bytes apart, k values each), dequantized; ids == nullptr
// means rows first_row + i. y: [n, k] f32.
void get_rows(DType t, const uint8_t* table, size_t row_bytes, int64_t k, const int32_t* ids, int64_t first_row,
              int64_t n, float* y, cudaStream_t stream);
// The same rows written as IEEE halves (prompt-processing tiles for cuBLAS). y: [n, k] __half bits.
void get_rows_half(DType t, const uint8_t* table, size_t row_bytes, int64_t k, int64_t first_row, int64_t n,
                   uint16_t* y, cudaStream_t stream);
// y[i] = half(x[i]), i < n.
void f32_to_half(const float* x, uint16_t* y, int64_t n, cudaStream_t stream);

// ---- decode matmul: y[n, m] = x[n, k] · w[m, k]^T for n <= MATVEC_MAX_TOKENS ----
constexpr int MATVEC_MAX_TOKENS = 8;
// Float activations against any computable weight type, dequantized in registers.
void matvec_f32(DType t, const uint8_t* w, size_t row_bytes, int64_t m, int64_t k, const float* x, int64_t n,
                float* y, cudaStream_t stream);
// 8-bit activation blocks of 32 values (ActQ8 below) against Q4_0, Q8_0, Q4_K, Q5_K and Q6_K weights, with dp4a.
bool matvec_q8_supports(DType t);
struct ActQ8 {
    float d;          // value i = d * qs[i]
    int32_t sum;      // Σ qs: the weight's offset (Q4_0's -8, a K-quant's min) costs one product per block
    int8_t qs[32];
};
static_assert(sizeof(ActQ8) == 40);
// xq[n, k / 32] = x[n, k] quantized (d = max|x| / 127, round to nearest even). k % 32 == 0.
void quantize_act_q8(const float* x, int64_t n, int64_t k, ActQ8* xq, cudaStream_t stream);
void matvec_q8(DType t, const uint8_t* w, size_t row_bytes, int64_t m, int64_t k, const ActQ8* xq, int64_t n,
               float* y, cudaStream_t stream);

// ---- elementwise (ops.h semantics) ----
void rms_norm(const float* x, const float* w, float* y, int64_t rows, int64_t k, float eps, cudaStream_t stream);
void add(const float* a, const float* b, float* y, int64_t n, int64_t nb, cudaStream_t stream);  // b repeats every nb
void scale(const float* x, float s, float* y, int64_t n, cudaStream_t stream);
void act_mul(const float* gate, const float* up, float* y, int64_t n, Activation act, cudaStream_t stream);
// x [n_tokens, n_heads, head_dim] rotated in place; freq_factors: device [n_rot / 2] or null.
void rope(float* x, const int32_t* positions, int64_t n_tokens, int n_heads, int head_dim, const RopeParams& p,
          const float* freq_factors, cudaStream_t stream);

// ---- paged KV ----
constexpr int MAX_HEAD_DIM = 256;
// One layer's paged KV as the kernels see it: per token, a list of the block base pointers of its sequence, in
// logical order (a dropped sliding-window block is null and never read).
struct PagedKv {
    DType dtype = DType::F32;    // F32, F16, Q8_0 or Q4_0 (kv/kv_types.h)
    int block_size = 0;
    int n_kv_heads = 0;
    int head_dim = 0;
    size_t head_bytes = 0;       // row_bytes(dtype, head_dim)
    size_t pos_bytes = 0;        // n_kv_heads * head_bytes
    uint8_t* const* k_blocks = nullptr;  // device [Σ n_blocks]: every sequence's block pointers, concatenated
    uint8_t* const* v_blocks = nullptr;
    const int32_t* tok_table = nullptr;  // device [n_tokens]: where the token's sequence starts in k/v_blocks
};
// Writes k, v [n_tokens, n_kv_heads, head_dim] f32 into their slots, encoded exactly as quant::quantize_row_ref.
void kv_store(const PagedKv& kv, const int32_t* positions, int64_t n_tokens, const float* k, const float* v,
              cudaStream_t stream);
// Paged causal attention (ops.h): out [n_tokens, n_heads * head_dim]. Keys are split into n_splits ranges per
// (token, head), each reduced with an online softmax (flash-decoding); partial: device [n_tokens, n_heads,
// n_splits, head_dim + 2] floats when n_splits > 1. A token's keys are its window (positions > pos - window) or all
// positions <= its own.
struct AttnLaunch {
    int64_t n_tokens = 0;
    int n_heads = 0;
    int n_splits = 1;
    int split_len = 0;   // keys per split: ceil(max keys of any token / n_splits)
    AttnParams p;
};
void attention(const PagedKv& kv, const float* q, const int32_t* positions, const AttnLaunch& a, float* out,
               float* partial, cudaStream_t stream);

}  // namespace snug::cuda
