// backends/cpu/avx2/prepare_k.cpp: K-quant and IQ4_XS super-blocks unpacked into PrepK: one byte per weight,
// integer scales and min coefficients per 16 elements. Twin: ref::prepare_row. Layouts: quant/blocks.h.
#include <immintrin.h>

#include <cstddef>
#include <cstring>

#include "backends/cpu/avx2/k_blocks.h"
#include "backends/cpu/avx2/kernels.h"

namespace snug::avx2 {
namespace {

using mm::PrepK;

// A super-block decoded by a k_blocks.h decoder, stored as PrepK.
template <class Dec>
void prepare_with(const uint8_t* w, void* dst, int64_t k) {
    auto* out = static_cast<PrepK*>(dst);
    for (int64_t g = 0; g < k / mm::GROUP; ++g) {
        const uint8_t* p = w + static_cast<size_t>(g) * Dec::BYTES;
        PrepK& o = out[g];
        Scales s;
        Dec::scales(p, s);
        std::memcpy(o.sc, s.sc, sizeof o.sc);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(o.mn), s.mn);
        o.d = s.d;
        o.dmin = s.dmin;
        Dec::chunks(p, [&](int c, __m256i q) { store256(o.q + 32 * c, q); });
    }
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

void prepare_q4_k(const uint8_t* w, void* dst, int64_t k) { prepare_with<DecQ4_K>(w, dst, k); }
void prepare_q5_k(const uint8_t* w, void* dst, int64_t k) { prepare_with<DecQ5_K>(w, dst, k); }
void prepare_q6_k(const uint8_t* w, void* dst, int64_t k) { prepare_with<DecQ6_K>(w, dst, k); }

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
