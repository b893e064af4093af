// backends/cpu/avx512/attention.cpp: the AVX-512 (F, BW, VL, DQ) vector primitives of the shared attention loop
// (attention_impl.h) for f32, f16, q8_0 and q4_0 KV: sixteen floats a vector, two 32-value key blocks per integer
// dot. Tails of odd head sizes go one by one; an odd last key block takes the 256-bit path.
// NOTE: GCC 12's AVX-512 headers self-initialise their "undefined" vectors and warn about it (GCC PR 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cmath>
#include <cstddef>
#include <cstring>

#include "backends/cpu/attention_impl.h"
#include "backends/cpu/attention_simd256.h"
#include "backends/cpu/avx512/attention.h"
#include "quant/blocks.h"

namespace snug::avx512 {
namespace {

using attn::Kv;
using namespace attn_simd;
using quant::BlockQ4_0;
using quant::BlockQ8_0;

inline __m512 load_f16x16(const uint8_t* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
inline __m256i load_256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
inline __m512i join(__m256i lo, __m256i hi) { return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1); }
// Sixteen floats of which the first eight are a and the last eight b.
inline __m512 halves(float a, float b) { return _mm512_insertf32x8(_mm512_set1_ps(a), _mm256_set1_ps(b), 1); }

// exp(x) for x <= 0 (attention_simd256.h has the method and constants), sixteen at a time.
inline __m512 exp_nonpositive(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(EXP_MIN_X));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(EXP_LOG2E)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(EXP_LN2_HI), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(EXP_LN2_LO), r);
    __m512 y = _mm512_set1_ps(EXP_POLY[0]);
    for (int i = 1; i < 6; ++i) y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(EXP_POLY[i]));
    y = _mm512_fmadd_ps(y, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    const __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(y, _mm512_castsi512_ps(e));
}

// Σ a[i] * b[i] over 64 int8 pairs, in sixteen int32 lanes (lanes 0..7 from the first 32 values, 8..15 the second).
// |a|, |b| <= 127 keeps maddubs' pair sums below 2^15.
inline __m512i dot_i8x64(__m512i a, __m512i b) {
    const __m512i b_signed = _mm512_mask_sub_epi8(b, _mm512_movepi8_mask(a), _mm512_setzero_si512(), b);
    const __m512i pairs = _mm512_maddubs_epi16(_mm512_abs_epi8(a), b_signed);
    return _mm512_madd_epi16(pairs, _mm512_set1_epi16(1));
}
inline float reduce(__m512 v) { return _mm512_reduce_add_ps(v); }
inline float reduce(__m256 v) { return hsum(v); }

// A q8_0 head of n values in runs of sixteen: put(first element, the block's d, the sixteen quants as floats).
template <class Put>
inline void q8_0_runs(const uint8_t* v, int n, Put put) {
    for (int b = 0; b < n / quant::QK8_0; ++b) {
        const uint8_t* qs = v + b * sizeof(BlockQ8_0) + offsetof(BlockQ8_0, qs);
        const __m512 d = _mm512_set1_ps(half_at(v + b * sizeof(BlockQ8_0)));
        for (int c = 0; c < quant::QK8_0; c += 16)
            put(b * quant::QK8_0 + c, d,
                _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(qs + c)))));
    }
}

// The same for a q4_0 head; the sixteen values are nibble - 8.
template <class Put>
inline void q4_0_runs(const uint8_t* v, int n, Put put) {
    const __m512i eight = _mm512_set1_epi32(8);
    for (int b = 0; b < n / quant::QK4_0; ++b) {
        const uint8_t* blk = v + b * sizeof(BlockQ4_0);
        const __m256i nib = q4_0_nibbles(blk + offsetof(BlockQ4_0, qs));  // elements 0..31 as bytes
        const __m512 d = _mm512_set1_ps(half_at(blk));
        put(b * quant::QK4_0, d,
            _mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_cvtepu8_epi32(_mm256_castsi256_si128(nib)), eight)));
        put(b * quant::QK4_0 + 16, d,
            _mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_cvtepu8_epi32(_mm256_extracti128_si256(nib, 1)), eight)));
    }
}

// acc[j * n + i ..] += e[j * e_stride] * x for the nh heads of a run: each value is decoded once for all of them.
class HeadsAxpy {
public:
    HeadsAxpy(float* acc, const float* e, int e_stride, int nh, int n) : acc_(acc), nh_(nh), n_(n) {
        for (int j = 0; j < nh; ++j) e_[j] = e[j * e_stride];
    }
    void operator()(int i, __m512 x) const {
        for (int j = 0; j < nh_; ++j) {
            float* a = acc_ + j * n_ + i;
            _mm512_storeu_ps(a, _mm512_fmadd_ps(_mm512_set1_ps(e_[j]), x, _mm512_loadu_ps(a)));
        }
    }
    void one(int i, float x) const {
        for (int j = 0; j < nh_; ++j) acc_[j * n_ + i] += e_[j] * x;
    }

private:
    float* acc_;
    int nh_, n_;
    float e_[ATTENTION_ACC_HEADS];
};

struct Avx512 {
    static float dot(Kv<DType::F32>, const float* q, const AttnQ8Block*, const uint8_t* k, int n) {
        const auto* kf = reinterpret_cast<const float*>(k);
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
        int i = 0;
        for (; i + 32 <= n; i += 32) {
            a0 = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), _mm512_loadu_ps(kf + i), a0);
            a1 = _mm512_fmadd_ps(_mm512_loadu_ps(q + i + 16), _mm512_loadu_ps(kf + i + 16), a1);
        }
        for (; i + 16 <= n; i += 16) a0 = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), _mm512_loadu_ps(kf + i), a0);
        float s = reduce(_mm512_add_ps(a0, a1));
        for (; i < n; ++i) s += q[i] * kf[i];
        return s;
    }
    static float dot(Kv<DType::F16>, const float* q, const AttnQ8Block*, const uint8_t* k, int n) {
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
        int i = 0;
        for (; i + 32 <= n; i += 32) {
            a0 = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), load_f16x16(k + 2 * i), a0);
            a1 = _mm512_fmadd_ps(_mm512_loadu_ps(q + i + 16), load_f16x16(k + 2 * i + 32), a1);
        }
        for (; i + 16 <= n; i += 16) a0 = _mm512_fmadd_ps(_mm512_loadu_ps(q + i), load_f16x16(k + 2 * i), a0);
        float s = reduce(_mm512_add_ps(a0, a1));
        for (; i < n; ++i) s += q[i] * half_at(k + 2 * i);
        return s;
    }
    static float dot(Kv<DType::Q8_0>, const float*, const AttnQ8Block* q8, const uint8_t* k, int n) {
        constexpr size_t QS = offsetof(BlockQ8_0, qs);
        const int nb = n / quant::QK8_0;
        __m512 acc = _mm512_setzero_ps();
        int b = 0;
        for (; b + 2 <= nb; b += 2) {
            const uint8_t* k0 = k + b * sizeof(BlockQ8_0);
            const uint8_t* k1 = k0 + sizeof(BlockQ8_0);
            const __m512i d = dot_i8x64(join(load_256(k0 + QS), load_256(k1 + QS)),
                                        join(load_256(q8[b].qs), load_256(q8[b + 1].qs)));
            acc = _mm512_fmadd_ps(halves(half_at(k0) * q8[b].d, half_at(k1) * q8[b + 1].d), _mm512_cvtepi32_ps(d), acc);
        }
        float s = reduce(acc);
        if (b < nb) {
            const uint8_t* kb = k + b * sizeof(BlockQ8_0);
            const __m256i d = dot_i8x32(load_256(kb + QS), load_256(q8[b].qs));
            s += half_at(kb) * q8[b].d * reduce(_mm256_cvtepi32_ps(d));
        }
        return s;
    }
    // Σ (nibble - 8) * q = Σ nibble * q - 8 Σ q: the nibbles are maddubs' unsigned operand as they are.
    static float dot(Kv<DType::Q4_0>, const float*, const AttnQ8Block* q8, const uint8_t* k, int n) {
        constexpr size_t QS = offsetof(BlockQ4_0, qs);
        const int nb = n / quant::QK4_0;
        __m512 acc = _mm512_setzero_ps();
        float offset = 0.0f;
        int b = 0;
        for (; b + 2 <= nb; b += 2) {
            const uint8_t* k0 = k + b * sizeof(BlockQ4_0);
            const uint8_t* k1 = k0 + sizeof(BlockQ4_0);
            const __m512i pairs = _mm512_maddubs_epi16(join(q4_0_nibbles(k0 + QS), q4_0_nibbles(k1 + QS)),
                                                       join(load_256(q8[b].qs), load_256(q8[b + 1].qs)));
            const __m512i d = _mm512_madd_epi16(pairs, _mm512_set1_epi16(1));
            const float s0 = half_at(k0) * q8[b].d, s1 = half_at(k1) * q8[b + 1].d;
            acc = _mm512_fmadd_ps(halves(s0, s1), _mm512_cvtepi32_ps(d), acc);
            offset += s0 * static_cast<float>(q8[b].sum) + s1 * static_cast<float>(q8[b + 1].sum);
        }
        float s = reduce(acc);
        if (b < nb) {
            const uint8_t* kb = k + b * sizeof(BlockQ4_0);
            const __m256i pairs = _mm256_maddubs_epi16(q4_0_nibbles(kb + QS), load_256(q8[b].qs));
            const float sb = half_at(kb) * q8[b].d;
            s += sb * reduce(_mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1))));
            offset += sb * static_cast<float>(q8[b].sum);
        }
        return s - 8.0f * offset;
    }

    static void axpy(Kv<DType::F32>, float* acc, const float* e, int e_stride, int nh, const uint8_t* v, int n) {
        const auto* vf = reinterpret_cast<const float*>(v);
        const HeadsAxpy add(acc, e, e_stride, nh, n);
        int i = 0;
        for (; i + 16 <= n; i += 16) add(i, _mm512_loadu_ps(vf + i));
        for (; i < n; ++i) add.one(i, vf[i]);
    }
    static void axpy(Kv<DType::F16>, float* acc, const float* e, int e_stride, int nh, const uint8_t* v, int n) {
        const HeadsAxpy add(acc, e, e_stride, nh, n);
        int i = 0;
        for (; i + 16 <= n; i += 16) add(i, load_f16x16(v + 2 * i));
        for (; i < n; ++i) add.one(i, half_at(v + 2 * i));
    }
    static void axpy(Kv<DType::Q8_0>, float* acc, const float* e, int e_stride, int nh, const uint8_t* v, int n) {
        const HeadsAxpy add(acc, e, e_stride, nh, n);
        q8_0_runs(v, n, [&add](int i, __m512 d, __m512 q) { add(i, _mm512_mul_ps(d, q)); });
    }
    static void axpy(Kv<DType::Q4_0>, float* acc, const float* e, int e_stride, int nh, const uint8_t* v, int n) {
        const HeadsAxpy add(acc, e, e_stride, nh, n);
        q4_0_runs(v, n, [&add](int i, __m512 d, __m512 q) { add(i, _mm512_mul_ps(d, q)); });
    }

    static void scale(float* acc, float c, int n) {
        const __m512 vc = _mm512_set1_ps(c);
        int i = 0;
        for (; i + 16 <= n; i += 16) _mm512_storeu_ps(acc + i, _mm512_mul_ps(vc, _mm512_loadu_ps(acc + i)));
        for (; i < n; ++i) acc[i] *= c;
    }

    static float exp_sum(float* s, int n, float m) {
        const __m512 vm = _mm512_set1_ps(m);
        __m512 sum = _mm512_setzero_ps();
        int i = 0;
        for (; i + 16 <= n; i += 16) {
            const __m512 e = exp_nonpositive(_mm512_sub_ps(_mm512_loadu_ps(s + i), vm));
            _mm512_storeu_ps(s + i, e);
            sum = _mm512_add_ps(sum, e);
        }
        float total = reduce(sum);
        for (; i < n; ++i) total += s[i] = std::exp(s[i] - m);
        return total;
    }
};

}  // namespace

void attention(Tensor out, Tensor q, const KvLayer& kv, const SeqSlice& seq, std::span<const int32_t> positions,
               const AttnParams& p, int64_t w0, int64_t w1, void* scratch) {
    attn::attention<Avx512>(out, q, kv, seq, positions, p, w0, w1, scratch);
}

}  // namespace snug::avx512
