// backends/cpu/avx2/prepare_q32.cpp: 32-element-block weight rows (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL) unpacked
// into PrepQ32 groups: one byte per weight plus float d and m per block. Twin: ref::prepare_row.
#include <immintrin.h>

#include <cstddef>
#include <cstring>

#include "backends/cpu/avx2/kernels.h"
#include "quant/blocks.h"

namespace snug::avx2 {
namespace {

using mm::PrepQ32;

inline float half_at(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

inline __m128i load128(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }

// 16 bytes of nibbles -> 32 bytes: low nibbles (elements 0..15) then high nibbles (16..31).
inline __m256i unpack_nibbles(const uint8_t* qs) {
    const __m128i raw = load128(qs);
    const __m128i mask = _mm_set1_epi8(0x0f);
    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(raw, 4), mask), _mm_and_si128(raw, mask));
}

// Q5's 32 fifth bits (bit i = element i) -> 0x10 in byte i where set.
inline __m256i fifth_bits(const uint8_t* qh) {
    uint32_t bits;
    std::memcpy(&bits, qh, 4);
    const __m256i spread = _mm256_shuffle_epi8(
        _mm256_set1_epi32(static_cast<int>(bits)),
        _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
    const __m256i bit = _mm256_set1_epi64x(0x8040201008040201LL);
    const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
    return _mm256_and_si256(set, _mm256_set1_epi8(0x10));
}

inline __m256i iq4_values(const uint8_t* qs) {
    const __m128i table = _mm_loadu_si128(reinterpret_cast<const __m128i*>(quant::IQ4_NL_VALUES));
    const __m128i raw = load128(qs);
    const __m128i mask = _mm_set1_epi8(0x0f);
    return _mm256_set_m128i(_mm_shuffle_epi8(table, _mm_and_si128(_mm_srli_epi16(raw, 4), mask)),
                            _mm_shuffle_epi8(table, _mm_and_si128(raw, mask)));
}

// Fills group slots beyond the row's last block with zeros.
inline void zero_tail(PrepQ32* out, int64_t nb) {
    if (nb % 8 == 0) return;
    PrepQ32& o = out[nb / 8];
    const int used = static_cast<int>(nb % 8);
    std::memset(o.q + 32 * used, 0, static_cast<size_t>(32 * (8 - used)));
    for (int j = used; j < 8; ++j) o.d[j] = o.m[j] = 0.0f;
}

// Unpack(block bytes, &q, &d, &m) for every block of the row.
template <size_t BLOCK_BYTES, class Unpack>
inline void prepare_rows(const uint8_t* w, void* dst, int64_t k, Unpack unpack) {
    const int64_t nb = k / 32;
    auto* out = static_cast<PrepQ32*>(dst);
    for (int64_t b = 0; b < nb; ++b) {
        PrepQ32& o = out[b / 8];
        const int j = static_cast<int>(b % 8);
        __m256i q;
        unpack(w + static_cast<size_t>(b) * BLOCK_BYTES, q, o.d[j], o.m[j]);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o.q + 32 * j), q);
    }
    zero_tail(out, nb);
}

}  // namespace

void prepare_q4_0(const uint8_t* w, void* dst, int64_t k) {
    prepare_rows<sizeof(quant::BlockQ4_0)>(w, dst, k, [](const uint8_t* p, __m256i& q, float& d, float& m) {
        q = unpack_nibbles(p + offsetof(quant::BlockQ4_0, qs));
        d = half_at(p);
        m = -8.0f * d;
    });
}

void prepare_q4_1(const uint8_t* w, void* dst, int64_t k) {
    prepare_rows<sizeof(quant::BlockQ4_1)>(w, dst, k, [](const uint8_t* p, __m256i& q, float& d, float& m) {
        q = unpack_nibbles(p + offsetof(quant::BlockQ4_1, qs));
        d = half_at(p);
        m = half_at(p + offsetof(quant::BlockQ4_1, m));
    });
}

void prepare_q5_0(const uint8_t* w, void* dst, int64_t k) {
    prepare_rows<sizeof(quant::BlockQ5_0)>(w, dst, k, [](const uint8_t* p, __m256i& q, float& d, float& m) {
        q = _mm256_or_si256(unpack_nibbles(p + offsetof(quant::BlockQ5_0, qs)),
                            fifth_bits(p + offsetof(quant::BlockQ5_0, qh)));
        d = half_at(p);
        m = -16.0f * d;
    });
}

void prepare_q5_1(const uint8_t* w, void* dst, int64_t k) {
    prepare_rows<sizeof(quant::BlockQ5_1)>(w, dst, k, [](const uint8_t* p, __m256i& q, float& d, float& m) {
        q = _mm256_or_si256(unpack_nibbles(p + offsetof(quant::BlockQ5_1, qs)),
                            fifth_bits(p + offsetof(quant::BlockQ5_1, qh)));
        d = half_at(p);
        m = half_at(p + offsetof(quant::BlockQ5_1, m));
    });
}

void prepare_q8_0(const uint8_t* w, void* dst, int64_t k) {
    prepare_rows<sizeof(quant::BlockQ8_0)>(w, dst, k, [](const uint8_t* p, __m256i& q, float& d, float& m) {
        q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + offsetof(quant::BlockQ8_0, qs)));
        d = half_at(p);
        m = 0.0f;
    });
}

void prepare_q8_0_offset(const uint8_t* w, void* dst, int64_t k) {
    prepare_rows<sizeof(quant::BlockQ8_0)>(w, dst, k, [](const uint8_t* p, __m256i& q, float& d, float& m) {
        q = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + offsetof(quant::BlockQ8_0, qs))),
                             _mm256_set1_epi8(static_cast<char>(0x80)));
        d = half_at(p);
        m = -128.0f * d;
    });
}

void prepare_iq4_nl(const uint8_t* w, void* dst, int64_t k) {
    prepare_rows<sizeof(quant::BlockIQ4_NL)>(w, dst, k, [](const uint8_t* p, __m256i& q, float& d, float& m) {
        q = iq4_values(p + offsetof(quant::BlockIQ4_NL, qs));
        d = half_at(p);
        m = 0.0f;
    });
}

void prepare_iq4_nl_offset(const uint8_t* w, void* dst, int64_t k) {
    prepare_rows<sizeof(quant::BlockIQ4_NL)>(w, dst, k, [](const uint8_t* p, __m256i& q, float& d, float& m) {
        q = _mm256_xor_si256(iq4_values(p + offsetof(quant::BlockIQ4_NL, qs)), _mm256_set1_epi8(static_cast<char>(0x80)));
        d = half_at(p);
        m = -128.0f * d;
    });
}

}  // namespace snug::avx2
