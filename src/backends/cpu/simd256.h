// backends/cpu/simd256.h: the few 256-bit helpers every AVX2-level kernel file uses (avx2/, and the AVX-512 attention
// for its odd last block). Internal linkage: each including file compiles its own copy with its own folder's ISA
// flags, so an AVX2-only CPU never runs code the compiler built for AVX-512.
#pragma once
#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace snug::simd256 {
namespace {

// An fp16 value stored at p (no alignment), as float.
inline float half_at(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
inline void store256(void* p, __m256i v) { _mm256_storeu_si256(static_cast<__m256i*>(p), v); }

}  // namespace
}  // namespace snug::simd256
