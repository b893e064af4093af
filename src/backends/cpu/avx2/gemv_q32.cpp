// backends/cpu/avx2/gemv_q32.cpp: decode (1-2 tokens) for the 32-element block types straight from raw rows: each
// block is decoded in registers (q32_blocks.h) and dotted at once, no prepared copy. Same math as the PrepQ32 path:
// sum_b d_b * a.d_b * (q . a.qs) + m_b * a.s_b. Used by every table (decode is bound by memory, not vector width).
#include "backends/cpu/avx2/kernels.h"
#include "backends/cpu/simd256.h"
#include "backends/cpu/avx2/q32_blocks.h"

namespace snug::avx2 {
namespace {

using mm::ActQ8x32;

using simd256::hsum;

template <class Dec, int N>
void gemv_rows(const mm::GemmArgs& a) {
    const int64_t nb = a.k / 32;
    const ActQ8x32* act[N];
    for (int t = 0; t < N; ++t) act[t] = reinterpret_cast<const ActQ8x32*>(a.x + static_cast<size_t>(t) * a.x_stride);
    const __m256i ones = _mm256_set1_epi16(1);
    for (int64_t r = 0; r < a.n_rows; ++r) {
        const uint8_t* row = a.w + static_cast<size_t>(r) * a.w_stride;
        __m256 acc[N];
        float acc_m[N];
        for (int t = 0; t < N; ++t) {
            acc[t] = _mm256_setzero_ps();
            acc_m[t] = 0.0f;
        }
        for (int64_t b = 0; b < nb; ++b) {
            __m256i q;
            float d, m;
            Dec::decode(row + static_cast<size_t>(b) * Dec::BYTES, q, d, m);
            const __m256i qa = Dec::SIGNED ? _mm256_abs_epi8(q) : q;
            const int64_t g = b / 8;
            const int j = static_cast<int>(b % 8);
            for (int t = 0; t < N; ++t) {
                const ActQ8x32& A = act[t][g];
                __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(A.qs + 32 * j));
                if (Dec::SIGNED) v = _mm256_sign_epi8(v, q);
                const __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(qa, v), ones);
                acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(d * A.d[j]), acc[t]);
                if (Dec::HAS_M) acc_m[t] += m * A.s[j];
            }
        }
        for (int t = 0; t < N; ++t) a.y[t * a.y_stride + r] = hsum(acc[t]) + acc_m[t];
    }
}

template <class Dec>
void gemv(const mm::GemmArgs& a, mm::PrepareFn) {
    if (a.n_tok == 1) return gemv_rows<Dec, 1>(a);
    gemv_rows<Dec, 2>(a);
}

}  // namespace

void gemv_q4_0(const mm::GemmArgs& a, mm::PrepareFn p) { gemv<DecQ4_0>(a, p); }
void gemv_q4_1(const mm::GemmArgs& a, mm::PrepareFn p) { gemv<DecQ4_1>(a, p); }
void gemv_q5_0(const mm::GemmArgs& a, mm::PrepareFn p) { gemv<DecQ5_0>(a, p); }
void gemv_q5_1(const mm::GemmArgs& a, mm::PrepareFn p) { gemv<DecQ5_1>(a, p); }
void gemv_q8_0(const mm::GemmArgs& a, mm::PrepareFn p) { gemv<DecQ8_0>(a, p); }
void gemv_iq4_nl(const mm::GemmArgs& a, mm::PrepareFn p) { gemv<DecIQ4_NL>(a, p); }

}  // namespace snug::avx2
