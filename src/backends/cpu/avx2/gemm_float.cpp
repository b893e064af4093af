// backends/cpu/avx2/gemm_float.cpp: F32, F16 and BF16 weight rows times F32 activations, with FMA. Weights are
// widened to f32 once per tile and reused for the tile's tokens. Twin: the ref table's gemm_float (plain dot).
#include <immintrin.h>

#include <cstring>

#include "backends/cpu/avx2/kernels.h"
#include "backends/cpu/simd256.h"

namespace snug::avx2 {
namespace {

using simd256::hsum;

struct F32 {
    static constexpr size_t BYTES = 4;
    static __m256 load8(const uint8_t* p) { return _mm256_loadu_ps(reinterpret_cast<const float*>(p)); }
    static float load1(const uint8_t* p) {
        float f;
        std::memcpy(&f, p, 4);
        return f;
    }
};

struct F16 {
    static constexpr size_t BYTES = 2;
    static __m256 load8(const uint8_t* p) {
        return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    }
    static float load1(const uint8_t* p) {
        uint16_t h;
        std::memcpy(&h, p, 2);
        return _cvtsh_ss(h);
    }
};

struct BF16 {
    static constexpr size_t BYTES = 2;
    static __m256 load8(const uint8_t* p) {
        const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
        return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
    }
    static float load1(const uint8_t* p) {
        uint16_t h;
        std::memcpy(&h, p, 2);
        const uint32_t bits = static_cast<uint32_t>(h) << 16;
        float f;
        std::memcpy(&f, &bits, 4);
        return f;
    }
};

// R weight rows x N tokens over the whole row; the k % 8 tail in scalar.
template <class W, int R, int N>
void tile(const mm::GemmArgs& a, int64_t r0, int64_t t0, int64_t k0, int64_t k1) {
    const uint8_t* w[R];
    const float* x[N];
    for (int r = 0; r < R; ++r) w[r] = a.w + static_cast<size_t>(r0 + r) * a.w_stride;
    for (int t = 0; t < N; ++t) x[t] = reinterpret_cast<const float*>(a.x + static_cast<size_t>(t0 + t) * a.x_stride);
    __m256 acc[R][N];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < N; ++t) acc[r][t] = _mm256_setzero_ps();
    const int64_t k8 = k0 + ((k1 - k0) & ~int64_t{7});
    for (int64_t i = k0; i < k8; i += 8) {
        __m256 wv[R];
        for (int r = 0; r < R; ++r) wv[r] = W::load8(w[r] + static_cast<size_t>(i) * W::BYTES);
        for (int t = 0; t < N; ++t) {
            const __m256 xv = _mm256_loadu_ps(x[t] + i);
            for (int r = 0; r < R; ++r) acc[r][t] = _mm256_fmadd_ps(wv[r], xv, acc[r][t]);
        }
    }
    for (int r = 0; r < R; ++r) {
        for (int t = 0; t < N; ++t) {
            float sum = hsum(acc[r][t]);
            for (int64_t i = k8; i < k1; ++i) sum += W::load1(w[r] + static_cast<size_t>(i) * W::BYTES) * x[t][i];
            float& y = a.y[(t0 + t) * a.y_stride + r0 + r];
            y = k0 == 0 ? sum : y + sum;
        }
    }
}

// Prefill works in k-blocks of K_BLOCK so a 4-token activation tile (8 KiB) stays in L1 while it meets every row
// of the chunk; partial sums add into y.
constexpr int64_t K_BLOCK = 512;

// Decode (one token): 4 rows at a time, whole rows. More tokens: 2 rows x up to 4 tokens (8 accumulators).
template <class W>
void gemm(const mm::GemmArgs& a) {
    if (a.n_tok == 1) {
        int64_t r = 0;
        for (; r + 4 <= a.n_rows; r += 4) tile<W, 4, 1>(a, r, 0, 0, a.k);
        for (; r < a.n_rows; ++r) tile<W, 1, 1>(a, r, 0, 0, a.k);
        return;
    }
    for (int64_t k0 = 0; k0 < a.k; k0 += K_BLOCK) {
        const int64_t k1 = a.k - k0 < K_BLOCK ? a.k : k0 + K_BLOCK;
        for (int64_t t0 = 0; t0 < a.n_tok; t0 += 4) {
            const int64_t nt = a.n_tok - t0 >= 4 ? 4 : a.n_tok - t0;
            for (int64_t r = 0; r < a.n_rows; r += 2) {
                const bool two = r + 2 <= a.n_rows;
                switch (nt * 2 + (two ? 1 : 0)) {
                    case 2: tile<W, 1, 1>(a, r, t0, k0, k1); break;
                    case 3: tile<W, 2, 1>(a, r, t0, k0, k1); break;
                    case 4: tile<W, 1, 2>(a, r, t0, k0, k1); break;
                    case 5: tile<W, 2, 2>(a, r, t0, k0, k1); break;
                    case 6: tile<W, 1, 3>(a, r, t0, k0, k1); break;
                    case 7: tile<W, 2, 3>(a, r, t0, k0, k1); break;
                    case 8: tile<W, 1, 4>(a, r, t0, k0, k1); break;
                    default: tile<W, 2, 4>(a, r, t0, k0, k1); break;
                }
            }
        }
    }
}

}  // namespace

void gemm_f32(const mm::GemmArgs& a) { gemm<F32>(a); }
void gemm_f16(const mm::GemmArgs& a) { gemm<F16>(a); }
void gemm_bf16(const mm::GemmArgs& a) { gemm<BF16>(a); }

}  // namespace snug::avx2
