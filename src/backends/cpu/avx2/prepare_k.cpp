// backends/cpu/avx2/prepare_k.cpp: K-quant and IQ4_XS super-blocks unpacked into PrepK: one byte per weight,
// integer scales and min coefficients per 16 elements. Twin: ref::prepare_row. Layouts: quant/blocks.h.
#include <immintrin.h>

#include <cstddef>
#include <cstring>

#include "backends/cpu/avx2/kernels.h"
#include "quant/blocks.h"

namespace snug::avx2 {
namespace {

using mm::PrepK;

inline float half_at(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

inline __m256i load256(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
inline void store256(uint8_t* p, __m256i v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }

// Byte-wise (v >> s) & mask for s in [-7, 7] (negative: left shift). 16-bit shifts are fine because the mask keeps
// only bits that came from the same byte.
inline __m256i shift_mask(__m256i v, int s, __m256i mask) {
    if (s > 0) v = _mm256_srli_epi16(v, s);
    if (s < 0) v = _mm256_slli_epi16(v, -s);
    return _mm256_and_si256(v, mask);
}

// Q4_K/Q5_K's 6-bit scales and mins of the 8 sub-blocks (layout in quant/blocks.h), four at a time in a uint32,
// stored as one int16 per 16-element group.
inline void store_scales_k4(PrepK& o, const uint8_t* s) {
    uint32_t u[3];
    std::memcpy(u, s, 12);
    const uint32_t sc_lo = u[0] & 0x3f3f3f3fu, mn_lo = u[1] & 0x3f3f3f3fu;
    const uint32_t sc_hi = (u[2] & 0x0f0f0f0fu) | ((u[0] >> 2) & 0x30303030u);
    const uint32_t mn_hi = ((u[2] >> 4) & 0x0f0f0f0fu) | ((u[1] >> 2) & 0x30303030u);
    const __m128i sc = _mm_setr_epi32(static_cast<int>(sc_lo), static_cast<int>(sc_hi), 0, 0);
    const __m128i mn = _mm_setr_epi32(static_cast<int>(mn_lo), static_cast<int>(mn_hi), 0, 0);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o.sc), _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(sc, sc)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o.mn), _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(mn, mn)));
}

// Q2_K/Q3_K: the 2-bit fields of half h, shift s -> elements 128h + 32s .. + 32.
template <class PerChunk>
inline void two_bit_chunks(const uint8_t* qs, PerChunk per_chunk) {
    const __m256i three = _mm256_set1_epi8(3);
    for (int h = 0; h < 2; ++h) {
        const __m256i raw = load256(qs + 32 * h);
        for (int s = 0; s < 4; ++s) per_chunk(4 * h + s, shift_mask(raw, 2 * s, three));
    }
}

}  // namespace

void prepare_q2_k(const uint8_t* w, void* dst, int64_t k) {
    auto* out = static_cast<PrepK*>(dst);
    for (int64_t g = 0; g < k / mm::GROUP; ++g) {
        const uint8_t* p = w + static_cast<size_t>(g) * sizeof(quant::BlockQ2_K);
        PrepK& o = out[g];
        two_bit_chunks(p + offsetof(quant::BlockQ2_K, qs), [&](int c, __m256i q) { store256(o.q + 32 * c, q); });
        const __m256i sc = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o.sc), _mm256_and_si256(sc, _mm256_set1_epi16(15)));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o.mn), _mm256_srli_epi16(sc, 4));
        o.d = half_at(p + offsetof(quant::BlockQ2_K, d));
        o.dmin = -half_at(p + offsetof(quant::BlockQ2_K, dmin));
    }
}

void prepare_q3_k(const uint8_t* w, void* dst, int64_t k) {
    auto* out = static_cast<PrepK*>(dst);
    const __m256i four = _mm256_set1_epi8(4);
    for (int64_t g = 0; g < k / mm::GROUP; ++g) {
        const uint8_t* p = w + static_cast<size_t>(g) * sizeof(quant::BlockQ3_K);
        PrepK& o = out[g];
        const __m256i hmask = load256(p + offsetof(quant::BlockQ3_K, hmask));
        // Chunk c (elements 32c..) takes bit c of hmask[l]: moved to bit 2, it adds 4.
        two_bit_chunks(p + offsetof(quant::BlockQ3_K, qs), [&](int c, __m256i q) {
            store256(o.q + 32 * c, _mm256_or_si256(q, shift_mask(hmask, c - 2, four)));
        });
        // 16 six-bit scales, four per uint32: low nibbles from bytes 0..7, high pairs from bytes 8..11.
        uint32_t u[3];
        std::memcpy(u, p + offsetof(quant::BlockQ3_K, scales), 12);
        const uint32_t lo = 0x0f0f0f0fu, hi = 0x03030303u;
        const __m128i packed = _mm_setr_epi32(static_cast<int>((u[0] & lo) | (u[2] & hi) << 4),
                                              static_cast<int>((u[1] & lo) | ((u[2] >> 2) & hi) << 4),
                                              static_cast<int>(((u[0] >> 4) & lo) | ((u[2] >> 4) & hi) << 4),
                                              static_cast<int>(((u[1] >> 4) & lo) | ((u[2] >> 6) & hi) << 4));
        const __m256i sc = _mm256_sub_epi16(_mm256_cvtepu8_epi16(packed), _mm256_set1_epi16(32));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o.sc), sc);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o.mn), _mm256_mullo_epi16(sc, _mm256_set1_epi16(-4)));
        o.d = half_at(p + offsetof(quant::BlockQ3_K, d));
        o.dmin = o.d;
    }
}

void prepare_q4_k(const uint8_t* w, void* dst, int64_t k) {
    auto* out = static_cast<PrepK*>(dst);
    const __m256i mask = _mm256_set1_epi8(15);
    for (int64_t g = 0; g < k / mm::GROUP; ++g) {
        const uint8_t* p = w + static_cast<size_t>(g) * sizeof(quant::BlockQ4_K);
        PrepK& o = out[g];
        for (int c = 0; c < 4; ++c) {
            const __m256i raw = load256(p + offsetof(quant::BlockQ4_K, qs) + 32 * c);
            store256(o.q + 64 * c, _mm256_and_si256(raw, mask));
            store256(o.q + 64 * c + 32, shift_mask(raw, 4, mask));
        }
        store_scales_k4(o, p + offsetof(quant::BlockQ4_K, scales));
        o.d = half_at(p);
        o.dmin = -half_at(p + offsetof(quant::BlockQ4_K, dmin));
    }
}

void prepare_q5_k(const uint8_t* w, void* dst, int64_t k) {
    auto* out = static_cast<PrepK*>(dst);
    const __m256i mask = _mm256_set1_epi8(15), bit4 = _mm256_set1_epi8(16);
    for (int64_t g = 0; g < k / mm::GROUP; ++g) {
        const uint8_t* p = w + static_cast<size_t>(g) * sizeof(quant::BlockQ5_K);
        PrepK& o = out[g];
        const __m256i qh = load256(p + offsetof(quant::BlockQ5_K, qh));
        for (int c = 0; c < 4; ++c) {
            const __m256i raw = load256(p + offsetof(quant::BlockQ5_K, qs) + 32 * c);
            // Element 64c + l's fifth bit is bit 2c of qh[l], element 64c + 32 + l's bit 2c + 1: move it to bit 4.
            store256(o.q + 64 * c, _mm256_or_si256(_mm256_and_si256(raw, mask), shift_mask(qh, 2 * c - 4, bit4)));
            store256(o.q + 64 * c + 32,
                     _mm256_or_si256(shift_mask(raw, 4, mask), shift_mask(qh, 2 * c + 1 - 4, bit4)));
        }
        store_scales_k4(o, p + offsetof(quant::BlockQ5_K, scales));
        o.d = half_at(p);
        o.dmin = -half_at(p + offsetof(quant::BlockQ5_K, dmin));
    }
}

void prepare_q6_k(const uint8_t* w, void* dst, int64_t k) {
    auto* out = static_cast<PrepK*>(dst);
    const __m256i low4 = _mm256_set1_epi8(15), bits45 = _mm256_set1_epi8(0x30);
    for (int64_t g = 0; g < k / mm::GROUP; ++g) {
        const uint8_t* p = w + static_cast<size_t>(g) * sizeof(quant::BlockQ6_K);
        PrepK& o = out[g];
        for (int h = 0; h < 2; ++h) {
            const __m256i l0 = load256(p + offsetof(quant::BlockQ6_K, ql) + 64 * h);
            const __m256i l1 = load256(p + offsetof(quant::BlockQ6_K, ql) + 64 * h + 32);
            const __m256i hi = load256(p + offsetof(quant::BlockQ6_K, qh) + 32 * h);
            uint8_t* q = o.q + 128 * h;
            // Bits 2s..2s+1 of qh[l] become bits 4..5 of quarter s.
            store256(q + 0, _mm256_or_si256(_mm256_and_si256(l0, low4), shift_mask(hi, -4, bits45)));
            store256(q + 32, _mm256_or_si256(_mm256_and_si256(l1, low4), shift_mask(hi, -2, bits45)));
            store256(q + 64, _mm256_or_si256(shift_mask(l0, 4, low4), _mm256_and_si256(hi, bits45)));
            store256(q + 96, _mm256_or_si256(shift_mask(l1, 4, low4), shift_mask(hi, 2, bits45)));
        }
        const __m256i sc = _mm256_cvtepi8_epi16(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + offsetof(quant::BlockQ6_K, scales))));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o.sc), sc);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o.mn), _mm256_mullo_epi16(sc, _mm256_set1_epi16(-32)));
        o.d = half_at(p + offsetof(quant::BlockQ6_K, d));
        o.dmin = o.d;
    }
}

void prepare_iq4_xs(const uint8_t* w, void* dst, int64_t k) {
    auto* out = static_cast<PrepK*>(dst);
    const __m128i table = _mm_loadu_si128(reinterpret_cast<const __m128i*>(quant::IQ4_NL_VALUES));
    const __m128i mask = _mm_set1_epi8(15);
    for (int64_t g = 0; g < k / mm::GROUP; ++g) {
        const uint8_t* p = w + static_cast<size_t>(g) * sizeof(quant::BlockIQ4_XS);
        PrepK& o = out[g];
        for (int j = 0; j < 8; ++j) {
            const __m128i raw =
                _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + offsetof(quant::BlockIQ4_XS, qs) + 16 * j));
            const __m128i lo = _mm_shuffle_epi8(table, _mm_and_si128(raw, mask));
            const __m128i hi = _mm_shuffle_epi8(table, _mm_and_si128(_mm_srli_epi16(raw, 4), mask));
            store256(o.q + 32 * j, _mm256_set_m128i(hi, lo));
        }
        uint16_t scales_h;
        std::memcpy(&scales_h, p + offsetof(quant::BlockIQ4_XS, scales_h), 2);
        const uint8_t* scales_l = p + offsetof(quant::BlockIQ4_XS, scales_l);
        alignas(16) uint8_t ls[16] = {};
        for (int j = 0; j < 8; ++j)
            ls[j] = static_cast<uint8_t>(((scales_l[j / 2] >> (4 * (j % 2))) & 15) | ((scales_h >> (2 * j)) & 3) << 4);
        const __m128i v = _mm_load_si128(reinterpret_cast<const __m128i*>(ls));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o.sc),
                            _mm256_sub_epi16(_mm256_cvtepu8_epi16(_mm_unpacklo_epi8(v, v)), _mm256_set1_epi16(32)));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o.mn), _mm256_setzero_si256());
        o.d = half_at(p);
        o.dmin = 0.0f;
    }
}

}  // namespace snug::avx2
