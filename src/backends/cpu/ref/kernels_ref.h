// backends/cpu/ref/kernels_ref.h: scalar reference kernels, the ground truth every SIMD kernel is tested against.
// Each works on a row range so the backend can split work across threads; none allocates.
#pragma once
#include <cstdint>
#include <span>

#include "ops/ops.h"

namespace snug::ref {

// y[n, r] = x[n, :] · w[r, :] for weight rows r in [r0, r1). row_buf holds w.cols() floats.
void matmul(Tensor y, Tensor x, const Tensor& w, int64_t r0, int64_t r1, float* row_buf);
// y rows [i0, i1) = table rows ids[i0..i1).
void get_rows(Tensor y, const Tensor& table, std::span<const int32_t> ids, int64_t i0, int64_t i1);
// rows [r0, r1) of x seen as [rows, w.cols()]
void rms_norm(Tensor y, Tensor x, const Tensor& w, float eps, int64_t r0, int64_t r1);
// elements [e0, e1)
void add(Tensor y, Tensor a, Tensor b, int64_t e0, int64_t e1);
void scale(Tensor y, Tensor x, float s, int64_t e0, int64_t e1);
void act_mul(Tensor y, Tensor gate, Tensor up, Activation act, int64_t e0, int64_t e1);
// tokens [t0, t1)
void rope(Tensor x, std::span<const int32_t> positions, const RopeParams& p, int64_t t0, int64_t t1);
// tokens [seq.begin, seq.end), converted to kv.dtype with quant::quantize_row_ref. One implementation for every
// ISA: one row per token and layer costs too little to need a SIMD twin (the backend splits long steps by token).
void kv_store(const KvLayer& kv, const SeqSlice& seq, std::span<const int32_t> positions, Tensor k, Tensor v);
// (token, head) work items [w0, w1) of one sequence, item = token * n_heads + head; any KV dtype. Keys one by one
// with an online softmax; q8_0/q4_0 keys take the 8-bit query (quantize_query_q8) and an integer dot per block, as
// the SIMD kernels do. scratch: attention_scratch_bytes(head_dim) bytes (attention_common.h).
void attention(Tensor out, Tensor q, const KvLayer& kv, const SeqSlice& seq, std::span<const int32_t> positions,
               const AttnParams& p, int64_t w0, int64_t w1, void* scratch);

float silu(float x);
float gelu_tanh(float x);

}  // namespace snug::ref
