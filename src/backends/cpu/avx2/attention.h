// backends/cpu/avx2/attention.h: AVX2 twin of ref::attention (same signature and contract, every KV dtype); the
// loop is attention_impl.h's, the vector primitives are this folder's.
#pragma once
#include <span>

#include "ops/ops.h"

namespace snug::avx2 {

void attention(Tensor out, Tensor q, const KvLayer& kv, const SeqSlice& seq, std::span<const int32_t> positions,
               const AttnParams& p, int64_t w0, int64_t w1, void* scratch);

}  // namespace snug::avx2
