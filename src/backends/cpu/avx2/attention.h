// backends/cpu/avx2/attention.h: AVX2 twin of ref::attention (same signature and contract). acc holds
// MAX_GROUP (16) * head_dim floats per thread.
#pragma once
#include <span>

#include "ops/ops.h"

namespace snug::avx2 {

void attention(Tensor out, Tensor q, const KvLayer& kv, const SeqSlice& seq, std::span<const int32_t> positions,
               const AttnParams& p, int64_t w0, int64_t w1, float* acc);

}  // namespace snug::avx2
