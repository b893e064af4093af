// backends/cpu/avx2/gemm_int8.cpp: integer dot products of prepared weight rows (PrepQ32 / PrepK) with quantized
// activation rows, NT tokens at a time so each weight vector loaded is used NT times. Twin: ref::dot_prepared_*.
// maddubs takes unsigned x signed bytes; signed weights use the sign trick (|w| x sign(a, w)). No pair sum can
// saturate int16: |w| <= 128 with |a| <= 127 gives at most 32512.
#include <immintrin.h>

#include <cstring>

#include "backends/cpu/avx2/kernels.h"
#include "backends/cpu/simd256.h"

namespace snug::avx2 {
namespace {

using mm::ActQ8K;
using mm::ActQ8x32;
using mm::PrepK;
using mm::PrepQ32;

constexpr int NT = 4;  // tokens per tile: 2 * NT accumulators + weights fit the 16 ymm registers

using simd256::hsum;

using simd256::load256;

// acc[t] += the dot of prepared group W with activation group a[t][g] (formula in matmul_formats.h).
template <int N, bool SIGNED>
inline void q32_group(const PrepQ32& W, const ActQ8x32* const* a, int64_t g, __m256* acc) {
    const __m256i ones = _mm256_set1_epi16(1);
    const __m256 wm = _mm256_loadu_ps(W.m);
    for (int t = 0; t < N; ++t) acc[t] = _mm256_fmadd_ps(wm, _mm256_loadu_ps(a[t][g].s), acc[t]);
    for (int j = 0; j < 8; ++j) {
        const __m256i q = load256(W.q + 32 * j);
        const __m256i qa = SIGNED ? _mm256_abs_epi8(q) : q;
        const __m256 dw = _mm256_broadcast_ss(&W.d[j]);
        for (int t = 0; t < N; ++t) {
            __m256i v = load256(a[t][g].qs + 32 * j);
            if (SIGNED) v = _mm256_sign_epi8(v, q);
            const __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(qa, v), ones);
            const __m256 s = _mm256_mul_ps(dw, _mm256_broadcast_ss(&a[t][g].d[j]));
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), s, acc[t]);
        }
    }
}

template <int N, bool SIGNED>
inline void k_group(const PrepK& W, const ActQ8K* const* a, int64_t g, __m256* acc) {
    // int16 lanes 0..7 take the first scale of a pair, lanes 8..15 the second.
    const __m256i spread = _mm256_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 2, 3, 2,
                                            3, 2, 3, 2, 3, 2, 3);
    __m256i iacc[N];
    for (int t = 0; t < N; ++t) iacc[t] = _mm256_setzero_si256();
    for (int c = 0; c < 8; ++c) {
        const __m256i q = load256(W.q + 32 * c);
        const __m256i qa = SIGNED ? _mm256_abs_epi8(q) : q;
        int32_t pair;
        std::memcpy(&pair, W.sc + 2 * c, 4);
        const __m256i sc = _mm256_shuffle_epi8(_mm256_set1_epi32(pair), spread);
        for (int t = 0; t < N; ++t) {
            __m256i v = load256(a[t][g].qs + 32 * c);
            if (SIGNED) v = _mm256_sign_epi8(v, q);
            iacc[t] = _mm256_add_epi32(iacc[t], _mm256_madd_epi16(_mm256_maddubs_epi16(qa, v), sc));
        }
    }
    const __m256i mn = load256(W.mn);
    const __m256 d = _mm256_broadcast_ss(&W.d), dmin = _mm256_broadcast_ss(&W.dmin);
    for (int t = 0; t < N; ++t) {
        const __m256 ad = _mm256_broadcast_ss(&a[t][g].d);
        acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(iacc[t]), _mm256_mul_ps(d, ad), acc[t]);
        if (!SIGNED) {  // IQ4_XS has no mins
            const __m256i mi = _mm256_madd_epi16(mn, load256(a[t][g].bsums));
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(mi), _mm256_mul_ps(dmin, ad), acc[t]);
        }
    }
}

// One prepared row against N activation rows.
template <class Prep, class Act, int N, void (*GROUP)(const Prep&, const Act* const*, int64_t, __m256*)>
void tile(const Prep* w, const uint8_t* x, size_t x_stride, int64_t ng, float* y, int64_t y_stride) {
    const Act* a[N];
    for (int t = 0; t < N; ++t) a[t] = reinterpret_cast<const Act*>(x + static_cast<size_t>(t) * x_stride);
    __m256 acc[N];
    for (int t = 0; t < N; ++t) acc[t] = _mm256_setzero_ps();
    for (int64_t g = 0; g < ng; ++g) GROUP(w[g], a, g, acc);
    for (int t = 0; t < N; ++t) y[t * y_stride] = hsum(acc[t]);
}

template <int N, bool SIGNED>
void q32_tile(const PrepQ32* w, const uint8_t* x, size_t x_stride, int64_t ng, float* y, int64_t y_stride) {
    tile<PrepQ32, ActQ8x32, N, q32_group<N, SIGNED>>(w, x, x_stride, ng, y, y_stride);
}

template <int N, bool SIGNED>
void k_tile(const PrepK* w, const uint8_t* x, size_t x_stride, int64_t ng, float* y, int64_t y_stride) {
    tile<PrepK, ActQ8K, N, k_group<N, SIGNED>>(w, x, x_stride, ng, y, y_stride);
}

// Fused decode: each raw 256-element group is prepared into a stack buffer and used at once.
template <class Prep, class Act, int N, void (*GROUP)(const Prep&, const Act* const*, int64_t, __m256*)>
void gemv_rows(const mm::GemmArgs& a, mm::PrepareFn prepare) {
    const int64_t ng = mm::n_groups(a.k);
    const Act* act[N];
    for (int t = 0; t < N; ++t) act[t] = reinterpret_cast<const Act*>(a.x + static_cast<size_t>(t) * a.x_stride);
    alignas(64) Prep buf;
    for (int64_t r = 0; r < a.n_rows; ++r) {
        const uint8_t* row = a.w + static_cast<size_t>(r) * a.w_stride;
        __m256 acc[N];
        for (int t = 0; t < N; ++t) acc[t] = _mm256_setzero_ps();
        for (int64_t g = 0; g < ng; ++g) {
            const int64_t left = a.k - g * mm::GROUP;
            prepare(row + static_cast<size_t>(g) * a.group_raw_bytes, &buf, left < mm::GROUP ? left : mm::GROUP);
            GROUP(buf, act, g, acc);
        }
        for (int t = 0; t < N; ++t) a.y[t * a.y_stride + r] = hsum(acc[t]);
    }
}

template <class Prep, class Act, void (*GROUP1)(const Prep&, const Act* const*, int64_t, __m256*),
          void (*GROUP2)(const Prep&, const Act* const*, int64_t, __m256*)>
void gemv(const mm::GemmArgs& a, mm::PrepareFn prepare) {
    if (a.n_tok == 1) return gemv_rows<Prep, Act, 1, GROUP1>(a, prepare);
    gemv_rows<Prep, Act, 2, GROUP2>(a, prepare);
}

template <class Prep, void (*TILE1)(const Prep*, const uint8_t*, size_t, int64_t, float*, int64_t),
          void (*TILE2)(const Prep*, const uint8_t*, size_t, int64_t, float*, int64_t),
          void (*TILE3)(const Prep*, const uint8_t*, size_t, int64_t, float*, int64_t),
          void (*TILE4)(const Prep*, const uint8_t*, size_t, int64_t, float*, int64_t)>
void run_tiles(const mm::GemmArgs& a) {
    const int64_t ng = mm::n_groups(a.k);
    for (int64_t t0 = 0; t0 < a.n_tok; t0 += NT) {
        const int64_t nt = a.n_tok - t0 < NT ? a.n_tok - t0 : NT;
        const uint8_t* x = a.x + static_cast<size_t>(t0) * a.x_stride;
        for (int64_t r = 0; r < a.n_rows; ++r) {
            const auto* w = reinterpret_cast<const Prep*>(a.w + static_cast<size_t>(r) * a.w_stride);
            float* y = a.y + t0 * a.y_stride + r;
            switch (nt) {
                case 1: TILE1(w, x, a.x_stride, ng, y, a.y_stride); break;
                case 2: TILE2(w, x, a.x_stride, ng, y, a.y_stride); break;
                case 3: TILE3(w, x, a.x_stride, ng, y, a.y_stride); break;
                default: TILE4(w, x, a.x_stride, ng, y, a.y_stride); break;
            }
        }
    }
}

}  // namespace

void gemm_q32(const mm::GemmArgs& a) {
    run_tiles<PrepQ32, q32_tile<1, false>, q32_tile<2, false>, q32_tile<3, false>, q32_tile<4, false>>(a);
}
void gemm_q32_signed(const mm::GemmArgs& a) {
    run_tiles<PrepQ32, q32_tile<1, true>, q32_tile<2, true>, q32_tile<3, true>, q32_tile<4, true>>(a);
}
void gemm_k(const mm::GemmArgs& a) {
    run_tiles<PrepK, k_tile<1, false>, k_tile<2, false>, k_tile<3, false>, k_tile<4, false>>(a);
}
void gemm_k_signed(const mm::GemmArgs& a) {
    run_tiles<PrepK, k_tile<1, true>, k_tile<2, true>, k_tile<3, true>, k_tile<4, true>>(a);
}

void gemv_k(const mm::GemmArgs& a, mm::PrepareFn p) { gemv<PrepK, ActQ8K, k_group<1, false>, k_group<2, false>>(a, p); }
void gemv_k_signed(const mm::GemmArgs& a, mm::PrepareFn p) {
    gemv<PrepK, ActQ8K, k_group<1, true>, k_group<2, true>>(a, p);
}

}  // namespace snug::avx2
