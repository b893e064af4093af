// backends/cpu/avx2/k_blocks.h: register-level decoders of the Q4_K, Q5_K and Q6_K super-blocks, shared by
// prepare_k.cpp (which stores them as PrepK for the prompt-processing tiles) and gemv_k.cpp (which dots them at once
// for decode), both compiled with this folder's flags. Dec::scales gives the super-block's scales as PrepK holds them;
// Dec::chunks calls f(c, q) for the 8 chunks of 32 elements in element order, q unsigned bytes. Layouts:
// quant/blocks.h. Internal linkage: each including file gets its own copy.
#pragma once
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "backends/cpu/simd256.h"
#include "quant/blocks.h"

namespace snug::avx2 {
namespace {

using simd256::half_at;
using simd256::load256;
using simd256::store256;


// Byte-wise (v >> s) & mask for s in [-7, 7] (negative: left shift); 16-bit shifts are safe under the mask.
inline __m256i shift_mask(__m256i v, int s, __m256i mask) {
    if (s > 0) v = _mm256_srli_epi16(v, s);
    if (s < 0) v = _mm256_slli_epi16(v, -s);
    return _mm256_and_si256(v, mask);
}

// A super-block's scales as PrepK holds them: one int16 per 16 elements (sc, mn), and the two float multipliers.
struct Scales {
    alignas(32) int16_t sc[16];
    __m256i mn;
    float d, dmin;
};

// Q4_K/Q5_K's eight 6-bit scales and mins (quant/blocks.h), four per uint32, each repeated for its two 16-groups.
inline void scales_k4(const uint8_t* s, Scales& o) {
    uint32_t u[3];
    std::memcpy(u, s, 12);
    const uint32_t sc_lo = u[0] & 0x3f3f3f3fu, mn_lo = u[1] & 0x3f3f3f3fu;
    const uint32_t sc_hi = (u[2] & 0x0f0f0f0fu) | ((u[0] >> 2) & 0x30303030u);
    const uint32_t mn_hi = ((u[2] >> 4) & 0x0f0f0f0fu) | ((u[1] >> 2) & 0x30303030u);
    const __m128i sc = _mm_setr_epi32(static_cast<int>(sc_lo), static_cast<int>(sc_hi), 0, 0);
    const __m128i mn = _mm_setr_epi32(static_cast<int>(mn_lo), static_cast<int>(mn_hi), 0, 0);
    _mm256_store_si256(reinterpret_cast<__m256i*>(o.sc), _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(sc, sc)));
    o.mn = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(mn, mn));
}

struct DecQ4_K {
    static constexpr size_t BYTES = sizeof(quant::BlockQ4_K);
    static void scales(const uint8_t* p, Scales& o) {
        scales_k4(p + offsetof(quant::BlockQ4_K, scales), o);
        o.d = half_at(p);
        o.dmin = -half_at(p + offsetof(quant::BlockQ4_K, dmin));
    }
    // Calls f(c, q) for the 8 chunks of 32 elements, in element order, q unsigned bytes.
    template <class F>
    static void chunks(const uint8_t* p, F&& f) {
        const __m256i mask = _mm256_set1_epi8(15);
        for (int c = 0; c < 4; ++c) {
            const __m256i raw = load256(p + offsetof(quant::BlockQ4_K, qs) + 32 * c);
            f(2 * c, _mm256_and_si256(raw, mask));
            f(2 * c + 1, shift_mask(raw, 4, mask));
        }
    }
};

struct DecQ5_K {
    static constexpr size_t BYTES = sizeof(quant::BlockQ5_K);
    static void scales(const uint8_t* p, Scales& o) {
        scales_k4(p + offsetof(quant::BlockQ5_K, scales), o);
        o.d = half_at(p);
        o.dmin = -half_at(p + offsetof(quant::BlockQ5_K, dmin));
    }
    template <class F>
    static void chunks(const uint8_t* p, F&& f) {
        const __m256i mask = _mm256_set1_epi8(15), bit4 = _mm256_set1_epi8(16);
        const __m256i qh = load256(p + offsetof(quant::BlockQ5_K, qh));
        for (int c = 0; c < 4; ++c) {
            const __m256i raw = load256(p + offsetof(quant::BlockQ5_K, qs) + 32 * c);
            // Element 64c + l's fifth bit is bit 2c of qh[l], element 64c + 32 + l's bit 2c + 1: moved to bit 4.
            f(2 * c, _mm256_or_si256(_mm256_and_si256(raw, mask), shift_mask(qh, 2 * c - 4, bit4)));
            f(2 * c + 1, _mm256_or_si256(shift_mask(raw, 4, mask), shift_mask(qh, 2 * c + 1 - 4, bit4)));
        }
    }
};

struct DecQ6_K {
    static constexpr size_t BYTES = sizeof(quant::BlockQ6_K);
    // Values are q - 32 with q in [0, 63]: the -32 goes to the min term, mn = -32 sc, multiplied by d.
    static void scales(const uint8_t* p, Scales& o) {
        const __m256i sc = _mm256_cvtepi8_epi16(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + offsetof(quant::BlockQ6_K, scales))));
        _mm256_store_si256(reinterpret_cast<__m256i*>(o.sc), sc);
        o.mn = _mm256_mullo_epi16(sc, _mm256_set1_epi16(-32));
        o.d = half_at(p + offsetof(quant::BlockQ6_K, d));
        o.dmin = o.d;
    }
    template <class F>
    static void chunks(const uint8_t* p, F&& f) {
        const __m256i low4 = _mm256_set1_epi8(15), bits45 = _mm256_set1_epi8(0x30);
        for (int h = 0; h < 2; ++h) {
            const __m256i l0 = load256(p + offsetof(quant::BlockQ6_K, ql) + 64 * h);
            const __m256i l1 = load256(p + offsetof(quant::BlockQ6_K, ql) + 64 * h + 32);
            const __m256i hi = load256(p + offsetof(quant::BlockQ6_K, qh) + 32 * h);
            // Bits 2s..2s+1 of qh[l] become bits 4..5 of quarter s.
            f(4 * h + 0, _mm256_or_si256(_mm256_and_si256(l0, low4), shift_mask(hi, -4, bits45)));
            f(4 * h + 1, _mm256_or_si256(_mm256_and_si256(l1, low4), shift_mask(hi, -2, bits45)));
            f(4 * h + 2, _mm256_or_si256(shift_mask(l0, 4, low4), _mm256_and_si256(hi, bits45)));
            f(4 * h + 3, _mm256_or_si256(shift_mask(l1, 4, low4), shift_mask(hi, 2, bits45)));
        }
    }
};

}  // namespace
}  // namespace snug::avx2
