// backends/cpu/avx2/attention.cpp: the AVX2 (+FMA, F16C) vector primitives of the shared attention loop
// (attention_impl.h) for f32, f16, q8_0 and q4_0 KV. Eight floats a vector; tails of odd head sizes go one by one.
#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <cstring>

#include "backends/cpu/attention_impl.h"
#include "backends/cpu/attention_simd256.h"
#include "backends/cpu/avx2/attention.h"
#include "quant/blocks.h"

namespace snug::avx2 {
namespace {

using attn::Kv;
using namespace attn_simd;
using quant::BlockQ4_0;
using quant::BlockQ8_0;

inline __m256 load_f16x8(const uint8_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
inline __m256i load_i8x32(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
inline __m256 i8x8_to_f32(const int8_t* p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}

// exp(x) for x <= 0 (attention_simd256.h has the method and constants), eight at a time.
inline __m256 exp_nonpositive(__m256 x) {
    x = _mm256_max_ps(x, _mm256_set1_ps(EXP_MIN_X));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(EXP_LOG2E)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(EXP_LN2_HI), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(EXP_LN2_LO), r);
    __m256 y = _mm256_set1_ps(EXP_POLY[0]);
    for (int i = 1; i < 6; ++i) y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(EXP_POLY[i]));
    y = _mm256_fmadd_ps(y, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}

// The low eight bytes of nibbles (values 0..15) minus q4_0's 8, as floats.
inline __m256 q4_0x8_to_f32(__m128i nibbles) {
    return _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_cvtepu8_epi32(nibbles), _mm256_set1_epi32(8)));
}

// A q8_0 head of n values (v) in runs of eight: put(first element, the block's d, the eight quants as floats).
template <class Put>
inline void q8_0_runs(const uint8_t* v, int n, Put put) {
    for (int b = 0; b < n / quant::QK8_0; ++b) {
        const uint8_t* blk = v + b * sizeof(BlockQ8_0);
        const auto* qs = reinterpret_cast<const int8_t*>(blk + offsetof(BlockQ8_0, qs));
        const __m256 d = _mm256_set1_ps(half_at(blk));
        for (int c = 0; c < quant::QK8_0; c += 8) put(b * quant::QK8_0 + c, d, i8x8_to_f32(qs + c));
    }
}

// The same for a q4_0 head; the eight values are nibble - 8.
template <class Put>
inline void q4_0_runs(const uint8_t* v, int n, Put put) {
    for (int b = 0; b < n / quant::QK4_0; ++b) {
        const uint8_t* blk = v + b * sizeof(BlockQ4_0);
        const __m256i nib = q4_0_nibbles(blk + offsetof(BlockQ4_0, qs));  // elements 0..31 as bytes
        const __m128i lo = _mm256_castsi256_si128(nib), hi = _mm256_extracti128_si256(nib, 1);
        const __m256 d = _mm256_set1_ps(half_at(blk));
        put(b * quant::QK4_0 + 0, d, q4_0x8_to_f32(lo));
        put(b * quant::QK4_0 + 8, d, q4_0x8_to_f32(_mm_srli_si128(lo, 8)));
        put(b * quant::QK4_0 + 16, d, q4_0x8_to_f32(hi));
        put(b * quant::QK4_0 + 24, d, q4_0x8_to_f32(_mm_srli_si128(hi, 8)));
    }
}

// acc[j * n + i ..] += e[j * e_stride] * x for the nh heads of a run: each value is decoded once for all of them.
class HeadsAxpy {
public:
    HeadsAxpy(float* acc, const float* e, int e_stride, int nh, int n) : acc_(acc), nh_(nh), n_(n) {
        for (int j = 0; j < nh; ++j) e_[j] = e[j * e_stride];
    }
    void operator()(int i, __m256 x) const {
        for (int j = 0; j < nh_; ++j) {
            float* a = acc_ + j * n_ + i;
            _mm256_storeu_ps(a, _mm256_fmadd_ps(_mm256_set1_ps(e_[j]), x, _mm256_loadu_ps(a)));
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

struct Avx2 {
    static float dot(Kv<DType::F32>, const float* q, const AttnQ8Block*, const uint8_t* k, int n) {
        const auto* kf = reinterpret_cast<const float*>(k);
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
        int i = 0;
        for (; i + 16 <= n; i += 16) {
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), _mm256_loadu_ps(kf + i), a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), _mm256_loadu_ps(kf + i + 8), a1);
        }
        for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), _mm256_loadu_ps(kf + i), a0);
        float s = hsum(_mm256_add_ps(a0, a1));
        for (; i < n; ++i) s += q[i] * kf[i];
        return s;
    }
    static float dot(Kv<DType::F16>, const float* q, const AttnQ8Block*, const uint8_t* k, int n) {
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
        int i = 0;
        for (; i + 16 <= n; i += 16) {
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), load_f16x8(k + 2 * i), a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8), load_f16x8(k + 2 * i + 16), a1);
        }
        for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + i), load_f16x8(k + 2 * i), a0);
        float s = hsum(_mm256_add_ps(a0, a1));
        for (; i < n; ++i) s += q[i] * half_at(k + 2 * i);
        return s;
    }
    static float dot(Kv<DType::Q8_0>, const float*, const AttnQ8Block* q8, const uint8_t* k, int n) {
        __m256 acc = _mm256_setzero_ps();
        for (int b = 0; b < n / quant::QK8_0; ++b) {
            const uint8_t* blk = k + b * sizeof(BlockQ8_0);
            const __m256i d = dot_i8x32(load_i8x32(blk + offsetof(BlockQ8_0, qs)), load_i8x32(q8[b].qs));
            acc = _mm256_fmadd_ps(_mm256_set1_ps(half_at(blk) * q8[b].d), _mm256_cvtepi32_ps(d), acc);
        }
        return hsum(acc);
    }
    // Σ (nibble - 8) * q = Σ nibble * q - 8 Σ q: the nibbles are maddubs' unsigned operand as they are.
    static float dot(Kv<DType::Q4_0>, const float*, const AttnQ8Block* q8, const uint8_t* k, int n) {
        __m256 acc = _mm256_setzero_ps();
        float offset = 0.0f;
        for (int b = 0; b < n / quant::QK4_0; ++b) {
            const uint8_t* blk = k + b * sizeof(BlockQ4_0);
            const __m256i pairs = _mm256_maddubs_epi16(q4_0_nibbles(blk + offsetof(BlockQ4_0, qs)), load_i8x32(q8[b].qs));
            const __m256i d = _mm256_madd_epi16(pairs, _mm256_set1_epi16(1));
            const float scale = half_at(blk) * q8[b].d;
            acc = _mm256_fmadd_ps(_mm256_set1_ps(scale), _mm256_cvtepi32_ps(d), acc);
            offset += scale * static_cast<float>(q8[b].sum);
        }
        return hsum(acc) - 8.0f * offset;
    }

    static void axpy(Kv<DType::F32>, float* acc, const float* e, int e_stride, int nh, const uint8_t* v, int n) {
        const auto* vf = reinterpret_cast<const float*>(v);
        const HeadsAxpy add(acc, e, e_stride, nh, n);
        int i = 0;
        for (; i + 8 <= n; i += 8) add(i, _mm256_loadu_ps(vf + i));
        for (; i < n; ++i) add.one(i, vf[i]);
    }
    static void axpy(Kv<DType::F16>, float* acc, const float* e, int e_stride, int nh, const uint8_t* v, int n) {
        const HeadsAxpy add(acc, e, e_stride, nh, n);
        int i = 0;
        for (; i + 8 <= n; i += 8) add(i, load_f16x8(v + 2 * i));
        for (; i < n; ++i) add.one(i, half_at(v + 2 * i));
    }
    static void axpy(Kv<DType::Q8_0>, float* acc, const float* e, int e_stride, int nh, const uint8_t* v, int n) {
        const HeadsAxpy add(acc, e, e_stride, nh, n);
        q8_0_runs(v, n, [&add](int i, __m256 d, __m256 q) { add(i, _mm256_mul_ps(d, q)); });
    }
    static void axpy(Kv<DType::Q4_0>, float* acc, const float* e, int e_stride, int nh, const uint8_t* v, int n) {
        const HeadsAxpy add(acc, e, e_stride, nh, n);
        q4_0_runs(v, n, [&add](int i, __m256 d, __m256 q) { add(i, _mm256_mul_ps(d, q)); });
    }

    static void scale(float* acc, float c, int n) {
        const __m256 vc = _mm256_set1_ps(c);
        int i = 0;
        for (; i + 8 <= n; i += 8) _mm256_storeu_ps(acc + i, _mm256_mul_ps(vc, _mm256_loadu_ps(acc + i)));
        for (; i < n; ++i) acc[i] *= c;
    }

    static float exp_sum(float* s, int n, float m) {
        const __m256 vm = _mm256_set1_ps(m);
        __m256 sum = _mm256_setzero_ps();
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            const __m256 e = exp_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(s + i), vm));
            _mm256_storeu_ps(s + i, e);
            sum = _mm256_add_ps(sum, e);
        }
        float total = hsum(sum);
        for (; i < n; ++i) total += s[i] = std::exp(s[i] - m);
        return total;
    }
};

}  // namespace

void attention(Tensor out, Tensor q, const KvLayer& kv, const SeqSlice& seq, std::span<const int32_t> positions,
               const AttnParams& p, int64_t w0, int64_t w1, void* scratch) {
    attn::attention<Avx2>(out, q, kv, seq, positions, p, w0, w1, scratch);
}

}  // namespace snug::avx2
