// backends/cpu/avx512/gemm_int8_impl.h: the AVX-512 integer dot kernels, written once and compiled twice: by
// avx512/gemm_int8.cpp (BW: maddubs + madd) and avx512vnni/gemm_int8.cpp (vpdpbusd / vpdpwssd), each with its
// folder's flags. The includer defines `struct Ops` first:
//   static __m512i dot4(__m512i q_u8, __m512i a_s8);               int32 lane = sum of 4 byte products
//   static __m512i acc_scaled(__m512i acc, __m512i p16, __m512i sc);  acc + pairwise p16 * sc into int32
// NOTE: everything here has internal linkage, so the two copies never merge at link time (ODR): a CPU without
// VNNI must never run a function compiled with VNNI enabled.
#pragma once
#include <immintrin.h>

#include <cstring>

#include "backends/cpu/matmul_formats.h"

namespace {

using snug::mm::ActQ8K;
using snug::mm::ActQ8x32;
using snug::mm::PrepK;
using snug::mm::PrepQ32;

constexpr int NT = 8;  // tokens per tile: 2 * NT accumulators + weights fit the 32 zmm registers

inline __m512i load512(const void* p) { return _mm512_loadu_si512(p); }

inline __m512 zext256(__m256 v) { return _mm512_insertf32x8(_mm512_setzero_ps(), v, 0); }

template <class Ops, int N, bool SIGNED>
void q32_tile(const PrepQ32* w, const uint8_t* x, size_t x_stride, int64_t ng, float* y, int64_t y_stride) {
    const ActQ8x32* a[N];
    for (int t = 0; t < N; ++t) a[t] = reinterpret_cast<const ActQ8x32*>(x + static_cast<size_t>(t) * x_stride);
    __m512 acc[N];
    for (int t = 0; t < N; ++t) acc[t] = _mm512_setzero_ps();
    // A 64-byte chunk c holds blocks 2c and 2c + 1: lanes 0..7 take scale 2c, lanes 8..15 scale 2c + 1.
    const __m512i idx0 = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    for (int64_t g = 0; g < ng; ++g) {
        const PrepQ32& W = w[g];
        const __m256 wd = _mm256_loadu_ps(W.d);
        const __m512 wm = zext256(_mm256_loadu_ps(W.m));
        __m512 dd[N];
        for (int t = 0; t < N; ++t) {
            dd[t] = zext256(_mm256_mul_ps(wd, _mm256_loadu_ps(a[t][g].d)));
            acc[t] = _mm512_fmadd_ps(wm, zext256(_mm256_loadu_ps(a[t][g].s)), acc[t]);
        }
        for (int c = 0; c < 4; ++c) {
            const __m512i q = load512(W.q + 64 * c);
            const __m512i qa = SIGNED ? _mm512_abs_epi8(q) : q;
            const __mmask64 neg = SIGNED ? _mm512_movepi8_mask(q) : 0;
            const __m512i idx = _mm512_add_epi32(idx0, _mm512_set1_epi32(2 * c));
            for (int t = 0; t < N; ++t) {
                __m512i v = load512(a[t][g].qs + 64 * c);
                if (SIGNED) v = _mm512_mask_sub_epi8(v, neg, _mm512_setzero_si512(), v);
                const __m512 s = _mm512_permutexvar_ps(idx, dd[t]);
                acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(Ops::dot4(qa, v)), s, acc[t]);
            }
        }
    }
    for (int t = 0; t < N; ++t) y[t * y_stride] = _mm512_reduce_add_ps(acc[t]);
}

template <class Ops, int N, bool SIGNED>
void k_tile(const PrepK* w, const uint8_t* x, size_t x_stride, int64_t ng, float* y, int64_t y_stride) {
    const ActQ8K* a[N];
    for (int t = 0; t < N; ++t) a[t] = reinterpret_cast<const ActQ8K*>(x + static_cast<size_t>(t) * x_stride);
    __m512 acc[N];
    for (int t = 0; t < N; ++t) acc[t] = _mm512_setzero_ps();
    // A 64-byte chunk spans four 16-groups; int16 lanes 8L..8L+7 (128-bit lane L) take the chunk's scale L.
    alignas(64) static constexpr uint8_t SPREAD[64] = {
        0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3,
        4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 4, 5, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7, 6, 7};
    const __m512i spread = load512(SPREAD);
    for (int64_t g = 0; g < ng; ++g) {
        const PrepK& W = w[g];
        __m512i iacc[N];
        for (int t = 0; t < N; ++t) iacc[t] = _mm512_setzero_si512();
        for (int c = 0; c < 4; ++c) {
            const __m512i q = load512(W.q + 64 * c);
            const __m512i qa = SIGNED ? _mm512_abs_epi8(q) : q;
            const __mmask64 neg = SIGNED ? _mm512_movepi8_mask(q) : 0;
            long long quad;
            std::memcpy(&quad, W.sc + 4 * c, 8);
            const __m512i sc = _mm512_shuffle_epi8(_mm512_set1_epi64(quad), spread);
            for (int t = 0; t < N; ++t) {
                __m512i v = load512(a[t][g].qs + 64 * c);
                if (SIGNED) v = _mm512_mask_sub_epi8(v, neg, _mm512_setzero_si512(), v);
                iacc[t] = Ops::acc_scaled(iacc[t], _mm512_maddubs_epi16(qa, v), sc);
            }
        }
        const __m256i mn = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(W.mn));
        for (int t = 0; t < N; ++t) {
            const float ad = a[t][g].d;
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(iacc[t]), _mm512_set1_ps(W.d * ad), acc[t]);
            if (!SIGNED) {  // IQ4_XS has no mins
                const __m256i mi =
                    _mm256_madd_epi16(mn, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[t][g].bsums)));
                acc[t] = _mm512_fmadd_ps(zext256(_mm256_cvtepi32_ps(mi)), _mm512_set1_ps(W.dmin * ad), acc[t]);
            }
        }
    }
    for (int t = 0; t < N; ++t) y[t * y_stride] = _mm512_reduce_add_ps(acc[t]);
}

template <class Prep>
using TileFn = void (*)(const Prep*, const uint8_t*, size_t, int64_t, float*, int64_t);

// TILES[n - 1] handles n tokens.
template <class Prep>
void run_tiles(const snug::mm::GemmArgs& a, const TileFn<Prep> (&tiles)[NT]) {
    const int64_t ng = snug::mm::n_groups(a.k);
    for (int64_t t0 = 0; t0 < a.n_tok; t0 += NT) {
        const int64_t nt = a.n_tok - t0 < NT ? a.n_tok - t0 : NT;
        const uint8_t* x = a.x + static_cast<size_t>(t0) * a.x_stride;
        const TileFn<Prep> tile = tiles[nt - 1];
        for (int64_t r = 0; r < a.n_rows; ++r)
            tile(reinterpret_cast<const Prep*>(a.w + static_cast<size_t>(r) * a.w_stride), x, a.x_stride, ng,
                 a.y + t0 * a.y_stride + r, a.y_stride);
    }
}

template <class Ops, bool SIGNED>
void gemm_q32_impl(const snug::mm::GemmArgs& a) {
    static constexpr TileFn<PrepQ32> tiles[NT] = {
        q32_tile<Ops, 1, SIGNED>, q32_tile<Ops, 2, SIGNED>, q32_tile<Ops, 3, SIGNED>, q32_tile<Ops, 4, SIGNED>,
        q32_tile<Ops, 5, SIGNED>, q32_tile<Ops, 6, SIGNED>, q32_tile<Ops, 7, SIGNED>, q32_tile<Ops, 8, SIGNED>};
    run_tiles<PrepQ32>(a, tiles);
}

template <class Ops, bool SIGNED>
void gemm_k_impl(const snug::mm::GemmArgs& a) {
    static constexpr TileFn<PrepK> tiles[NT] = {
        k_tile<Ops, 1, SIGNED>, k_tile<Ops, 2, SIGNED>, k_tile<Ops, 3, SIGNED>, k_tile<Ops, 4, SIGNED>,
        k_tile<Ops, 5, SIGNED>, k_tile<Ops, 6, SIGNED>, k_tile<Ops, 7, SIGNED>, k_tile<Ops, 8, SIGNED>};
    run_tiles<PrepK>(a, tiles);
}

}  // namespace
