// backends/cpu/avx2/quantize_act.cpp: activation rows -> ActQ8x32 / ActQ8K. Bit-identical to the twins in
// ref/vec_dot_ref.cpp: same d = max|x| / 127, same x * (1 / d), cvtps rounds to nearest even like nearbyint.
#include <immintrin.h>

#include <cstring>

#include "backends/cpu/avx2/kernels.h"

namespace snug::avx2 {
namespace {

using mm::ActQ8K;
using mm::ActQ8x32;

inline float hmax(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

inline int hsum_i32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

inline __m256 abs_max32(const float* x, __m256 m) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (int i = 0; i < 32; i += 8) m = _mm256_max_ps(m, _mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)));
    return m;
}

// Quantizes 32 floats with multiplier id into dst (memory order); returns the sum of the quants.
inline int quantize32(const float* x, __m256 id, int8_t* dst) {
    const __m256i q0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x), id));
    const __m256i q1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 8), id));
    const __m256i q2 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 16), id));
    const __m256i q3 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 24), id));
    const int sum = hsum_i32(_mm256_add_epi32(_mm256_add_epi32(q0, q1), _mm256_add_epi32(q2, q3)));
    // packs work per 128-bit lane; the permute restores element order.
    const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(q0, q1), _mm256_packs_epi32(q2, q3));
    const __m256i ordered = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), ordered);
    return sum;
}

}  // namespace

void quantize_act_q8x32(const float* x, void* dst, int64_t k) {
    const int64_t nb = k / 32;
    auto* out = static_cast<ActQ8x32*>(dst);
    for (int64_t b = 0; b < nb; ++b) {
        ActQ8x32& o = out[b / 8];
        const int j = static_cast<int>(b % 8);
        const float* xb = x + b * 32;
        const float amax = hmax(abs_max32(xb, _mm256_setzero_ps()));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        const int sum = quantize32(xb, _mm256_set1_ps(id), o.qs + 32 * j);
        o.d[j] = d;
        o.s[j] = d * static_cast<float>(sum);
    }
    if (nb % 8 != 0) {  // zero the tail of the last group
        ActQ8x32& o = out[nb / 8];
        const int used = static_cast<int>(nb % 8);
        std::memset(o.qs + 32 * used, 0, static_cast<size_t>(32 * (8 - used)));
        for (int j = used; j < 8; ++j) o.d[j] = o.s[j] = 0.0f;
    }
}

void quantize_act_q8k(const float* x, void* dst, int64_t k) {
    auto* out = static_cast<ActQ8K*>(dst);
    for (int64_t g = 0; g < k / mm::GROUP; ++g) {
        ActQ8K& o = out[g];
        const float* xb = x + g * mm::GROUP;
        __m256 m = _mm256_setzero_ps();
        for (int i = 0; i < mm::GROUP; i += 32) m = abs_max32(xb + i, m);
        const float amax = hmax(m);
        const float d = amax / 127.0f;
        const __m256 id = _mm256_set1_ps(d != 0.0f ? 1.0f / d : 0.0f);
        for (int i = 0; i < mm::GROUP; i += 32) quantize32(xb + i, id, o.qs + i);
        // Sums of 16: maddubs with ones gives pair sums, madd with ones sums of 4; two hadds finish each 16.
        const __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
        for (int c = 0; c < 8; c += 2) {
            const __m256i a = _mm256_madd_epi16(
                _mm256_maddubs_epi16(ones8, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(o.qs + 32 * c))),
                ones16);
            const __m256i b = _mm256_madd_epi16(
                _mm256_maddubs_epi16(ones8, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(o.qs + 32 * c + 32))),
                ones16);
            // h: lanes [a01 a23 b01 b23 | a45 a67 b45 b67]; h2 lane 0,1 = a's low 16, b's low 16; lane 4,5 = highs.
            const __m256i h = _mm256_hadd_epi32(a, b);
            const __m256i h2 = _mm256_hadd_epi32(h, h);
            o.bsums[2 * c + 0] = static_cast<int16_t>(_mm256_extract_epi32(h2, 0));
            o.bsums[2 * c + 1] = static_cast<int16_t>(_mm256_extract_epi32(h2, 4));
            o.bsums[2 * c + 2] = static_cast<int16_t>(_mm256_extract_epi32(h2, 1));
            o.bsums[2 * c + 3] = static_cast<int16_t>(_mm256_extract_epi32(h2, 5));
        }
        o.d = d;
    }
}

}  // namespace snug::avx2
