// backends/cpu/attention_simd256.h: the 256-bit helpers (beyond simd256.h's) both SIMD attention kernels use (avx2/attention.cpp, and
// avx512/attention.cpp for an odd last block and its scalar conversions), and the constants of their exp polynomial.
// Everything has internal linkage: each including file compiles its own copy with its own folder's ISA flags, so an
// AVX2-only CPU never runs code the compiler built for AVX-512.
#pragma once
#include <immintrin.h>

#include <cstdint>

#include "backends/cpu/simd256.h"

namespace snug::attn_simd {
namespace {

using simd256::half_at;
using simd256::hsum;

// Sum of 32 int8 products a[i] * b[i] in eight int32 lanes; |a|, |b| <= 127 keeps maddubs' pair sums below 2^15.
inline __m256i dot_i8x32(__m256i a, __m256i b) {
    const __m256i pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(a, a), _mm256_sign_epi8(b, a));
    return _mm256_madd_epi16(pairs, _mm256_set1_epi16(1));
}

// q4_0 nibbles of one block as 32 bytes in element order: low nibbles are elements 0..15, high ones 16..31.
inline __m256i q4_0_nibbles(const uint8_t* qs) {
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), _mm256_set1_epi8(0x0F));
}

// exp(x) for x <= 0, Cephes' expf: x = n ln2 + r with |r| <= ln2 / 2 (ln2 split in two parts for exactness), a
// degree-6 polynomial for e^r, 2^n from the exponent bits; within 2 ulp of expf. Below EXP_MIN_X (where 2^n would
// leave the normal range) the kernels clamp, giving ~1e-38.
constexpr float EXP_MIN_X = -87.33654f;
constexpr float EXP_LOG2E = 1.44269504088896341f;
constexpr float EXP_LN2_HI = 0.693359375f;
constexpr float EXP_LN2_LO = -2.12194440e-4f;
constexpr float EXP_POLY[6] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
                               4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};

}  // namespace
}  // namespace snug::attn_simd
