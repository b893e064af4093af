// backends/cpu/avx2/q32_blocks.h: register-level decoders of the 32-element block types, shared by prepare_q32.cpp
// and gemv_q32.cpp (both compiled with this folder's flags). decode(block) gives the block's 32 bytes of q and its
// d and m as in PrepQ32 (matmul_formats.h). Internal linkage: each including file gets its own copy.
#pragma once
#include <immintrin.h>

#include <cstddef>
#include <cstring>

#include "backends/cpu/simd256.h"
#include "quant/blocks.h"

namespace {

using snug::simd256::half_at;

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
    const __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)),
                                               _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2,
                                                                2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
    const __m256i bit = _mm256_set1_epi64x(0x8040201008040201LL);
    const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
    return _mm256_and_si256(set, _mm256_set1_epi8(0x10));
}

inline __m256i iq4_values(const uint8_t* qs) {
    const __m128i table = _mm_loadu_si128(reinterpret_cast<const __m128i*>(snug::quant::IQ4_NL_VALUES));
    const __m128i raw = load128(qs);
    const __m128i mask = _mm_set1_epi8(0x0f);
    return _mm256_set_m128i(_mm_shuffle_epi8(table, _mm_and_si128(_mm_srli_epi16(raw, 4), mask)),
                            _mm_shuffle_epi8(table, _mm_and_si128(raw, mask)));
}

inline __m256i flip_sign_bit(__m256i v) { return _mm256_xor_si256(v, _mm256_set1_epi8(static_cast<char>(0x80))); }

// SIGNED: q holds signed values (sign trick); HAS_M: m is not always zero.
struct DecQ4_0 {
    static constexpr size_t BYTES = sizeof(snug::quant::BlockQ4_0);
    static constexpr bool SIGNED = false, HAS_M = true;
    static void decode(const uint8_t* p, __m256i& q, float& d, float& m) {
        q = unpack_nibbles(p + offsetof(snug::quant::BlockQ4_0, qs));
        d = half_at(p);
        m = -8.0f * d;
    }
};

struct DecQ4_1 {
    static constexpr size_t BYTES = sizeof(snug::quant::BlockQ4_1);
    static constexpr bool SIGNED = false, HAS_M = true;
    static void decode(const uint8_t* p, __m256i& q, float& d, float& m) {
        q = unpack_nibbles(p + offsetof(snug::quant::BlockQ4_1, qs));
        d = half_at(p);
        m = half_at(p + offsetof(snug::quant::BlockQ4_1, m));
    }
};

struct DecQ5_0 {
    static constexpr size_t BYTES = sizeof(snug::quant::BlockQ5_0);
    static constexpr bool SIGNED = false, HAS_M = true;
    static void decode(const uint8_t* p, __m256i& q, float& d, float& m) {
        q = _mm256_or_si256(unpack_nibbles(p + offsetof(snug::quant::BlockQ5_0, qs)),
                            fifth_bits(p + offsetof(snug::quant::BlockQ5_0, qh)));
        d = half_at(p);
        m = -16.0f * d;
    }
};

struct DecQ5_1 {
    static constexpr size_t BYTES = sizeof(snug::quant::BlockQ5_1);
    static constexpr bool SIGNED = false, HAS_M = true;
    static void decode(const uint8_t* p, __m256i& q, float& d, float& m) {
        q = _mm256_or_si256(unpack_nibbles(p + offsetof(snug::quant::BlockQ5_1, qs)),
                            fifth_bits(p + offsetof(snug::quant::BlockQ5_1, qh)));
        d = half_at(p);
        m = half_at(p + offsetof(snug::quant::BlockQ5_1, m));
    }
};

struct DecQ8_0 {
    static constexpr size_t BYTES = sizeof(snug::quant::BlockQ8_0);
    static constexpr bool SIGNED = true, HAS_M = false;
    static void decode(const uint8_t* p, __m256i& q, float& d, float& m) {
        q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + offsetof(snug::quant::BlockQ8_0, qs)));
        d = half_at(p);
        m = 0.0f;
    }
};

struct DecQ8_0Offset {  // value + 128, for VNNI's unsigned x signed products
    static constexpr size_t BYTES = sizeof(snug::quant::BlockQ8_0);
    static constexpr bool SIGNED = false, HAS_M = true;
    static void decode(const uint8_t* p, __m256i& q, float& d, float& m) {
        DecQ8_0::decode(p, q, d, m);
        q = flip_sign_bit(q);
        m = -128.0f * d;
    }
};

struct DecIQ4_NL {
    static constexpr size_t BYTES = sizeof(snug::quant::BlockIQ4_NL);
    static constexpr bool SIGNED = true, HAS_M = false;
    static void decode(const uint8_t* p, __m256i& q, float& d, float& m) {
        q = iq4_values(p + offsetof(snug::quant::BlockIQ4_NL, qs));
        d = half_at(p);
        m = 0.0f;
    }
};

struct DecIQ4_NLOffset {
    static constexpr size_t BYTES = sizeof(snug::quant::BlockIQ4_NL);
    static constexpr bool SIGNED = false, HAS_M = true;
    static void decode(const uint8_t* p, __m256i& q, float& d, float& m) {
        DecIQ4_NL::decode(p, q, d, m);
        q = flip_sign_bit(q);
        m = -128.0f * d;
    }
};

}  // namespace
