// backends/cpu/avx2/prepare_q32.cpp: 32-element-block weight rows (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL) unpacked
// into PrepQ32 groups: one byte per weight plus float d and m per block. Twin: ref::prepare_row.
#include "backends/cpu/avx2/kernels.h"
#include "backends/cpu/avx2/q32_blocks.h"

namespace snug::avx2 {
namespace {

using mm::PrepQ32;

template <class Dec>
void prepare_rows(const uint8_t* w, void* dst, int64_t k) {
    const int64_t nb = k / 32;
    auto* out = static_cast<PrepQ32*>(dst);
    for (int64_t b = 0; b < nb; ++b) {
        PrepQ32& o = out[b / 8];
        const int j = static_cast<int>(b % 8);
        __m256i q;
        Dec::decode(w + static_cast<size_t>(b) * Dec::BYTES, q, o.d[j], o.m[j]);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o.q + 32 * j), q);
    }
    if (nb % 8 != 0) {  // zero the group slots past the row's last block
        PrepQ32& o = out[nb / 8];
        const int used = static_cast<int>(nb % 8);
        std::memset(o.q + 32 * used, 0, static_cast<size_t>(32 * (8 - used)));
        for (int j = used; j < 8; ++j) o.d[j] = o.m[j] = 0.0f;
    }
}

}  // namespace

void prepare_q4_0(const uint8_t* w, void* dst, int64_t k) { prepare_rows<DecQ4_0>(w, dst, k); }
void prepare_q4_1(const uint8_t* w, void* dst, int64_t k) { prepare_rows<DecQ4_1>(w, dst, k); }
void prepare_q5_0(const uint8_t* w, void* dst, int64_t k) { prepare_rows<DecQ5_0>(w, dst, k); }
void prepare_q5_1(const uint8_t* w, void* dst, int64_t k) { prepare_rows<DecQ5_1>(w, dst, k); }
void prepare_q8_0(const uint8_t* w, void* dst, int64_t k) { prepare_rows<DecQ8_0>(w, dst, k); }
void prepare_q8_0_offset(const uint8_t* w, void* dst, int64_t k) { prepare_rows<DecQ8_0Offset>(w, dst, k); }
void prepare_iq4_nl(const uint8_t* w, void* dst, int64_t k) { prepare_rows<DecIQ4_NL>(w, dst, k); }
void prepare_iq4_nl_offset(const uint8_t* w, void* dst, int64_t k) { prepare_rows<DecIQ4_NLOffset>(w, dst, k); }

}  // namespace snug::avx2
