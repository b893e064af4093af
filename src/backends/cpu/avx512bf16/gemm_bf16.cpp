// backends/cpu/avx512bf16/gemm_bf16.cpp: BF16 weights x bf16-rounded activations with vdpbf16ps (32 products per
// instruction). Activation rows are zero-padded to a multiple of 32; the weight tail is a masked load.
// NOTE: GCC 12's AVX-512 headers self-initialise their "undefined" vectors and warn about it (GCC PR 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstring>

#include "backends/cpu/avx512bf16/kernels.h"

namespace snug::avx512bf16 {
namespace {

inline __m512bh as_bh(__m512i v) {
    __m512bh r;
    std::memcpy(&r, &v, sizeof(r));
    return r;
}

template <int R, int N>
void tile(const mm::GemmArgs& a, int64_t r0, int64_t t0) {
    const uint8_t* w[R];
    const uint8_t* x[N];
    for (int r = 0; r < R; ++r) w[r] = a.w + static_cast<size_t>(r0 + r) * a.w_stride;
    for (int t = 0; t < N; ++t) x[t] = a.x + static_cast<size_t>(t0 + t) * a.x_stride;
    __m512 acc[R][N];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < N; ++t) acc[r][t] = _mm512_setzero_ps();
    const int64_t k32 = a.k & ~int64_t{31};
    for (int64_t i = 0; i <= k32; i += 32) {
        if (i == a.k) break;
        const __mmask32 m = i < k32 ? ~__mmask32{0} : static_cast<__mmask32>((1ull << (a.k - i)) - 1);
        __m512i wv[R];
        for (int r = 0; r < R; ++r) wv[r] = _mm512_maskz_loadu_epi16(m, w[r] + 2 * i);
        for (int t = 0; t < N; ++t) {
            const __m512bh xv = as_bh(_mm512_loadu_si512(x[t] + 2 * i));  // padded row: always in bounds
            for (int r = 0; r < R; ++r) acc[r][t] = _mm512_dpbf16_ps(acc[r][t], as_bh(wv[r]), xv);
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < N; ++t) a.y[(t0 + t) * a.y_stride + r0 + r] = _mm512_reduce_add_ps(acc[r][t]);
}

template <int N>
void rows(const mm::GemmArgs& a, int64_t t0) {
    int64_t r = 0;
    for (; r + 4 <= a.n_rows; r += 4) tile<4, N>(a, r, t0);
    for (; r < a.n_rows; ++r) tile<1, N>(a, r, t0);
}

}  // namespace

void quantize_act_bf16(const float* x, void* dst, int64_t k) {
    // Round to nearest even on the bit pattern, as fp32_to_bf16 does (NaN payloads aside).
    auto* out = static_cast<uint16_t*>(dst);
    const int64_t padded = (k + 31) / 32 * 32;
    for (int64_t i = 0; i < padded; i += 16) {
        const int64_t left = k - i;
        const auto m = left >= 16 ? static_cast<__mmask16>(0xffff)
                                  : static_cast<__mmask16>(left > 0 ? (1u << left) - 1 : 0);
        const __m512i bits = _mm512_castps_si512(_mm512_maskz_loadu_ps(m, x + i));
        const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
        const __m512i rounded =
            _mm512_srli_epi32(_mm512_add_epi32(bits, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff))), 16);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm512_cvtepi32_epi16(rounded));
    }
}

void gemm_bf16(const mm::GemmArgs& a) {
    for (int64_t t0 = 0; t0 < a.n_tok;) {
        const int64_t nt = a.n_tok - t0;
        switch (nt >= 4 ? 4 : nt) {
            case 1: rows<1>(a, t0); break;
            case 2: rows<2>(a, t0); break;
            case 3: rows<3>(a, t0); break;
            default: rows<4>(a, t0); break;
        }
        t0 += nt >= 4 ? 4 : nt;
    }
}

}  // namespace snug::avx512bf16
