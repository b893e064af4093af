// backends/cpu/avx512/gemm_float.cpp: F32, F16 and BF16 weight rows times F32 activations with 512-bit FMA; the
// k % 16 tail uses masked loads (no over-read). Twin: the ref table's gemm_float (plain dot).
// NOTE: GCC 12's AVX-512 headers self-initialise their "undefined" vectors and warn about it (GCC PR 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include "backends/cpu/avx512/kernels.h"

namespace snug::avx512 {
namespace {

struct F32 {
    static constexpr size_t BYTES = 4;
    static __m512 load(const uint8_t* p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }
    static __m512 load(const uint8_t* p) { return _mm512_loadu_ps(p); }
};

struct F16 {
    static constexpr size_t BYTES = 2;
    static __m512 load(const uint8_t* p, __mmask16 m) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p)); }
    static __m512 load(const uint8_t* p) {
        return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    }
};

struct BF16 {
    static constexpr size_t BYTES = 2;
    static __m512 widen(__m256i h) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)); }
    static __m512 load(const uint8_t* p, __mmask16 m) { return widen(_mm256_maskz_loadu_epi16(m, p)); }
    static __m512 load(const uint8_t* p) { return widen(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
};

template <class W, int R, int N>
void tile(const mm::GemmArgs& a, int64_t r0, int64_t t0, int64_t k0, int64_t k1) {
    const uint8_t* w[R];
    const float* x[N];
    for (int r = 0; r < R; ++r) w[r] = a.w + static_cast<size_t>(r0 + r) * a.w_stride;
    for (int t = 0; t < N; ++t) x[t] = reinterpret_cast<const float*>(a.x + static_cast<size_t>(t0 + t) * a.x_stride);
    __m512 acc[R][N];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < N; ++t) acc[r][t] = _mm512_setzero_ps();
    const int64_t k16 = k0 + ((k1 - k0) & ~int64_t{15});
    for (int64_t i = k0; i < k16; i += 16) {
        __m512 wv[R];
        for (int r = 0; r < R; ++r) wv[r] = W::load(w[r] + static_cast<size_t>(i) * W::BYTES);
        for (int t = 0; t < N; ++t) {
            const __m512 xv = _mm512_loadu_ps(x[t] + i);
            for (int r = 0; r < R; ++r) acc[r][t] = _mm512_fmadd_ps(wv[r], xv, acc[r][t]);
        }
    }
    if (k16 < k1) {
        const auto m = static_cast<__mmask16>((1u << (k1 - k16)) - 1);
        __m512 wv[R];
        for (int r = 0; r < R; ++r) wv[r] = W::load(w[r] + static_cast<size_t>(k16) * W::BYTES, m);
        for (int t = 0; t < N; ++t) {
            const __m512 xv = _mm512_maskz_loadu_ps(m, x[t] + k16);
            for (int r = 0; r < R; ++r) acc[r][t] = _mm512_fmadd_ps(wv[r], xv, acc[r][t]);
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < N; ++t) {
            const float sum = _mm512_reduce_add_ps(acc[r][t]);
            float& y = a.y[(t0 + t) * a.y_stride + r0 + r];
            y = k0 == 0 ? sum : y + sum;
        }
}

// Prefill works in k-blocks of K_BLOCK so a 4-token activation tile (8 KiB) stays in L1 while it meets every row
// of the chunk; partial sums add into y. Decode (one token) takes whole rows.
constexpr int64_t K_BLOCK = 512;

template <class W, int N>
void rows(const mm::GemmArgs& a, int64_t t0, int64_t k0, int64_t k1) {
    int64_t r = 0;
    for (; r + 4 <= a.n_rows; r += 4) tile<W, 4, N>(a, r, t0, k0, k1);
    for (; r < a.n_rows; ++r) tile<W, 1, N>(a, r, t0, k0, k1);
}

template <class W>
void gemm(const mm::GemmArgs& a) {
    const int64_t kb = a.n_tok == 1 ? a.k : K_BLOCK;
    for (int64_t k0 = 0; k0 < a.k; k0 += kb) {
        const int64_t k1 = a.k - k0 < kb ? a.k : k0 + kb;
        for (int64_t t0 = 0; t0 < a.n_tok; t0 += 4) {
            switch (a.n_tok - t0 >= 4 ? 4 : a.n_tok - t0) {
                case 1: rows<W, 1>(a, t0, k0, k1); break;
                case 2: rows<W, 2>(a, t0, k0, k1); break;
                case 3: rows<W, 3>(a, t0, k0, k1); break;
                default: rows<W, 4>(a, t0, k0, k1); break;
            }
        }
    }
}

}  // namespace

void gemm_f32(const mm::GemmArgs& a) { gemm<F32>(a); }
void gemm_f16(const mm::GemmArgs& a) { gemm<F16>(a); }
void gemm_bf16(const mm::GemmArgs& a) { gemm<BF16>(a); }

}  // namespace snug::avx512
